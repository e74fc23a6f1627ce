// Request tracing (the TRACING flag of QUERY, PREPARE, EXECUTE and BATCH): a session per traced request, its
// events as the coordinator goes, and at the end one system_traces.sessions row and one system_traces.events row
// per event, written through the ordinary write path into Cassandra's system_traces keyspace (SimpleStrategy, RF 2
// by default), with the rows' TTL of Cassandra's tracetype_query_ttl (one day). The rows are written before the
// response leaves, so a driver's first poll of system_traces (get_query_trace, getTrace) finds them complete.
import type { ExecEnv } from '../cql/exec/index.ts';
import type { StatementCache } from './statements.ts';
import { Consistency, consistencyName } from '../model/consistency.ts';
import { Opcode, type QueryParameters, type Request } from '../protocol/messages.ts';
import { encodeJs, type JsValue } from '../model/values/js.ts';
import { defaultTimeUuidGenerator, makeTimeUuid } from '../model/values/uuid.ts';
import type { TraceSink } from '../cql/exec/plan.ts';
import type { TraceStage } from '../coordinator/trace-context.ts';

/** Cassandra's tracetype_query_ttl default: trace rows expire after a day. */
const TRACE_TTL_SECONDS = 86_400;
/** The thread column: Cassandra names its pools; a Sibyl node serves a request on one event loop. */
const THREAD = 'Native-Transport-Requests-1';

interface TraceEvent {
  id: Buffer;
  activity: string;
  elapsedMicros: number;
}

/** One traced request, collecting its events. */
export class TraceSession implements TraceSink {
  readonly events: TraceEvent[] = [];

  constructor(
    readonly id: Buffer,
    readonly startedMicros: number,
    private readonly nowMicros: () => number,
    readonly command: string,
    readonly request: string,
    readonly parameters: Record<string, string>,
    readonly client: string,
  ) {}

  trace(activity: string): void {
    const now = this.nowMicros();
    // Whole microseconds: a simulated clock's time may be fractional, and source_elapsed is an int.
    this.events.push({ id: eventId(now), activity, elapsedMicros: Math.max(0, Math.round(now - this.startedMicros)) });
  }
}

// Event ids carry the event's time to the microsecond (cqlsh prints it), strictly increasing within the node so that
// the events of a session keep their order as clustering keys; the clock-seq and node bytes are the node's own.
const EVENT_NODE = defaultTimeUuidGenerator.next(0).subarray(8);
let lastEventTicks = 0n;
function eventId(nowMicros: number): Buffer {
  let ticks = BigInt(Math.floor(nowMicros)) * 10n;
  if (ticks <= lastEventTicks) ticks = lastEventTicks + 1n;
  lastEventTicks = ticks;
  return makeTimeUuid(ticks, EVENT_NODE);
}

const SESSION_INSERT =
  'INSERT INTO system_traces.sessions (session_id, client, command, coordinator, coordinator_port, duration, parameters, request, started_at) ' +
  `VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL ${TRACE_TTL_SECONDS}`;
const EVENT_INSERT =
  'INSERT INTO system_traces.events (session_id, event_id, activity, source, source_port, source_elapsed, thread) ' +
  `VALUES (?, ?, ?, ?, ?, ?, ?) USING TTL ${TRACE_TTL_SECONDS}`;

/** Starts trace sessions and stores them in system_traces when their request ends. */
export class Tracing {
  constructor(
    private readonly env: ExecEnv,
    private readonly statements: StatementCache,
  ) {}

  begin(command: string, request: string, parameters: Record<string, string>, client: string): TraceSession {
    const now = this.env.nowMicros();
    const id = defaultTimeUuidGenerator.next(Math.floor(now / 1000));
    return new TraceSession(id, now, () => this.env.nowMicros(), command, request, parameters, client);
  }

  /** Writes the session's rows (the events, then the session with its duration: what drivers poll for). */
  async finish(s: TraceSession): Promise<void> {
    const local = this.env.systemContext().local;
    const duration = Math.max(0, Math.round(this.env.nowMicros() - s.startedMicros));
    await Promise.all(s.events.map((e) => this.insert(EVENT_INSERT, 'events', [s.id, e.id, e.activity, local.broadcastAddress, local.storagePort, e.elapsedMicros, THREAD])));
    await this.insert(SESSION_INSERT, 'sessions', [
      s.id, s.client, s.command, local.broadcastAddress, local.storagePort, duration,
      new Map(Object.entries(s.parameters)), s.request, new Date(Math.floor(s.startedMicros / 1000)),
    ]);
  }

  /**
   * Events this node recorded as a replica of another coordinator's traced request (coordinator/trace-context.ts),
   * with this node as their source and the stage's thread, as Cassandra's replicas write theirs.
   */
  async recordReplica(sessionId: Buffer, stage: TraceStage, activities: string[]): Promise<void> {
    const local = this.env.systemContext().local;
    const started = this.env.nowMicros();
    await Promise.all(activities.map((activity) => {
      const now = this.env.nowMicros();
      const elapsed = Math.max(0, Math.round(now - started));
      return this.insert(EVENT_INSERT, 'events', [sessionId, eventId(now), activity, local.broadcastAddress, local.storagePort, elapsed, `${stage}-1`]);
    }));
  }

  private async insert(cql: string, tableName: string, row: JsValue[]): Promise<void> {
    const table = this.env.schema().keyspaces.get('system_traces')?.tables.get(tableName);
    if (!table) return;
    const plan = this.statements.planFor(cql, {});
    // Ids are already serialized uuids; everything else is encoded for its column's type.
    const values = plan.variables.map((v, i) => {
      const x = row[i] ?? null;
      return x instanceof Buffer ? x : encodeJs(table.columns.get(v.name)!.type, x);
    });
    await plan.execute(this.env, {}, { params: { consistency: Consistency.ONE, values, skipMetadata: false }, values });
  }
}

/** The parameters column of a traced request, as Cassandra fills it. */
function traceParameters(params: QueryParameters | undefined, query: string | undefined): Record<string, string> {
  const p: Record<string, string> = {};
  if (params) p['consistency_level'] = consistencyName(params.consistency);
  if (params?.pageSize !== undefined) p['page_size'] = String(params.pageSize);
  if (query !== undefined) p['query'] = query;
  if (params) p['serial_consistency_level'] = consistencyName(params.serialConsistency ?? Consistency.SERIAL);
  return p;
}

/**
 * A trace session for a traced QUERY, PREPARE, EXECUTE or BATCH, with Cassandra's command, request and parameters;
 * undefined for the other requests, which Cassandra does not trace.
 */
export function beginTrace(tracing: Tracing, req: Request, client: string, preparedQuery?: (id: Buffer) => string | undefined): TraceSession | undefined {
  switch (req.opcode) {
    case Opcode.QUERY:
      return tracing.begin('QUERY', 'Execute CQL3 query', traceParameters(req.params, req.query), client);
    case Opcode.PREPARE:
      return tracing.begin('PREPARE', 'Preparing CQL3 query', { query: req.query }, client);
    case Opcode.EXECUTE:
      return tracing.begin('EXECUTE', 'Execute CQL3 prepared query', traceParameters(req.params, preparedQuery?.(req.id)), client);
    case Opcode.BATCH: {
      const b = req.batch;
      const p = { consistency_level: consistencyName(b.consistency), serial_consistency_level: consistencyName(b.serialConsistency ?? Consistency.SERIAL) };
      return tracing.begin('BATCH', 'Execute batch of CQL3 queries', p, client);
    }
    default:
      return undefined;
  }
}
