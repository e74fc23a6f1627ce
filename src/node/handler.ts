// Serves one decoded request for one connection: the protocol state machine (STARTUP before anything but
// OPTIONS), then QUERY/PREPARE/EXECUTE/BATCH through compiled plans, REGISTER for events. v5's per-request
// keyspace and result metadata ids are honoured here; the byte-level differences between versions live in
// src/protocol.
import { Opcode, type BatchRequest, type QueryParameters, type Request, type Response, type ResultMessage } from '../protocol/messages.ts';
import { InvalidRequestError, ProtocolError } from '../model/errors.ts';
import { opcodeName } from '../protocol/requests.ts';
import { SUPPORTED_COMPRESSIONS, type CompressionName } from '../protocol/compression.ts';
import { resultMetadataId } from '../protocol/column-specs.ts';
import { ProtocolVersion, SUPPORTED_VERSION_NAMES, usesSegments } from '../protocol/versions.ts';
import type { ExecEnv, Plan, Session } from '../cql/exec/index.ts';
import type { ExecRequest } from '../cql/exec/plan.ts';
import { checkBatch, runBatch, type CompiledModification } from '../cql/exec/index.ts';
import type { ExecValue } from '../cql/exec/values.ts';
import type { StatementCache } from './statements.ts';
import type { Statement } from '../model/ast.ts';
import { beginTrace, Tracing, type TraceSession } from './tracing.ts';
import { requestTrace, type TraceStage } from '../coordinator/trace-context.ts';

// Cassandra's SUPPORTED, in its order.
export const SUPPORTED_OPTIONS: Record<string, string[]> = {
  PROTOCOL_VERSIONS: [...SUPPORTED_VERSION_NAMES],
  COMPRESSION: [...SUPPORTED_COMPRESSIONS],
  CQL_VERSION: ['3.4.5'],
};

/** Per-connection protocol state. */
export interface ConnectionState {
  started: boolean;
  session: Session;
  events: Set<string>;
  /** The protocol version of the request being served before STARTUP, then the connection's (v4 if unset). */
  version?: number;
  /** What STARTUP's COMPRESSION negotiated. */
  compression?: CompressionName;
  /** The client's address (failed logins are rate-limited per address) and port (audit log). */
  clientAddress?: string;
  clientPort?: number;
  /** Set between STARTUP and a successful AUTH_RESPONSE when authentication is required. */
  authenticating?: boolean;
  /** The logged-in role, once authenticated (undefined with AllowAllAuthenticator: anonymous). */
  user?: string;
  /** STARTUP's options, for system_views.clients. */
  startupOptions?: Record<string, string>;
  /** Requests served on the connection (system_views.clients.request_count). */
  requestCount?: number;
}

/** What the handler needs of an authorizer (auth-service.ts over src/auth/authorizer.ts). */
export interface AccessGate {
  /** Throws Unauthorized unless `user` may run `stmt`. */
  check(user: string | undefined, stmt: Statement, keyspace: string | undefined): Promise<void>;
  /** After a statement succeeded: its creator's grants, a dropped resource's grants removed. */
  done(user: string | undefined, stmt: Statement, keyspace: string | undefined): Promise<void>;
}

/** The network and CIDR authorizers' check of a logged-in role on each request (auth/network-access.ts). */
export interface NetworkGate {
  /** Throws Unauthorized when `user` may not use this node's data centre, or not from `clientAddress`. */
  validate(user: string, clientAddress: string): Promise<void>;
}

/** Where the handler reports what the audit log records (auth/audit.ts, wired in node/auth-service.ts). */
export interface AuditHook {
  statement(state: ConnectionState, stmt: Statement | undefined, query: string, keyspace: string | undefined, error?: unknown): void;
  login(state: ConnectionState, user: string | undefined, error?: unknown): void;
  batch(state: ConnectionState, kind: string, statements: number, error?: unknown): void;
}

/** What the handler needs of an authenticator (src/auth/authenticator.ts). */
export interface LoginGate {
  /** Sent in AUTHENTICATE, e.g. org.apache.cassandra.auth.PasswordAuthenticator. */
  readonly className: string;
  /** The role logged in as; throws BadCredentialsError. */
  authenticate(clientAddress: string, token: Buffer | null): Promise<string>;
}

const EVENT_NAMES = new Set(['TOPOLOGY_CHANGE', 'STATUS_CHANGE', 'SCHEMA_CHANGE']);

/** Orders bound values by marker position, resolving With_names_for_values against the plan's variable names. */
function bindValues(plan: Plan, params: QueryParameters, unprepared = false): ExecValue[] {
  const vars = plan.variables;
  if (params.names) {
    const byName = new Map<string, ExecValue>();
    params.names.forEach((n, i) => byName.set(n.toLowerCase(), params.values[i]));
    return vars.map((v) => {
      const x = byName.get(v.name.toLowerCase());
      if (x === undefined) throw new InvalidRequestError(`Invalid unset value for column ${v.name}`);
      return x;
    });
  }
  if (params.values.length !== vars.length) {
    // Cassandra words it differently for QUERY (QueryOptions) and EXECUTE (the prepared statement's check).
    if (unprepared) throw new InvalidRequestError('Invalid amount of bind variables');
    throw new InvalidRequestError(`there were ${vars.length} markers(?) in CQL but ${params.values.length} bound variables`);
  }
  return params.values;
}

export class RequestHandler {
  constructor(
    private readonly env: ExecEnv,
    private readonly statements: StatementCache,
    private readonly login?: LoginGate,
    private readonly access?: AccessGate,
    private readonly audit?: AuditHook,
    /** Where a failure to store a trace is reported (it never fails the request). */
    private readonly log: (msg: string, err?: unknown) => void = () => undefined,
    private readonly network?: NetworkGate,
  ) {
    this.tracing = new Tracing(env, statements);
  }

  private readonly tracing: Tracing;

  /**
   * `traced`: the request's envelope had the TRACING flag. Not async itself, so that an untraced request costs no
   * promise more than before tracing existed.
   */
  handle(state: ConnectionState, req: Request, traced = false): Promise<Response> {
    return traced && state.started ? this.traced(state, req) : this.serve(state, req);
  }

  private async traced(state: ConnectionState, req: Request): Promise<Response> {
    const trace = beginTrace(this.tracing, req, state.clientAddress ?? '127.0.0.1', (id) => this.preparedQuery(id));
    if (!trace) return this.serve(state, req);
    try {
      // The coordinator's replica requests read the session from here (coordinator/trace-context.ts).
      const res = await requestTrace.run(trace, () => this.serve(state, req, trace));
      return res.opcode === Opcode.RESULT ? { ...res, tracingId: trace.id } : res;
    } finally {
      // Tracing is best effort, as Cassandra's (its trace writes are asynchronous, at ANY): a failure to store the
      // trace must not fail the request it describes.
      await this.tracing.finish(trace).catch((e: unknown) => this.log(`could not store trace session ${trace.id.toString('hex')}`, e));
    }
  }

  /** Stores events this node recorded as a replica of a traced request; best effort, as the coordinator's. */
  recordReplicaTrace(sessionId: Buffer, stage: TraceStage, activities: string[]): void {
    this.tracing.recordReplica(sessionId, stage, activities).catch((e: unknown) => this.log(`could not store trace events of ${sessionId.toString('hex')}`, e));
  }

  /** The text of a prepared statement, for its trace; an unknown id is EXECUTE's own error to report. */
  private preparedQuery(id: Buffer): string | undefined {
    try {
      return this.statements.lookup(id).query;
    } catch {
      return undefined;
    }
  }

  /** Runs a plan after the authorizer's check (when there is one), and tells the audit log how it went. */
  private run(state: ConnectionState, query: string, plan: Plan, session: Session, req: ExecRequest): Promise<ResultMessage> {
    // Without permissions or an audit log there is nothing to do around the plan: no async frame of our own.
    if (this.access === undefined && this.audit === undefined && this.network === undefined) {
      try {
        return plan.execute(this.env, session, req);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.runChecked(state, query, plan, session, req);
  }

  private async runChecked(
    state: ConnectionState, query: string, plan: Plan, session: Session, req: ExecRequest,
  ): Promise<ResultMessage> {
    const stmt = this.statements.statementOf(plan);
    const keyspace = session.keyspace;
    try {
      // Cassandra's ClientState.validateLogin, before the statement's own permission checks.
      if (this.network && session.user !== undefined) await this.network.validate(session.user, state.clientAddress ?? '');
      if (stmt !== undefined && this.access) await this.access.check(session.user, stmt, keyspace);
      const result = await plan.execute(this.env, session, req);
      if (stmt !== undefined && this.access) await this.access.done(session.user, stmt, keyspace);
      this.audit?.statement(state, stmt, query, keyspace);
      return result;
    } catch (e) {
      this.audit?.statement(state, stmt, query, keyspace, e);
      throw e;
    }
  }

  private async serve(state: ConnectionState, req: Request, trace?: TraceSession): Promise<Response> {
    if (state.authenticating) return this.authResponse(state, req);
    if (req.opcode === Opcode.OPTIONS) return { opcode: Opcode.SUPPORTED, options: SUPPORTED_OPTIONS };
    if (req.opcode === Opcode.STARTUP) return this.startup(state, req.options);
    if (!state.started) {
      throw new ProtocolError(`Unexpected message ${opcodeName(req.opcode)}, expecting STARTUP or OPTIONS`);
    }
    switch (req.opcode) {
      case Opcode.REGISTER:
        for (const e of req.events) {
          if (!EVENT_NAMES.has(e)) throw new ProtocolError(`Invalid value '${e}' for Type`);
          state.events.add(e);
        }
        return { opcode: Opcode.READY };
      case Opcode.QUERY: {
        // v5's With_keyspace runs the query in that keyspace without touching the connection's.
        const session = req.params.keyspace === undefined ? state.session : { keyspace: req.params.keyspace, user: state.session.user };
        trace?.trace(`Parsing ${req.query}`);
        trace?.trace('Preparing statement');
        const plan = this.statements.planFor(req.query, session);
        const warnings: string[] = [];
        const result = await this.run(state, req.query, plan, session, { params: req.params, values: bindValues(plan, req.params, true), warnings, trace });
        if (result.kind === 'set_keyspace') state.session.keyspace = result.keyspace;
        return withWarnings({ opcode: Opcode.RESULT, result }, warnings);
      }
      case Opcode.PREPARE: {
        const e = this.statements.prepare(req.query, req.keyspace === undefined ? state.session : { keyspace: req.keyspace });
        return {
          opcode: Opcode.RESULT,
          result: { kind: 'prepared', id: e.id, variables: e.plan.variables, pkIndexes: e.plan.pkIndexes, resultColumns: e.plan.resultColumns },
        };
      }
      case Opcode.EXECUTE: {
        const warnings: string[] = [];
        return withWarnings({ opcode: Opcode.RESULT, result: await this.execute(state, req.id, req.params, warnings, req.resultMetadataId, trace) }, warnings);
      }
      case Opcode.BATCH: {
        const warnings: string[] = [];
        return withWarnings({ opcode: Opcode.RESULT, result: await this.batch(state, req.batch, warnings, trace) }, warnings);
      }
      case Opcode.AUTH_RESPONSE:
        throw new ProtocolError('Unexpected message AUTH_RESPONSE: authentication is not enabled');
    }
  }

  /**
   * EXECUTE. In v5 the client says which result metadata it holds; when that is no longer what the statement
   * returns, the rows go out with Metadata_changed, the new id and the full metadata, even if it asked to skip them.
   */
  private async execute(state: ConnectionState, id: Buffer, params: QueryParameters, warnings: string[], heldMetadataId?: Buffer, trace?: TraceSession): Promise<ResultMessage> {
    const e = this.statements.lookup(id);
    const session: Session = { keyspace: e.keyspace, user: state.session.user };
    const columns = e.plan.resultColumns;
    const currentId = heldMetadataId && columns.length > 0 ? resultMetadataId(columns) : undefined;
    const changed = currentId !== undefined && !currentId.equals(heldMetadataId!);
    const run = changed ? { ...params, skipMetadata: false } : params;
    const result = await this.run(state, e.query, e.plan, session, { params: run, values: bindValues(e.plan, run), warnings, trace });
    if (result.kind === 'set_keyspace') state.session.keyspace = result.keyspace;
    if (changed && result.kind === 'rows') return { ...result, newMetadataId: currentId };
    return result;
  }

  /** STARTUP, with Cassandra's checks and messages (checked against Cassandra 5.0). */
  private startup(state: ConnectionState, options: Record<string, string>): Response {
    if (state.started) throw new ProtocolError('Unexpected message STARTUP, the connection is already initialized');
    const cql = options['CQL_VERSION'];
    if (cql === undefined) throw new ProtocolError('Missing value CQL_VERSION in STARTUP message');
    const v = /^(\d+)\.(\d+)(?:\.\w+)?(?:-[.\w]+)?(?:[.+][.\w]+)?$/.exec(cql);
    if (!v) throw new ProtocolError(`Invalid version value: ${cql}`);
    if (Number(v[1]) < 3) {
      throw new ProtocolError(`CQL version ${cql} is not supported by the binary protocol (supported version are >= 3.0.0)`);
    }
    const compression = startupCompression(options['COMPRESSION'], state.version ?? ProtocolVersion.V4);
    if (compression) state.compression = compression;
    state.startupOptions = options;
    state.started = true;
    if (this.login === undefined) return { opcode: Opcode.READY };
    state.authenticating = true;
    return { opcode: Opcode.AUTHENTICATE, authenticator: this.login.className };
  }

  /** Between AUTHENTICATE and AUTH_SUCCESS only AUTH_RESPONSE is accepted (Cassandra's ServerConnection). */
  private async authResponse(state: ConnectionState, req: Request): Promise<Response> {
    if (req.opcode !== Opcode.AUTH_RESPONSE) {
      throw new ProtocolError(`Unexpected message ${opcodeName(req.opcode)}, expecting SASL_RESPONSE`);
    }
    try {
      state.user = await this.login!.authenticate(state.clientAddress ?? '', req.token);
    } catch (e) {
      this.audit?.login(state, undefined, e);
      throw e;
    }
    this.audit?.login(state, state.user);
    state.session.user = state.user;
    state.authenticating = false;
    return { opcode: Opcode.AUTH_SUCCESS, token: null };
  }

  private async batch(state: ConnectionState, batch: BatchRequest, warnings: string[], trace?: TraceSession): Promise<ResultMessage> {
    const children: Array<{ m: CompiledModification; ctx: { values: ExecValue[]; nowMicros: number } }> = [];
    const nowMicros = this.env.nowMicros();
    const session = batch.keyspace === undefined ? state.session : { keyspace: batch.keyspace };
    if (this.network && state.session.user !== undefined) await this.network.validate(state.session.user, state.clientAddress ?? '');
    for (const child of batch.children) {
      const plan = child.id ? this.statements.lookup(child.id).plan : this.statements.planFor(child.query ?? '', session);
      if (!plan.modification) throw new InvalidRequestError('Invalid statement in batch: only UPDATE, INSERT and DELETE statements are allowed.');
      const params: QueryParameters = { consistency: batch.consistency, values: child.values, skipMetadata: false };
      const stmt = this.access === undefined ? undefined : this.statements.statementOf(plan);
      if (stmt !== undefined) await this.access!.check(state.session.user, stmt, child.id ? this.statements.lookup(child.id).keyspace : session.keyspace);
      children.push({ m: plan.modification, ctx: { values: bindValues(plan, params), nowMicros } });
    }
    const kind = batch.type === 0 ? 'LOGGED' : batch.type === 1 ? 'UNLOGGED' : 'COUNTER';
    // The frame's default timestamp is the driver's client-side clock, not USING TIMESTAMP: a conditional batch
    // ignores it (its cells take the Paxos ballot's time), as Cassandra does.
    checkBatch(kind, children.map((c) => c.m), false);
    try {
      const result = await runBatch(this.env, kind, children, batch.timestamp ?? this.env.nowMicros(), batch.consistency, batch.serialConsistency, warnings, trace);
      this.audit?.batch(state, kind, children.length);
      return result;
    } catch (e) {
      this.audit?.batch(state, kind, children.length, e);
      throw e;
    }
  }
}

/** A RESULT with the client warnings its request collected, if any. */
function withWarnings(res: Response & { opcode: typeof Opcode.RESULT }, warnings: string[]): Response {
  return warnings.length > 0 ? { ...res, warnings } : res;
}

/** STARTUP's COMPRESSION, case-insensitive as in Cassandra; v5 segments know only LZ4. */
function startupCompression(requested: string | undefined, version: number): CompressionName | undefined {
  if (requested === undefined) return undefined;
  const name = requested.toLowerCase();
  if (name === 'snappy' && usesSegments(version)) throw new ProtocolError('Snappy compression is not supported in protocol V5');
  if (name === 'lz4' || name === 'snappy') return name;
  throw new ProtocolError(`Unknown compression algorithm: ${requested}`);
}
