// Serves one decoded request for one connection: the protocol state machine (STARTUP before anything but
// OPTIONS), then QUERY/PREPARE/EXECUTE/BATCH through compiled plans, REGISTER for events.
import { Opcode, type BatchRequest, type QueryParameters, type Request, type Response } from '../protocol/messages.ts';
import { InvalidRequestError, ProtocolError } from '../model/errors.ts';
import { opcodeName } from '../protocol/requests.ts';
import type { ExecEnv, Plan, Session } from '../cql/exec/index.ts';
import { runBatch, type CompiledModification } from '../cql/exec/index.ts';
import type { ExecValue } from '../cql/exec/values.ts';
import type { StatementCache } from './statements.ts';

export const SUPPORTED_OPTIONS: Record<string, string[]> = {
  CQL_VERSION: ['3.4.5'],
  COMPRESSION: [],
  PROTOCOL_VERSIONS: ['4/v4'],
};

/** Per-connection protocol state. */
export interface ConnectionState {
  started: boolean;
  session: Session;
  events: Set<string>;
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
  ) {}

  async handle(state: ConnectionState, req: Request): Promise<Response> {
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
        const plan = this.statements.planFor(req.query, state.session);
        const result = await plan.execute(this.env, state.session, { params: req.params, values: bindValues(plan, req.params, true) });
        return { opcode: Opcode.RESULT, result };
      }
      case Opcode.PREPARE: {
        const e = this.statements.prepare(req.query, state.session);
        return {
          opcode: Opcode.RESULT,
          result: { kind: 'prepared', id: e.id, variables: e.plan.variables, pkIndexes: e.plan.pkIndexes, resultColumns: e.plan.resultColumns },
        };
      }
      case Opcode.EXECUTE: {
        const e = this.statements.lookup(req.id);
        const session: Session = { keyspace: e.keyspace };
        const result = await e.plan.execute(this.env, session, { params: req.params, values: bindValues(e.plan, req.params) });
        if (result.kind === 'set_keyspace') state.session.keyspace = result.keyspace;
        return { opcode: Opcode.RESULT, result };
      }
      case Opcode.BATCH:
        await this.batch(state, req.batch);
        return { opcode: Opcode.RESULT, result: { kind: 'void' } };
      case Opcode.AUTH_RESPONSE:
        throw new ProtocolError('Unexpected message AUTH_RESPONSE: authentication is not enabled');
    }
  }

  private startup(state: ConnectionState, options: Record<string, string>): Response {
    const cql = options['CQL_VERSION'];
    if (cql === undefined) throw new ProtocolError('Missing value CQL_VERSION in STARTUP message');
    if (!/^3(\.\d+){0,2}$/.test(cql)) throw new ProtocolError(`Invalid or unsupported CQL version ${cql}`);
    const compression = options['COMPRESSION'];
    if (compression !== undefined && compression !== '') {
      throw new ProtocolError(`Unknown compression algorithm: ${compression}`);
    }
    state.started = true;
    return { opcode: Opcode.READY };
  }

  private async batch(state: ConnectionState, batch: BatchRequest): Promise<void> {
    const children: Array<{ m: CompiledModification; ctx: { values: ExecValue[]; nowMicros: number } }> = [];
    const nowMicros = this.env.nowMicros();
    for (const child of batch.children) {
      const plan = child.id ? this.statements.lookup(child.id).plan : this.statements.planFor(child.query ?? '', state.session);
      if (!plan.modification) throw new InvalidRequestError('Invalid statement in batch: only UPDATE, INSERT and DELETE statements are allowed.');
      const params: QueryParameters = { consistency: batch.consistency, values: child.values, skipMetadata: false };
      children.push({ m: plan.modification, ctx: { values: bindValues(plan, params), nowMicros } });
    }
    const kind = batch.type === 0 ? 'LOGGED' : batch.type === 1 ? 'UNLOGGED' : 'COUNTER';
    await runBatch(this.env, kind, children, batch.timestamp ?? this.env.nowMicros(), batch.consistency);
  }
}

