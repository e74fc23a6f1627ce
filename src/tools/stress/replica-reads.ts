// Where the replica reads of a run were served, which cassandra-stress cannot say: every Sibyl node counts the reads
// it serves as a replica by the coordinator's origin (`GET /replicareads` on its admin port, the JMX port 7199), so
// reading the counters of every node before and after a run gives the share served in the coordinator's own rack
// (seed 004: "most requests are handled within the local availability zone") and its Figure 1, the per-node local
// read counts. Nodes that do not answer (a Cassandra node) are left out, as for the server CPU line.
import { adminCall } from '../admin-client.ts';
import type { HostLocation } from './format.ts';

export interface ReplicaReadCounts {
  local_rack: number;
  remote_rack: number;
  remote_dc: number;
  /** Reads the node coordinated and served itself; part of local_rack. */
  self: number;
}

const KEYS = ['local_rack', 'remote_rack', 'remote_dc', 'self'] as const;

function isCounts(v: unknown): v is ReplicaReadCounts {
  return typeof v === 'object' && v !== null && KEYS.every((k) => typeof (v as Record<string, unknown>)[k] === 'number');
}

/** The counters of every host (address without port) that answered. */
export async function fetchReplicaReads(hosts: readonly string[], port: number): Promise<Map<string, ReplicaReadCounts>> {
  const out = new Map<string, ReplicaReadCounts>();
  await Promise.all(hosts.map(async (h) => {
    try {
      const v = await adminCall<unknown>(h, port, '/replicareads', { timeoutMs: 2000 });
      if (isCounts(v)) out.set(h, v);
    } catch {
      // Not a Sibyl node, an older one, or unreachable from here: no figure for it.
    }
  }));
  return out;
}

/** after − before per host, for hosts with both readings. */
export function replicaReadDeltas(before: ReadonlyMap<string, ReplicaReadCounts>, after: ReadonlyMap<string, ReplicaReadCounts>): Map<string, ReplicaReadCounts> {
  const out = new Map<string, ReplicaReadCounts>();
  for (const [h, a] of after) {
    const b = before.get(h);
    if (b === undefined) continue;
    out.set(h, { local_rack: a.local_rack - b.local_rack, remote_rack: a.remote_rack - b.remote_rack, remote_dc: a.remote_dc - b.remote_dc, self: a.self - b.self });
  }
  return out;
}

const grouped = (n: number): string => n.toLocaleString('en-US');

/** Orders addresses numerically (127.0.72.10 after 127.0.72.9). */
function byAddress(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The share line and the per-node table:
 * `Local-rack replica reads  : 99.9% (19,980 of 20,000 replica reads in the coordinator's own rack; …)`.
 * Empty when no node answered or no replica read was served (a write run).
 */
export function replicaReadsBlock(deltas: ReadonlyMap<string, ReplicaReadCounts>, locate: (host: string) => HostLocation | undefined): string[] {
  let local = 0;
  let rack = 0;
  let dc = 0;
  let self = 0;
  for (const d of deltas.values()) {
    local += d.local_rack;
    rack += d.remote_rack;
    dc += d.remote_dc;
    self += d.self;
  }
  const total = local + rack + dc;
  if (total === 0) return [];
  const pct = ((100 * local) / total).toFixed(1);
  const rows = [...deltas].sort(([a], [b]) => byAddress(a, b)).map(([h, d]) => {
    const loc = locate(h);
    const where = loc === undefined ? 'unknown' : `${loc.dc}/${loc.rack}`;
    return `  ${h.padEnd(16)}${where.padEnd(16)}${[d.local_rack, d.remote_rack, d.remote_dc, d.self].map((v) => grouped(v).padStart(12)).join('')}`;
  });
  return [
    `Local-rack replica reads  : ${pct}% (${grouped(local)} of ${grouped(total)} replica reads served in the coordinator's own rack; other racks ${grouped(rack)}, other DCs ${grouped(dc)}; by the coordinator itself ${grouped(self)})`,
    'Replica reads served per node, by the coordinator\'s origin:',
    `  ${'node'.padEnd(16)}${'dc/rack'.padEnd(16)}${['local rack', 'remote rack', 'remote dc', '(self)'].map((h) => h.padStart(12)).join('')}`,
    ...rows,
  ];
}
