// Entry point of statement execution: compiles a parsed statement into a Plan. DML and SELECT compile against the
// current schema; DDL, USE, TRUNCATE and DESCRIBE become plans that act on the node when executed.
import type { BatchStatement, ParsedStatement, Statement } from '../../model/ast.ts';
import type { Schema } from '../../schema/model.ts';
import type { ResultMessage } from '../../protocol/messages.ts';
import { InvalidRequestError, UnauthorizedError } from '../../model/errors.ts';
import { describe } from '../../schema/describe.ts';
import { encodeJs } from '../../model/values/js.ts';
import { compileSelect } from './select.ts';
import { compileModificationPlan, compileModification, type CompiledModification } from './modify.ts';
export { compileModification, type CompiledModification };
import { MarkerTypes, compileTerm, type BindContext } from './terms.ts';
import { keyspaceName, resolveKeyspace } from './resolve.ts';
import { T } from '../../model/types.ts';
import { requireBigint } from './values.ts';
import type { ExecEnv, Plan, Session, TraceSink } from './plan.ts';
import { executeCas } from './lwt.ts';
import { checkCounterBatch } from './counter-ops.ts';
import { checkBatchSize, DEFAULT_BATCH_FAIL_BYTES } from './batch-size.ts';
import { batchWarnings, DEFAULT_WARN_THRESHOLDS } from './client-warnings.ts';
import { functionDdlPlan } from './functions-ddl.ts';
import { keyspaceDdlPlan } from './keyspace-warnings.ts';
import { vectorWarningDdlPlan } from './vector-warning.ts';
import { withFunctionSchema } from './selection-udf.ts';
import type { Mutation } from '../../coordinator/coordinator.ts';
import type { ConsistencyLevel } from '../../model/consistency.ts';

export type { Plan, ExecEnv, Session, ExecRequest } from './plan.ts';

const voidResult: ResultMessage = { kind: 'void' };

function simplePlan(execute: Plan['execute'], keyspace?: string): Plan {
  return { variables: [], resultColumns: [], pkIndexes: [], dependsOn: [], keyspace, execute };
}

export function compile(parsed: ParsedStatement, schema: Schema, session: Session): Plan {
  // User-defined functions are resolved against the schema the statement compiles with (selection-udf.ts).
  return withFunctionSchema(schema, () => compileStatement(parsed, schema, session));
}

function compileStatement(parsed: ParsedStatement, schema: Schema, session: Session): Plan {
  const stmt = parsed.statement;
  const n = parsed.bindMarkers.length;
  switch (stmt.kind) {
    case 'select':
      return compileSelect(stmt, schema, session, n);
    case 'insert':
    case 'update':
    case 'delete':
      return compileModificationPlan(stmt, schema, session, n);
    case 'batch':
      return compileBatchStatement(stmt, schema, session, n);
    case 'use':
      return simplePlan(async (env, s) => {
        resolveKeyspace(env.schema(), stmt.keyspace);
        s.keyspace = stmt.keyspace;
        return { kind: 'set_keyspace', keyspace: stmt.keyspace };
      });
    case 'truncate':
      return simplePlan(async (env, s) => {
        const sc = env.schema();
        const ks = resolveKeyspace(sc, keyspaceName(stmt.table, s.keyspace));
        const table = ks.tables.get(stmt.table.name);
        if (!table) throw new InvalidRequestError(`table ${stmt.table.name} does not exist`);
        if (table.virtual) throw new InvalidRequestError(`Cannot TRUNCATE system table ${ks.name}.${table.name}`);
        if (table.view) throw new InvalidRequestError('Cannot TRUNCATE materialized view directly; must truncate base table instead');
        await env.coordinator.truncate(ks, table);
        // The base's views go with it, as Cassandra truncates them with their base.
        for (const v of ks.tables.values()) if (v.view?.baseId === table.id) await env.coordinator.truncate(ks, v);
        return voidResult;
      });
    case 'describe':
      return describePlan(stmt);
    case 'role':
      return simplePlan((env, session) => {
        if (env.roleStatement === undefined) throw new UnauthorizedError('You have to be logged in and not anonymous to perform this request');
        return env.roleStatement(stmt, session);
      });
    case 'create_keyspace':
    case 'alter_keyspace':
      return keyspaceDdlPlan(stmt);
    case 'create_index':
    case 'alter_table':
      return vectorWarningDdlPlan(stmt);
    case 'create_function':
    case 'drop_function':
    case 'create_aggregate':
    case 'drop_aggregate':
      return functionDdlPlan(stmt);
    default:
      return ddlPlan(stmt);
  }
}

function ddlPlan(stmt: Statement): Plan {
  return simplePlan((env, session) => env.applySchemaChange(stmt, session));
}

function describePlan(stmt: Extract<Statement, { kind: 'describe' }>): Plan {
  return simplePlan(async (env, session) => {
    const ctx = env.systemContext();
    const out = describe(stmt, env.schema(), session.keyspace, {
      clusterName: ctx.local.clusterName,
      partitioner: ctx.local.partitioner,
      snitch: 'org.apache.cassandra.locator.DynamicEndpointSnitch',
    });
    const columns = out.columns.map((c) => ({ keyspace: '', table: '', name: c.name, type: c.type }));
    const rows = out.rows.map((r) => out.columns.map((c) => (r[c.name] === undefined ? null : encodeJs(c.type, r[c.name]))));
    return { kind: 'rows', columns, rows };
  });
}

/** A BATCH statement written in CQL (BEGIN BATCH … APPLY BATCH). */
function compileBatchStatement(stmt: BatchStatement, schema: Schema, session: Session, n: number): Plan {
  const markers = new MarkerTypes(n);
  const children = stmt.statements.map((s) => compileModification(s, schema, session, markers));
  const ts = stmt.using.timestamp && compileTerm(stmt.using.timestamp, { keyspace: '', table: '', name: '[timestamp]', type: T.bigint }, markers);
  if (stmt.using.ttl) throw new InvalidRequestError('Global TTL on the BATCH statement is not supported.');
  checkBatch(stmt.type, children, ts !== undefined);
  const variables = markers.finish();
  return {
    variables,
    resultColumns: [],
    pkIndexes: [],
    dependsOn: children.map((c) => ({ table: c.table })),
    async execute(env, _s, req) {
      const ctx: BindContext = { values: req.values, nowMicros: env.nowMicros() };
      const batchTs = ts ? requireBigint(ts(ctx), 'timestamp') : req.params.timestamp;
      return runBatch(env, stmt.type, children.map((c) => ({ m: c, ctx })), batchTs ?? env.nowMicros(), req.params.consistency,
        req.params.serialConsistency, req.warnings, req.trace);
    },
  };
}

/**
 * The refusals a batch earns from its statements' kinds: counter rules, and for a batch with conditions (one Paxos
 * round) one table, one partition and the Paxos ballot as its timestamp. `hasTimestamp`: USING TIMESTAMP on the batch.
 */
export function checkBatch(type: BatchKind, children: CompiledModification[], hasTimestamp: boolean): void {
  checkCounterBatch(type, children.map((c) => c.counter), hasTimestamp);
  if (!children.some((c) => c.conditions)) return;
  if (hasTimestamp) throw new InvalidRequestError('Cannot provide custom timestamp for conditional BATCH');
  if (children.some((c) => c.table.id !== children[0]!.table.id)) throw new InvalidRequestError('Batch with conditions cannot span multiple tables');
}

export type BatchKind = 'LOGGED' | 'UNLOGGED' | 'COUNTER';

/**
 * Applies a batch's statements with one timestamp; a single-keyspace atomic write (logged or not) locally. A batch
 * with conditions is a lightweight transaction and answers with its [applied] rows.
 */
export async function runBatch(env: ExecEnv, type: BatchKind, children: Array<{ m: CompiledModification; ctx: BindContext }>, ts: number,
  cl: ConsistencyLevel, serialConsistency?: number, warnings?: string[], trace?: TraceSink): Promise<ResultMessage> {
  if (children.length === 0) return voidResult;
  if (children.some((c) => c.m.conditions)) return executeCas(env, children, true, cl, serialConsistency);
  const byKeyspace = new Map<string, { ks: CompiledModification['ks']; mutations: Mutation[] }>();
  for (const { m, ctx } of children) {
    const entry = byKeyspace.get(m.ks.name) ?? { ks: m.ks, mutations: [] };
    byKeyspace.set(m.ks.name, entry);
    entry.mutations.push(...(await m.mutations(env, ctx, ts, cl)));
  }
  const all = [...byKeyspace.values()].flatMap((e) => e.mutations);
  checkBatchSize(all, env.batchSizeFailBytes ?? DEFAULT_BATCH_FAIL_BYTES);
  warnings?.push(...batchWarnings(type, all, env.warnThresholds ?? DEFAULT_WARN_THRESHOLDS));
  trace?.trace('Determining replicas for mutation');
  const counter = children.some((c) => c.m.counter);
  if (type === 'LOGGED' && !counter) {
    await env.coordinator.writeLogged([...byKeyspace.values()], cl);
    return voidResult;
  }
  const writeType = counter ? 'COUNTER' : 'UNLOGGED_BATCH';
  await Promise.all([...byKeyspace.values()].map((e) => env.coordinator.write(e.ks, e.mutations, cl, writeType)));
  return voidResult;
}

