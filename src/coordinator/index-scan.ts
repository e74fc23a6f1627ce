// Secondary index queries over the ring: the range is cut into the ring's segments (as range scans are), each asked
// of the replicas its consistency level needs (INDEX_SCAN to the others, the local index directly), a few segments
// at a time and in ring order, until enough partitions are found. Each replica answers from its own node-local
// index, re-checked against its base rows. With more than one replica, answers are merged and each partition found
// is read again at the consistency level before it is returned: a replica whose row still matches while another
// holds a newer version that does not must not decide the answer (Cassandra's replica filtering protection).
import type { KeyspaceDef, TableDef } from '../schema/model.ts';
import type { PartitionData, ReadFilter, Slice } from '../storage/types.ts';
import type { IndexQuery, IndexScanRange } from '../index/types.ts';
import { ReadFailureError, ReadTimeoutError, type RequestFailureReason } from '../model/errors.ts';
import type { ConsistencyLevel } from '../model/consistency.ts';
import { send, Verbs, type TableRef, type VerbMessenger } from '../messaging/verbs.ts';
import { mergePartitions } from '../storage/merge.ts';
import { assureSufficientLiveReplicas } from './consistency.ts';
import { AckCounter, isLocalCl, replicaSet, type LatencyTracker, type Topology } from './replica-set.ts';
import { scanSegments, type ScanSegment } from './segments.ts';

/** The local side of an index query (the node's IndexingStore). */
export interface LocalIndexScanner {
  indexScan(table: TableDef, q: IndexQuery, range: IndexScanRange, filter: ReadFilter, partitionLimit: number, nowSec: number): PartitionData[];
}

export interface IndexScanContext {
  topology: Topology;
  latency: LatencyTracker;
  messenger: VerbMessenger;
  local: LocalIndexScanner | undefined;
  readTimeoutMs: number;
  read(ks: KeyspaceDef, table: TableDef, key: Buffer, token: bigint, filter: ReadFilter, cl: ConsistencyLevel, nowSec: number): Promise<PartitionData | undefined>;
  failureReason(e: unknown, local: boolean): RequestFailureReason | undefined;
}

/** Segments asked at once: sparse hits make one-by-one round trips dominate; dense ones waste at most this many answers. */
const WINDOW = 4;

const refOf = (t: TableDef): TableRef => ({ ks: t.keyspace, table: t.name, id: t.id });

function ringCompare(a: PartitionData, b: PartitionData): number {
  return a.token < b.token ? -1 : a.token > b.token ? 1 : Buffer.compare(a.key, b.key);
}

function sortByToken(parts: PartitionData[]): PartitionData[] {
  return parts.sort(ringCompare);
}

async function scanSegment(ctx: IndexScanContext, ks: KeyspaceDef, table: TableDef, q: IndexQuery, seg: ScanSegment, range: IndexScanRange,
  filter: ReadFilter, limit: number, cl: ConsistencyLevel, nowSec: number): Promise<{ parts: PartitionData[]; replicas: number; done: boolean }> {
  const rs = replicaSet(ctx.topology, ks, seg.token);
  assureSufficientLiveReplicas(cl, rs.view, false);
  const counter = new AckCounter(cl, rs.view);
  const chosen = ctx.latency.rank(ctx.topology, rs.alive, isLocalCl(cl)).slice(0, Math.max(1, counter.blockFor));
  const local = ctx.local;
  const settled = await Promise.allSettled(chosen.map((r) => (r.id === ctx.topology.self && local
    ? Promise.resolve().then(() => local.indexScan(table, q, range, filter, limit, nowSec))
    : send(ctx.messenger, r.id, Verbs.INDEX_SCAN, { t: refOf(table), q, range, filter, limit, now: nowSec }, ctx.readTimeoutMs))));
  const byKey = new Map<string, PartitionData>();
  const failures = new Map<string, RequestFailureReason>();
  // A replica that answered a full `limit` may hold more beyond its last partition, which another replica's later
  // partitions would otherwise skip over: the merged answer is complete only up to the first such cut (Cassandra's
  // short read protection, by truncation).
  let cut: PartitionData | undefined;
  settled.forEach((s, i) => {
    if (s.status !== 'fulfilled') {
      const reason = ctx.failureReason(s.reason, chosen[i]!.id === ctx.topology.self);
      if (reason !== undefined) failures.set(chosen[i]!.id, reason);
      return;
    }
    counter.ack(chosen[i]!.dc);
    const last = s.value.length >= limit ? s.value[s.value.length - 1] : undefined;
    if (last && (!cut || ringCompare(last, cut) < 0)) cut = last;
    for (const p of s.value) {
      const k = p.key.toString('latin1');
      const prev = byKey.get(k);
      byKey.set(k, prev ? mergePartitions(table, prev, p) : p);
    }
  });
  if (!counter.satisfied() && failures.size > 0) throw new ReadFailureError(cl, counter.received, counter.blockFor, failures.size, byKey.size > 0, failures);
  if (!counter.satisfied()) throw new ReadTimeoutError(cl, counter.received, counter.blockFor, byKey.size > 0);
  const merged = sortByToken([...byKey.values()]).filter((p) => !cut || ringCompare(p, cut) <= 0);
  return { parts: merged.slice(0, limit), replicas: chosen.length, done: cut === undefined && merged.length <= limit };
}

/** The rows found, read again at the consistency level (all replicas' versions merged, stale ones repaired). */
export async function reread(ctx: Pick<IndexScanContext, "read">, ks: KeyspaceDef, table: TableDef, p: PartitionData, filter: ReadFilter,
  cl: ConsistencyLevel, nowSec: number): Promise<PartitionData | undefined> {
  const points: Slice[] = p.rows.map((r) => ({ start: { prefix: r.clustering, inclusive: true }, end: { prefix: r.clustering, inclusive: true } }));
  const f: ReadFilter = points.length > 0 && table.clustering.length > 0 ? { slices: points } : filter.slices ? { slices: filter.slices } : {};
  const fresh = await ctx.read(ks, table, p.key, p.token, f, cl, nowSec);
  if (!fresh) return undefined;
  // A partition matched through its static row or key keeps only the rows the replicas returned.
  return points.length > 0 ? fresh : { ...fresh, rows: fresh.rows.filter((r) => p.rows.some((x) => x.clustering.every((b, i) => b.equals(r.clustering[i]!)))) };
}

/** What an index scan found, and whether the range has nothing more (else resume after the last partition). */
export interface IndexScanResult {
  partitions: PartitionData[];
  exhausted: boolean;
}

export async function indexScan(ctx: IndexScanContext, ks: KeyspaceDef, table: TableDef, q: IndexQuery, range: IndexScanRange,
  filter: ReadFilter, partitionLimit: number, cl: ConsistencyLevel, nowSec: number): Promise<IndexScanResult> {
  const out: PartitionData[] = [];
  const segments = scanSegments(ctx.topology.ring(), range);
  const startKey = range.start?.key;
  for (let i = 0; i < segments.length && out.length < partitionLimit; i += WINDOW) {
    const limit = partitionLimit - out.length;
    const window = segments.slice(i, i + WINDOW).map((seg) => {
      const r: IndexScanRange = { ...seg.range };
      // Paging resumes inside the start partition, which only the first segment can hold.
      if (range.afterClustering && startKey && seg.range.start?.key?.equals(startKey)) r.afterClustering = range.afterClustering;
      return scanSegment(ctx, ks, table, q, seg, r, filter, limit, cl, nowSec);
    });
    for (const { parts, replicas, done } of await Promise.all(window)) {
      for (const p of parts) {
        if (out.length >= partitionLimit) return { partitions: out, exhausted: false };
        if (replicas <= 1) out.push(p);
        else {
          // A partition gone on re-reading still counts as found: fewer than asked means the range is exhausted.
          const fresh = await reread(ctx, ks, table, p, filter, cl, nowSec);
          out.push(fresh ?? { key: p.key, token: p.token, rangeTombstones: [], rows: [] });
        }
      }
      // A segment with more to give ends this answer: later segments' partitions come after its unread ones.
      if (!done) return { partitions: out, exhausted: false };
    }
  }
  return { partitions: out, exhausted: out.length < partitionLimit };
}
