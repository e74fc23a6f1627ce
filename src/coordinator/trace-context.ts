// Request tracing across replicas. The coordinator runs a traced request inside `requestTrace` (node/handler.ts);
// the coordinator code that sends a replica its part reads the session from there — rather than from a parameter
// through every Coordinator method — records Cassandra's "Sending … message to …" / "… message received from …"
// events, and puts the session id into the request (MutationRequest.tr, ReadRequest.tr). A replica given a session
// id records its own events under it, with itself as their source, as Cassandra's replicas do (Tracing's
// TraceState on the replica side); ReplicaTraceWriter stores them (node/tracing.ts writes system_traces.events).
//
// The replica trusts only the id in the message, never this context: a socket created during a traced request
// would carry the context into callbacks that have nothing to do with it.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { TableDef } from '../schema/model.ts';
import type { PartitionData } from '../storage/types.ts';
import { countPartition } from '../storage/tombstone-count.ts';

export interface RequestTrace {
  /** The session's 16-byte time uuid. */
  readonly id: Buffer;
  trace(activity: string): void;
}

export const requestTrace = new AsyncLocalStorage<RequestTrace>();

/** Which of Cassandra's stages a replica event happened on (the thread column names it). */
export type TraceStage = 'ReadStage' | 'MutationStage';

/** Stores a replica's events of a traced request (fire and forget: tracing never fails the request). */
export type ReplicaTraceWriter = (sessionId: Buffer, stage: TraceStage, activities: string[]) => void;

/** Cassandra's verb names in trace events (Verb.READ_REQ, MUTATION_REQ, RANGE_REQ and their responses). */
export type TracedVerb = 'READ' | 'MUTATION' | 'RANGE';

/** The coordinator's events around one replica request, when the request is traced (else nothing to do). */
export function traceSend(verb: TracedVerb, to: string): RequestTrace | undefined {
  const t = requestTrace.getStore();
  t?.trace(`Sending ${verb}_REQ message to /${to}`);
  return t;
}

export function traceReceived(t: RequestTrace | undefined, verb: TracedVerb, from: string): void {
  t?.trace(`${verb}_RSP message received from /${from}`);
}

/** One replica request with its trace events; `send` gets the session id to put in the request, when traced. */
export async function tracedRequest<T>(verb: TracedVerb, to: string, send: (tr: Buffer | undefined) => Promise<T>): Promise<T> {
  const t = traceSend(verb, to);
  const res = await send(t?.id);
  traceReceived(t, verb, to);
  return res;
}

/** What a replica records for its part of a range read. */
export function traceReplicaScan(writer: ReplicaTraceWriter | undefined, sessionId: Buffer, from: string, table: TableDef,
  parts: readonly PartitionData[], nowSec: number): void {
  if (!writer) return;
  const counts = { liveRows: 0, tombstones: 0 };
  for (const p of parts) countPartition(table, p, nowSec, counts);
  writer(sessionId, 'ReadStage', [`RANGE_REQ message received from /${from}`,
    `Read ${counts.liveRows} live rows and ${counts.tombstones} tombstone cells`, `Enqueuing response to /${from}`, `Sending RANGE_RSP message to /${from}`]);
}

/** What a replica records for a mutation it applied: the same events as Cassandra's MutationVerbHandler path. */
export function mutationEvents(from: string, tables: readonly TableDef[]): string[] {
  return [`MUTATION_REQ message received from /${from}`, 'Appending to commitlog', ...tables.map((t) => `Adding to ${t.name} memtable`),
    `Enqueuing response to /${from}`, `Sending MUTATION_RSP message to /${from}`];
}

/** What a replica records for a single-partition read it served (data or digest). */
export function readEvents(from: string, table: TableDef, counts: { liveRows: number; tombstones: number }): string[] {
  return [`READ_REQ message received from /${from}`, `Executing single-partition query on ${table.name}`,
    `Read ${counts.liveRows} live rows and ${counts.tombstones} tombstone cells`, `Enqueuing response to /${from}`,
    `Sending READ_RSP message to /${from}`];
}

/** A local write of a traced request: Cassandra's coordinator-replica events for it. */
export function traceLocalWrite(items: ReadonlyArray<{ table: TableDef }>): void {
  const t = requestTrace.getStore();
  if (!t) return;
  t.trace('Appending to commitlog');
  for (const { table } of items) t.trace(`Adding to ${table.name} memtable`);
}

/** A replica's single-partition read of a traced request: its events, with the counts it scanned. */
export function traceReplicaRead(writer: ReplicaTraceWriter | undefined, sessionId: Buffer, from: string, table: TableDef,
  data: PartitionData | undefined, nowSec: number): void {
  if (!writer) return;
  const counts = { liveRows: 0, tombstones: 0 };
  if (data) countPartition(table, data, nowSec, counts);
  writer(sessionId, 'ReadStage', readEvents(from, table, counts));
}
