// cluster.json: what the launcher knows about a cluster it created — topology, every node's files and pid, the
// internal load balancers — so later `sibyl cluster …` commands (from any shell) can find and control the processes.
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ClusterTopology, NodeSpec } from './topology.ts';

export interface ManifestNode extends NodeSpec {
  /** Absolute path of the node's cassandra.yaml. */
  configPath: string;
  logPath: string;
  nativePort: number;
  adminPort: number;
  /** Pid of the running node process; undefined when stopped. */
  pid?: number;
  /** Learnt once the node is up, so a stopped node can still be listed (DN) with its host id. */
  hostId?: string;
  tokens?: string[];
}

export interface ManifestIlb {
  dataCenter: string;
  address: string;
  port: number;
  logPath: string;
  pid?: number;
}

export interface ClusterManifest {
  version: 1;
  /** Absolute cluster directory. */
  dir: string;
  clusterName: string;
  preset?: string;
  topology: ClusterTopology;
  createdAt: string;
  /** True while a foreground `sibyl start` owns the processes (they die with it). */
  foreground?: boolean;
  nodes: ManifestNode[];
  ilbs: ManifestIlb[];
}

export const MANIFEST = 'cluster.json';

export function manifestPath(dir: string): string {
  return join(resolve(dir), MANIFEST);
}

export function existsManifest(dir: string): boolean {
  return existsSync(manifestPath(dir));
}

export function readManifest(dir: string): ClusterManifest {
  const p = manifestPath(dir);
  if (!existsSync(p)) throw new Error(`no cluster in ${resolve(dir)} (${MANIFEST} not found)`);
  const m = JSON.parse(readFileSync(p, 'utf8')) as ClusterManifest;
  if (m.version !== 1 || !Array.isArray(m.nodes)) throw new Error(`${p} is not a Sibyl cluster manifest`);
  return m;
}

/** Written to a temp file and renamed, so a concurrent reader never sees half a manifest. */
export function writeManifest(m: ClusterManifest): void {
  const p = manifestPath(m.dir);
  writeFileSync(`${p}.tmp`, `${JSON.stringify(m, null, 2)}\n`);
  renameSync(`${p}.tmp`, p);
}

/** Default cluster directory when --dir is not given: the only cluster under ./clusters, if there is exactly one. */
export function findClusterDir(dir: string | undefined): string {
  if (dir !== undefined) return resolve(dir);
  const root = resolve('clusters');
  const found = existsSync(root) ? readdirSync(root).filter((d) => existsSync(join(root, d, MANIFEST))) : [];
  if (found.length === 1) return join(root, found[0]!);
  if (found.length === 0) throw new Error('no cluster found under ./clusters; pass --dir DIR');
  throw new Error(`several clusters under ./clusters (${found.join(', ')}); pass --dir DIR`);
}

/** Nodes picked by --node ADDRESS, --dc DC or --rack RACK --dc DC. */
export function selectNodes(m: ClusterManifest, sel: { node?: string; dc?: string; rack?: string }): ManifestNode[] {
  if (sel.node !== undefined) {
    const n = m.nodes.filter((x) => x.address === sel.node || x.name === sel.node);
    if (n.length === 0) throw new Error(`no node ${sel.node} in this cluster (nodes: ${m.nodes.map((x) => x.address).join(', ')})`);
    return n;
  }
  if (sel.rack !== undefined && sel.dc === undefined) throw new Error('--rack needs --dc (rack names repeat across data centres)');
  if (sel.dc === undefined) throw new Error('choose nodes with --node ADDRESS, --dc DC or --rack RACK --dc DC');
  const n = m.nodes.filter((x) => x.dataCenter === sel.dc && (sel.rack === undefined || x.rack === sel.rack));
  if (n.length === 0) throw new Error(`no nodes in ${sel.rack !== undefined ? `rack ${sel.rack} of ` : ''}data centre ${sel.dc}`);
  return n;
}
