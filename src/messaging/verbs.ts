// The internode verbs, declared once: each with its request and response types, a check that an incoming payload
// has the shape its handler expects (payloads come off the network and are not trusted), and which timeout applies.
// Handlers and senders go through register()/request() below, so a payload can only be built and read as its verb's
// type, and a verb name cannot be mistyped.
import type { PartitionData, ReadFilter, ScanRange } from '../storage/types.ts';
import type { SchemaSnapshot } from '../schema/snapshot.ts';
import type { AnnSearch, IndexQuery, IndexScanRange } from '../index/types.ts';
import type { SerializedMerkleTree } from '../storage/merkle.ts';
import type { TableDef } from '../schema/model.ts';

/** Which configured timeout bounds a request of this verb (or none for one-way verbs). */
export type VerbTimeout = 'write' | 'read' | 'truncate' | 'schema' | 'none';

export interface VerbSpec<Req, Res> {
  readonly name: string;
  readonly timeout: VerbTimeout;
  /** Narrows an incoming payload to Req, or throws MalformedPayloadError. */
  readonly checkRequest: (payload: unknown) => Req;
  /** Phantom marker for the response type (never set at run time). */
  readonly response?: Res;
}

/** A payload that does not have its verb's shape: the sender is broken or hostile, never "schema disagreement". */
export class MalformedPayloadError extends Error {
  override readonly name = 'MalformedPayloadError';
}

/** A table as the nodes name it: by keyspace, name and id (a dropped and re-created table has a new id). */
export interface TableRef {
  ks: string;
  table: string;
  id: string;
}

// One reference per table definition (a schema change makes new definitions): every replica request carries one.
const refs = new WeakMap<TableDef, TableRef>();
export function refOf(t: TableDef): TableRef {
  let r = refs.get(t);
  if (r === undefined) {
    r = { ks: t.keyspace, table: t.name, id: t.id };
    refs.set(t, r);
  }
  return r;
}

export interface MutationRequest {
  items: Array<{ t: TableRef; u: PartitionData }>;
  /** The trace session of a traced request (its 16-byte id): the replica records its events under it. */
  tr?: Buffer;
}

export interface ReadRequest {
  t: TableRef;
  key: Buffer;
  token: bigint;
  filter: ReadFilter;
  /** The coordinator's "now" in seconds, so TTL expiry is judged the same on every replica. */
  now: number;
  /** The trace session of a traced request, as MutationRequest.tr. */
  tr?: Buffer;
}

export interface ScanRequest {
  t: TableRef;
  range: ScanRange;
  filter: ReadFilter;
  limit: number;
  now: number;
  /** The trace session of a traced request, as MutationRequest.tr. */
  tr?: Buffer;
}

export interface IndexScanRequest {
  t: TableRef;
  q: IndexQuery;
  range: IndexScanRange;
  filter: ReadFilter;
  limit: number;
  now: number;
}

export interface AnnScanRequest {
  t: TableRef;
  q: IndexQuery;
  search: AnnSearch;
  now: number;
}

export interface TruncateRequest {
  t: TableRef;
}

/** A Paxos proposal (Cassandra's Commit): a ballot (a timeuuid) and the partition update it carries. */
export interface PaxosProposal {
  ballot: Buffer;
  update: PartitionData;
}

/** Which partition a Paxos message is about. */
export interface PaxosKey {
  t: TableRef;
  key: Buffer;
  token: bigint;
}

export interface PaxosPrepareRequest extends PaxosKey {
  ballot: Buffer;
}

/**
 * A replica's answer to a prepare: a promise (with what it last accepted and committed), or a refusal naming the
 * ballot it promised instead, so the proposer picks a higher one next time (CASSANDRA-5667).
 */
export interface PaxosPrepareResponse {
  promised: boolean;
  promisedBallot?: Buffer;
  accepted?: PaxosProposal;
  committed?: PaxosProposal;
}

/** Counter increments (cells holding 8-byte deltas) for the leader replica to apply to its shard and replicate. */
export interface CounterMutationRequest {
  ks: string;
  items: Array<{ t: TableRef; u: PartitionData }>;
  cl: number;
}

/** A logged batch as its batchlog replicas keep it: when it was written and every partition update, by table. */
export interface BatchRecord {
  /** Wall-clock ms at the coordinator: the batch is replayed once it is older than twice the write timeout. */
  createdAt: number;
  items: Array<{ t: TableRef; u: PartitionData }>;
}

export interface BatchStoreRequest {
  id: Buffer;
  record: BatchRecord;
}

export interface PaxosProposeRequest extends PaxosKey {
  proposal: PaxosProposal;
}

function fail(verb: string, what: string): never {
  throw new MalformedPayloadError(`${verb}: malformed payload (${what})`);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !Buffer.isBuffer(x);
}

function checkTableRef(verb: string, x: unknown): TableRef {
  if (!isObject(x) || typeof x.ks !== 'string' || typeof x.table !== 'string' || typeof x.id !== 'string') fail(verb, 'table');
  return x as unknown as TableRef;
}

function checkPartition(verb: string, x: unknown): PartitionData {
  if (!isObject(x) || !Buffer.isBuffer(x.key) || typeof x.token !== 'bigint' || !Array.isArray(x.rows) || !Array.isArray(x.rangeTombstones)) {
    fail(verb, 'partition');
  }
  return x as unknown as PartitionData;
}

function checkFilter(verb: string, x: unknown): ReadFilter {
  if (!isObject(x) || (x.slices !== undefined && !Array.isArray(x.slices))) fail(verb, 'filter');
  return x as ReadFilter;
}

function checkPaxos<R>(verb: string, p: unknown, field: 'ballot' | 'proposal'): R {
  if (!isObject(p) || !Buffer.isBuffer(p.key) || typeof p.token !== 'bigint') fail(verb, 'key');
  checkTableRef(verb, p.t);
  if (field === 'ballot' && (!Buffer.isBuffer(p.ballot) || p.ballot.length !== 16)) fail(verb, 'ballot');
  if (field === 'proposal') {
    const pr = p.proposal;
    if (!isObject(pr) || !Buffer.isBuffer(pr.ballot) || pr.ballot.length !== 16) fail(verb, 'proposal');
    checkPartition(verb, pr.update);
  }
  return p as unknown as R;
}

function checkRead(verb: string, p: unknown): ReadRequest {
  if (!isObject(p) || !Buffer.isBuffer(p.key) || typeof p.token !== 'bigint' || typeof p.now !== 'number') fail(verb, 'key');
  checkTableRef(verb, p.t);
  checkFilter(verb, p.filter);
  checkTraceId(verb, p.tr);
  return p as unknown as ReadRequest;
}

function checkTraceId(verb: string, tr: unknown): void {
  if (tr !== undefined && !(Buffer.isBuffer(tr) && tr.length === 16)) fail(verb, 'trace session');
}

function verb<Req, Res>(name: string, timeout: VerbTimeout, checkRequest: (payload: unknown) => Req): VerbSpec<Req, Res> {
  return { name, timeout, checkRequest };
}

export const Verbs = {
  /** Apply these partition updates (a replica write, a hint replay, a read repair). */
  MUTATION: verb<MutationRequest, true>('MUTATION', 'write', (p) => {
    if (!isObject(p) || !Array.isArray(p.items) || p.items.length === 0) fail('MUTATION', 'items');
    for (const i of p.items as unknown[]) {
      if (!isObject(i)) fail('MUTATION', 'item');
      checkTableRef('MUTATION', i.t);
      checkPartition('MUTATION', i.u);
    }
    checkTraceId('MUTATION', p.tr);
    return p as unknown as MutationRequest;
  }),
  /** One partition (as the filter selects it) from this replica; null when it holds nothing. */
  READ: verb<ReadRequest, PartitionData | null>('READ', 'read', (p) => checkRead('READ', p)),
  /**
   * The digest of what READ would answer (partition-codec.ts partitionDigest): the replicas of a read other than the
   * one asked for the data answer with this, as Cassandra's digest reads do, so only one full answer crosses the
   * network when the replicas agree.
   */
  READ_DIGEST: verb<ReadRequest, Buffer>('READ_DIGEST', 'read', (p) => checkRead('READ_DIGEST', p)),
  /** Up to `limit` partitions of a token range from this replica. */
  SCAN: verb<ScanRequest, PartitionData[]>('SCAN', 'read', (p) => {
    if (!isObject(p) || !isObject(p.range) || typeof p.limit !== 'number' || typeof p.now !== 'number') fail('SCAN', 'range');
    checkTableRef('SCAN', p.t);
    checkFilter('SCAN', p.filter);
    checkTraceId('SCAN', p.tr);
    return p as unknown as ScanRequest;
  }),
  /** Up to `limit` partitions of a token range holding rows a secondary index query selects, from this replica. */
  INDEX_SCAN: verb<IndexScanRequest, PartitionData[]>('INDEX_SCAN', 'read', (p) => {
    if (!isObject(p) || !isObject(p.range) || typeof p.limit !== 'number' || typeof p.now !== 'number') fail('INDEX_SCAN', 'range');
    if (!isObject(p.q) || typeof p.q.index !== 'string' || typeof p.q.indexId !== 'string') fail('INDEX_SCAN', 'query');
    checkTableRef('INDEX_SCAN', p.t);
    checkFilter('INDEX_SCAN', p.filter);
    return p as unknown as IndexScanRequest;
  }),
  /** This replica's closest rows to a vector in some token ranges, by a vector index's graph (index/vectors.ts); null while the graph is built. */
  ANN_SCAN: verb<AnnScanRequest, PartitionData[] | null>('ANN_SCAN', 'read', (p) => {
    if (!isObject(p) || typeof p.now !== 'number' || !isObject(p.q) || typeof p.q.index !== 'string' || typeof p.q.indexId !== 'string') fail('ANN_SCAN', 'query');
    const s = p.search;
    if (!isObject(s) || !Array.isArray(s.target) || !s.target.every((x) => typeof x === 'number') || typeof s.k !== 'number'
      || !Number.isInteger(s.k) || s.k < 1 || !Array.isArray(s.ranges) || !s.ranges.every(isObject)) fail('ANN_SCAN', 'search');
    checkTableRef('ANN_SCAN', p.t);
    return p as unknown as AnnScanRequest;
  }),
  TRUNCATE: verb<TruncateRequest, true>('TRUNCATE', 'truncate', (p) => {
    if (!isObject(p)) fail('TRUNCATE', 'table');
    checkTableRef('TRUNCATE', p.t);
    return p as unknown as TruncateRequest;
  }),
  /** Lead these counter increments: add them to this replica's shards, then replicate the contexts at `cl`. */
  COUNTER_MUTATION: verb<CounterMutationRequest, true>('COUNTER_MUTATION', 'write', (p) => {
    if (!isObject(p) || typeof p.ks !== 'string' || typeof p.cl !== 'number' || !Array.isArray(p.items) || p.items.length === 0) {
      fail('COUNTER_MUTATION', 'items');
    }
    for (const i of p.items as unknown[]) {
      if (!isObject(i)) fail('COUNTER_MUTATION', 'item');
      checkTableRef('COUNTER_MUTATION', i.t);
      checkPartition('COUNTER_MUTATION', i.u);
    }
    return p as unknown as CounterMutationRequest;
  }),
  /** Keep this logged batch in the batchlog, to replay if its coordinator does not remove it in time. */
  BATCH_STORE: verb<BatchStoreRequest, true>('BATCH_STORE', 'write', (p) => {
    if (!isObject(p) || !Buffer.isBuffer(p.id) || !isObject(p.record) || typeof p.record.createdAt !== 'number' || !Array.isArray(p.record.items)) {
      fail('BATCH_STORE', 'batch');
    }
    for (const i of (p.record as { items: unknown[] }).items) {
      if (!isObject(i)) fail('BATCH_STORE', 'item');
      checkTableRef('BATCH_STORE', i.t);
      checkPartition('BATCH_STORE', i.u);
    }
    return p as unknown as BatchStoreRequest;
  }),
  /** The batch was applied: forget it. */
  BATCH_REMOVE: verb<{ id: Buffer }, true>('BATCH_REMOVE', 'write', (p) => {
    if (!isObject(p) || !Buffer.isBuffer(p.id)) fail('BATCH_REMOVE', 'id');
    return p as unknown as { id: Buffer };
  }),
  /** Paxos phase 1: promise not to accept ballots lower than this one. */
  PAXOS_PREPARE: verb<PaxosPrepareRequest, PaxosPrepareResponse>('PAXOS_PREPARE', 'write', (p) => checkPaxos('PAXOS_PREPARE', p, 'ballot')),
  /** Paxos phase 2: accept this proposal unless a higher ballot was promised; answers whether it was accepted. */
  PAXOS_PROPOSE: verb<PaxosProposeRequest, boolean>('PAXOS_PROPOSE', 'write', (p) => checkPaxos('PAXOS_PROPOSE', p, 'proposal')),
  /** Paxos learn: apply the chosen proposal's update and remember it as the most recent commit. */
  PAXOS_COMMIT: verb<PaxosProposeRequest, true>('PAXOS_COMMIT', 'write', (p) => checkPaxos('PAXOS_COMMIT', p, 'proposal')),
  /** The peer's whole schema (a node whose gossiped schema version differs from ours pulls it). */
  SCHEMA_PULL: verb<null, SchemaSnapshot>('SCHEMA_PULL', 'schema', () => null),
  /** Our schema, for the peer to adopt when it is newer than its own. */
  SCHEMA_PUSH: verb<SchemaSnapshot, true>('SCHEMA_PUSH', 'schema', (p) => {
    if (!isObject(p) || typeof p.stamp !== 'number' || !('schema' in p)) fail('SCHEMA_PUSH', 'snapshot');
    return p as unknown as SchemaSnapshot;
  }),
} as const;

/** The gossip verb: one-way messages (SYN/ACK/ACK2), on the same channel as the request verbs. */
export const GOSSIP_VERB = 'GOSSIP';

/** The string-verb messaging both the TCP service and the simulator provide. */
export interface VerbMessenger {
  register(verb: string, handler: (payload: unknown, from: string) => unknown | Promise<unknown>): void;
  request(to: string, verb: string, payload: unknown, timeoutMs: number): Promise<unknown>;
}

/** Registers the handler of a verb; the payload is checked before the handler sees it. */
export function handle<Req, Res>(m: VerbMessenger, v: VerbSpec<Req, Res>, handler: (req: Req, from: string) => Res | Promise<Res>): void {
  m.register(v.name, (payload, from) => handler(v.checkRequest(payload), from));
}

/** Sends a request of a verb and waits for its typed response. */
export function send<Req, Res>(m: VerbMessenger, to: string, v: VerbSpec<Req, Res>, req: Req, timeoutMs: number): Promise<Res> {
  return m.request(to, v.name, req, timeoutMs) as Promise<Res>;
}

/** A non-wrapping token range (left, right] as streams and repair carry it. */
export interface WireTokenRange {
  left: bigint;
  right: bigint;
}

/** The receiver of a stream pulls the rows of a range page by page, resuming after the last partition it applied. */
export interface StreamPageRequest {
  /** The stream plan's id (netstats groups the pages of one plan under it on the sending side too). */
  plan: string;
  /** Cassandra's stream operation description: Repair, Bootstrap, Rebuild, Unbootstrap. */
  op: string;
  t: TableRef;
  range: WireTokenRange;
  after?: { token: bigint; key: Buffer };
  limit: number;
  now: number;
}

export interface StreamPageResponse {
  partitions: PartitionData[];
  /** Estimated size of the page, what the throttle and the progress count. */
  bytes: number;
  /** No partition of the range follows the page. */
  done: boolean;
}

/** Repair validation: a Merkle tree of the replica's partitions of one range of a table. */
export interface ValidationRequest {
  session: string;
  t: TableRef;
  range: WireTokenRange;
  depth: number;
  now: number;
}

/** Repair sync: pull these ranges of a table from `peer` (the replica whose tree differed). */
export interface SyncRequest {
  session: string;
  t: TableRef;
  peer: string;
  ranges: WireTokenRange[];
  /** The stream operation netstats names (Repair when absent; Unbootstrap for a decommission's transfers). */
  op?: string;
}

function checkRange(verb: string, x: unknown): WireTokenRange {
  if (!isObject(x) || typeof x.left !== 'bigint' || typeof x.right !== 'bigint') fail(verb, 'range');
  return x as unknown as WireTokenRange;
}

/** Repair finalize: the session has made the participants agree on these ranges of a table; record repaired_at. */
export interface RepairFinalizeRequest {
  session: string;
  t: TableRef;
  ranges: WireTokenRange[];
  /** µs since the epoch: when the session's validation started. */
  repairedAt: number;
}

/** The verbs of streaming and repair, declared like the others (kept apart so the two lists merge cleanly). */
export const StreamVerbs = {
  /** One page of a range's partitions, whole (tombstones included), for a stream's receiver to apply. */
  STREAM_PAGE: verb<StreamPageRequest, StreamPageResponse>('STREAM_PAGE', 'read', (p) => {
    if (!isObject(p) || typeof p.plan !== 'string' || typeof p.op !== 'string' || typeof p.limit !== 'number' || typeof p.now !== 'number') {
      fail('STREAM_PAGE', 'plan');
    }
    checkTableRef('STREAM_PAGE', p.t);
    checkRange('STREAM_PAGE', p.range);
    if (p.after !== undefined && (!isObject(p.after) || typeof p.after.token !== 'bigint' || !Buffer.isBuffer(p.after.key))) {
      fail('STREAM_PAGE', 'after');
    }
    return p as unknown as StreamPageRequest;
  }),
  /** Build and return the Merkle tree of a range (serialized, storage/merkle.ts). */
  VALIDATION_REQUEST: verb<ValidationRequest, SerializedMerkleTree>('VALIDATION_REQUEST', 'none', (p) => {
    if (!isObject(p) || typeof p.session !== 'string' || typeof p.depth !== 'number' || typeof p.now !== 'number') fail('VALIDATION_REQUEST', 'session');
    checkTableRef('VALIDATION_REQUEST', p.t);
    checkRange('VALIDATION_REQUEST', p.range);
    return p as unknown as ValidationRequest;
  }),
  /** Stream these ranges from the peer; answers with the bytes received once they are applied. */
  SYNC_REQUEST: verb<SyncRequest, { bytes: number; partitions: number }>('SYNC_REQUEST', 'none', (p) => {
    if (!isObject(p) || typeof p.session !== 'string' || typeof p.peer !== 'string' || !Array.isArray(p.ranges)) fail('SYNC_REQUEST', 'session');
    checkTableRef('SYNC_REQUEST', p.t);
    for (const r of p.ranges as unknown[]) checkRange('SYNC_REQUEST', r);
    return p as unknown as SyncRequest;
  }),
  /** Record repaired_at for ranges of a table (repair/history.ts); answers once it is persisted. */
  REPAIR_FINALIZE: verb<RepairFinalizeRequest, true>('REPAIR_FINALIZE', 'none', (p) => {
    if (!isObject(p) || typeof p.session !== 'string' || typeof p.repairedAt !== 'number' || !Array.isArray(p.ranges)) fail('REPAIR_FINALIZE', 'session');
    checkTableRef('REPAIR_FINALIZE', p.t);
    for (const r of p.ranges as unknown[]) checkRange('REPAIR_FINALIZE', r);
    return p as unknown as RepairFinalizeRequest;
  }),
} as const;
