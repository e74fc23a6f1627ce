// Shared fixtures for the ring/replication tests: seeded layouts and a bridge to the Node driver's own token map.
import { createRequire } from 'node:module';
import { randomTokens, type RingEndpoint } from '../../src/cluster/ring.ts';

/** mulberry32: small deterministic rng so failures reproduce. */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface DcLayout {
  readonly name: string;
  readonly nodes: number;
  readonly racks: number;
}

/** Nodes named <dc>-<i>, racks assigned round-robin (rack1, rack2, …), random unique tokens. */
export function buildCluster(dcs: readonly DcLayout[], numTokens: number, seed: number): RingEndpoint[] {
  const rng = seededRng(seed);
  const out: RingEndpoint[] = [];
  let n = 0;
  for (const dc of dcs) {
    for (let i = 0; i < dc.nodes; i++) {
      n++;
      out.push({
        id: `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
        address: `10.0.${dcs.indexOf(dc)}.${i + 1}`,
        dc: dc.name,
        rack: `rack${(i % dc.racks) + 1}`,
        tokens: randomTokens(numTokens, out, rng),
      });
    }
  }
  return out;
}

interface DriverHost {
  readonly address: string;
  readonly datacenter: string;
  readonly rack: string;
  readonly tokens: readonly string[];
}
interface DriverToken {
  compare(other: DriverToken): number;
}
interface DriverMetadata {
  keyspaces: Record<string, unknown>;
  tokenizer: { parse(s: string): DriverToken };
  setPartitioner(name: string): void;
  buildTokens(hosts: { values(): DriverHost[] }): void;
  getReplicas(keyspace: string, token: DriverToken): DriverHost[] | null;
  _schemaParser: { _createKeyspace(name: string, durable: boolean, strategy: string, options: Record<string, string>): unknown };
}

const require = createRequire(import.meta.url);
const Metadata = require('cassandra-driver/lib/metadata/index.js') as new (o: object, cc: null) => DriverMetadata;
const clientOptions = require('cassandra-driver/lib/client-options.js') as { extend(o: object): object };

/**
 * The driver's replica computation over the same endpoints: its Metadata is built from fake Host objects exactly as
 * the control connection would (buildTokens), and the keyspace entry comes from its schema parser, which attaches
 * the driver's SimpleStrategy / NetworkTopologyStrategy mapper. Returns replica addresses.
 */
export function driverReplicas(endpoints: readonly RingEndpoint[], replication: Record<string, string>): (token: bigint) => string[] {
  const m = new Metadata(clientOptions.extend({ contactPoints: ['127.0.0.1'], localDataCenter: 'x' }), null);
  m.setPartitioner('org.apache.cassandra.dht.Murmur3Partitioner');
  const hosts: DriverHost[] = endpoints.map((e) => ({
    address: e.address,
    datacenter: e.dc,
    rack: e.rack,
    tokens: e.tokens.map(String),
  }));
  m.buildTokens({ values: () => hosts });
  const { class: cls, ...options } = replication;
  m.keyspaces['ks'] = m._schemaParser._createKeyspace('ks', true, cls!, options);
  return (token) => (m.getReplicas('ks', m.tokenizer.parse(token.toString())) ?? []).map((h) => h.address);
}
