// ANN queries over the ring (`ORDER BY v ANN OF … LIMIT k` with no other restriction, or only `WHERE k = ?`, which
// asks the partition's replicas alone): the ring's segments are
// grouped by the replicas the consistency level asks (ranked as reads are), and each of those replicas is asked once,
// for its k closest rows in all of its segments, by its own graph (ANN_SCAN; the local one directly). The union of
// the answers holds the true top k whenever each replica's does; the coordinator scores the rows itself and keeps
// the k best. With more than one replica per segment, each row found is read again at the consistency level first.
import type { KeyspaceDef, TableDef } from '../schema/model.ts';
import type { PartitionData, ReadFilter, ScanRange } from '../storage/types.ts';
import type { AnnSearch, IndexQuery } from '../index/types.ts';
import { ReadFailureError, ReadTimeoutError, type RequestFailureReason } from '../model/errors.ts';
import type { ConsistencyLevel } from '../model/consistency.ts';
import { send, Verbs } from '../messaging/verbs.ts';
import { mergePartitions } from '../storage/merge.ts';
import { assureSufficientLiveReplicas } from './consistency.ts';
import { AckCounter, isLocalCl, replicaSet } from './replica-set.ts';
import { scanSegments } from './segments.ts';
import { reread, type IndexScanContext } from './index-scan.ts';

/** The local side of an ANN query (the node's IndexingStore). */
export interface LocalAnnScanner {
  annScan(table: TableDef, q: IndexQuery, search: AnnSearch, nowSec: number): PartitionData[] | null;
}

export interface AnnScanContext extends IndexScanContext {
  localAnn: LocalAnnScanner | undefined;
}

interface Plan {
  /** Ranges per replica asked. */
  ranges: Map<string, ScanRange[]>;
  /** Per segment: the counter its answers must satisfy and the replicas asked. */
  segments: Array<{ counter: AckCounter; asked: Array<{ id: string; dc: string }> }>;
  replicasPerSegment: number;
}

/** A partition to search in: only the replicas of its token are asked. */
export type AnnPartition = NonNullable<AnnSearch['partition']>;

function plan(ctx: AnnScanContext, ks: KeyspaceDef, cl: ConsistencyLevel, partition: AnnPartition | undefined): Plan {
  const ranges = new Map<string, ScanRange[]>();
  const segments: Plan['segments'] = [];
  let replicasPerSegment = 1;
  const only: ScanRange = partition ? { start: { token: partition.token, inclusive: true }, endToken: partition.token } : {};
  for (const seg of scanSegments(ctx.topology.ring(), only)) {
    const rs = replicaSet(ctx.topology, ks, seg.token);
    assureSufficientLiveReplicas(cl, rs.view, false);
    const counter = new AckCounter(cl, rs.view);
    const asked = ctx.latency.rank(ctx.topology, rs.alive, isLocalCl(cl)).slice(0, Math.max(1, counter.blockFor));
    replicasPerSegment = Math.max(replicasPerSegment, asked.length);
    for (const r of asked) {
      let list = ranges.get(r.id);
      if (!list) ranges.set(r.id, (list = []));
      list.push(seg.range);
    }
    segments.push({ counter, asked: asked.map((r) => ({ id: r.id, dc: r.dc })) });
  }
  return { ranges, segments, replicasPerSegment };
}

export async function annScan(ctx: AnnScanContext, ks: KeyspaceDef, table: TableDef, q: IndexQuery, target: number[], k: number,
  filter: ReadFilter, cl: ConsistencyLevel, nowSec: number, partition?: AnnPartition): Promise<PartitionData[] | undefined> {
  const p = plan(ctx, ks, cl, partition);
  const ids = [...p.ranges.keys()];
  const local = ctx.localAnn;
  const settled = await Promise.allSettled(ids.map((id) => {
    const search: AnnSearch = { target, k, ranges: p.ranges.get(id)! };
    if (partition) search.partition = partition;
    return id === ctx.topology.self && local
      ? Promise.resolve().then(() => local.annScan(table, q, search, nowSec))
      : send(ctx.messenger, id, Verbs.ANN_SCAN, { t: { ks: table.keyspace, table: table.name, id: table.id }, q, search, now: nowSec }, ctx.readTimeoutMs);
  }));
  const answered = new Set<string>();
  const failures = new Map<string, RequestFailureReason>();
  const byKey = new Map<string, PartitionData>();
  let building = false;
  settled.forEach((s, i) => {
    const id = ids[i]!;
    if (s.status !== 'fulfilled') {
      const reason = ctx.failureReason(s.reason, id === ctx.topology.self);
      if (reason !== undefined) failures.set(id, reason);
      return;
    }
    answered.add(id);
    if (s.value === null) {
      building = true;
      return;
    }
    for (const part of s.value) {
      const key = `${part.token}:${part.key.toString('latin1')}:${part.rows.map((r) => r.clustering.map((c) => c.toString('hex')).join(',')).join(';')}`;
      const prev = byKey.get(key);
      byKey.set(key, prev ? mergePartitions(table, prev, part) : part);
    }
  });
  for (const seg of p.segments) {
    for (const r of seg.asked) if (answered.has(r.id)) seg.counter.ack(r.dc);
    if (seg.counter.satisfied()) continue;
    if (failures.size > 0) throw new ReadFailureError(cl, seg.counter.received, seg.counter.blockFor, failures.size, byKey.size > 0, failures);
    throw new ReadTimeoutError(cl, seg.counter.received, seg.counter.blockFor, byKey.size > 0);
  }
  // A replica still building its graph cannot say which of its rows are closest (nor one that finds scoring the
  // partition cheaper, or its filtered search short): the caller scores rows instead.
  if (building) return undefined;
  const found = [...byKey.values()];
  if (p.replicasPerSegment <= 1) return found;
  const fresh = await Promise.all(found.map((part) => reread(ctx, ks, table, part, filter, cl, nowSec)));
  return fresh.filter((x): x is PartitionData => x !== undefined);
}
