// The stress tool's packages, loaded on first use. Every node process runs the same CLI bundle, and a static import of
// an external package is hoisted to the bundle's top (esbuild), so the driver and the histogram library would load
// in every node; a require made at run time keeps them out of the nodes.
import { createRequire } from 'node:module';

type Driver = typeof import('cassandra-driver');
type Hdr = typeof import('hdr-histogram-js');

const load = createRequire(import.meta.url);
let driver: Driver | undefined;
let hdr: Hdr | undefined;

export const driverLib = (): Driver => (driver ??= load('cassandra-driver') as Driver);
export const hdrLib = (): Hdr => (hdr ??= load('hdr-histogram-js') as Hdr);
