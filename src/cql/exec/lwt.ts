// Executing lightweight transactions: a conditional statement, or a batch with conditions (all on one partition),
// becomes one Paxos round through the coordinator. The partition is read as Cassandra's CQL3CasRequest reads it (the
// rows the conditions name, with the static row when static columns have conditions, or just the first live row
// when only static ones do), the conditions decide, and the answer is Cassandra's: `[applied]` first, then, when not
// applied, the current values of the condition columns (every column for IF [NOT] EXISTS; the primary key too in a
// batch) for each row read.
import type { ModificationStatement } from '../../model/ast.ts';
import type { ColumnDef, KeyspaceDef, TableDef } from '../../schema/model.ts';
import { allColumnsInSelectOrder } from '../../schema/model.ts';
import type { ColumnSpec, ResultMessage } from '../../protocol/messages.ts';
import type { PartitionData, ReadFilter } from '../../storage/types.ts';
import { liveRows, type LiveRow } from '../../storage/live.ts';
import { mergePartitions } from '../../storage/merge.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { Consistency, consistencyName, type ConsistencyLevel } from '../../model/consistency.ts';
import { murmur3Token } from '../../model/murmur3.ts';
import { T } from '../../model/types.ts';
import type { ColumnCondition, StatementConditions } from './conditions.ts';
import { compareClusteringOf, splitPartitionKey } from './rows.ts';
import type { BindContext } from './terms.ts';
import type { CompiledModification } from './modify.ts';
import type { ExecEnv } from './plan.ts';

export interface CasChild {
  m: CompiledModification;
  ctx: BindContext;
}

type Kind = StatementConditions['kind'];

/** The conditions on one row (or the static row), gathered from every statement that names it. */
interface TargetConditions {
  kind: Kind;
  tests: Array<{ test: ColumnCondition; ctx: BindContext }>;
}

const COMMIT_HINT = 'Use ANY if you mean "make sure it is accepted but I don\'t care how many replicas commit it for non-SERIAL reads"';

/** Refusals Cassandra makes from the statement's shape alone, before anything is read. */
export function checkConditionalWhere(stmt: ModificationStatement, table: TableDef, conditions: StatementConditions): void {
  if (stmt.kind === 'insert') return;
  const what = stmt.kind === 'delete' ? 'deletions' : 'updates';
  for (const rel of stmt.where) {
    if (rel.op !== 'IN') continue;
    const names = rel.lhs.kind === 'column' ? [rel.lhs.name] : rel.lhs.kind === 'tuple' ? rel.lhs.columns : [];
    const kinds = names.map((n) => table.columns.get(n)?.kind);
    if (kinds.includes('partition_key')) throw new InvalidRequestError(`IN on the partition key is not supported with conditional ${what}`);
    if (kinds.includes('clustering')) throw new InvalidRequestError(`IN on the clustering key columns is not supported with conditional ${what}`);
  }
  const eq = (c: ColumnDef): boolean => stmt.where.some((r) => r.lhs.kind === 'column' && r.lhs.name === c.name && r.op === '=');
  const missing = table.clustering.filter((c) => !eq(c)).map((c) => c.name);
  if (missing.length === 0) return;
  const staticOnly = stmt.kind === 'delete'
    ? stmt.targets.length > 0 && stmt.targets.every((t) => table.columns.get(t.column)?.kind === 'static')
    : stmt.assignments.every((a) => table.columns.get(a.column)?.kind === 'static');
  if (stmt.kind === 'delete' && !staticOnly) {
    throw new InvalidRequestError('DELETE statements must restrict all PRIMARY KEY columns with equality relations in order to delete non static columns');
  }
  if (conditions.regular.length > 0) throw new InvalidRequestError(`Some clustering keys are missing: ${missing.join(', ')}`);
}

function serialLevel(code: number | undefined): ConsistencyLevel {
  if (code === undefined || code === Consistency.SERIAL) return Consistency.SERIAL;
  if (code === Consistency.LOCAL_SERIAL) return Consistency.LOCAL_SERIAL;
  throw new InvalidRequestError('Invalid consistency for conditional update. Must be one of SERIAL or LOCAL_SERIAL');
}

/** Cassandra's refusal to mix existence and value conditions on one row, in its words for each order. */
function merge(prev: TargetConditions | undefined, next: TargetConditions): TargetConditions {
  if (prev === undefined) return next;
  if (prev.kind === next.kind) return { kind: prev.kind, tests: [...prev.tests, ...next.tests] };
  if (next.kind === 'columns' || (prev.kind === 'columns' && next.kind === 'not_exists')) {
    throw new InvalidRequestError('Cannot mix IF conditions and IF NOT EXISTS for the same row');
  }
  if (prev.kind === 'columns') throw new InvalidRequestError('Cannot mix IF conditions and IF EXISTS for the same row');
  throw new InvalidRequestError('Cannot mix IF EXISTS and IF NOT EXISTS conditions for the same row');
}

interface CasPlan {
  ks: KeyspaceDef;
  table: TableDef;
  key: Buffer;
  rows: Map<string, { clustering: Buffer[]; conditions: TargetConditions }>;
  statics: TargetConditions | undefined;
  wildcard: boolean;
  columns: ColumnDef[];
}

function plan(children: CasChild[], isBatch: boolean): CasPlan {
  const { ks, table } = children[0]!.m;
  const p: CasPlan = { ks, table, key: Buffer.alloc(0), rows: new Map(), statics: undefined, wildcard: false, columns: [] };
  let key: Buffer | undefined;
  for (const { m, ctx } of children) {
    const loc = m.locate(ctx);
    for (const k of loc.keys) {
      if (key !== undefined && !key.equals(k)) throw new InvalidRequestError('Batch with conditions cannot span multiple partitions');
      key = k;
    }
    const c = m.conditions;
    if (!c) continue;
    const clustering = loc.clusterings?.[0];
    const addRow = (conds: TargetConditions): void => {
      if (clustering === undefined) {
        p.statics = merge(p.statics, conds);
        return;
      }
      const id = Buffer.concat(clustering.map((b) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]))).toString('hex');
      p.rows.set(id, { clustering, conditions: merge(p.rows.get(id)?.conditions, conds) });
    };
    if (c.kind !== 'columns') {
      p.wildcard = true;
      addRow({ kind: c.kind, tests: [] });
      continue;
    }
    if (c.regular.length > 0) addRow({ kind: 'columns', tests: c.regular.map((test) => ({ test, ctx })) });
    if (c.statics.length > 0) p.statics = merge(p.statics, { kind: 'columns', tests: c.statics.map((test) => ({ test, ctx })) });
    for (const col of c.columns) if (!p.columns.includes(col)) p.columns.push(col);
  }
  if (key === undefined) throw new InvalidRequestError('Conditional statement without a partition key');
  p.key = key;
  if (p.wildcard) p.columns = allColumnsInSelectOrder(table);
  else if (isBatch) p.columns = [...table.partitionKey, ...table.clustering, ...p.columns];
  return p;
}

/** What the conditions need read: the rows they name (a names filter), or only the first live row. */
function readFilter(p: CasPlan): ReadFilter {
  if (p.rows.size === 0) return { rowLimit: 1 };
  if (p.table.clustering.length === 0) return {};
  const points = [...p.rows.values()].map((r) => r.clustering).sort((a, b) => compareClusteringOf(p.table, a, b));
  return { slices: points.map((prefix) => ({ start: { prefix, inclusive: true }, end: { prefix, inclusive: true } })) };
}

function holds(c: TargetConditions, row: LiveRow | undefined): boolean {
  if (c.kind === 'exists') return row !== undefined;
  if (c.kind === 'not_exists') return row === undefined;
  return c.tests.every(({ test, ctx }) => test.test(row?.cells[test.column.name]?.value ?? null, ctx));
}

interface View {
  rows: LiveRow[];
  staticRow: LiveRow | undefined;
}

function rowAt(p: CasPlan, v: View, clustering: Buffer[]): LiveRow | undefined {
  return v.rows.find((r) => compareClusteringOf(p.table, r.clustering, clustering) === 0);
}

function applies(p: CasPlan, v: View): boolean {
  for (const r of p.rows.values()) if (!holds(r.conditions, rowAt(p, v, r.clustering))) return false;
  return p.statics === undefined || holds(p.statics, v.staticRow);
}

/** Runs the conditional statement(s) as one Paxos round and answers with Cassandra's [applied] result. */
export async function executeCas(env: ExecEnv, children: CasChild[], isBatch: boolean, cl: ConsistencyLevel,
  serialCode: number | undefined): Promise<ResultMessage> {
  const serialCl = serialLevel(serialCode);
  if (cl === Consistency.SERIAL || cl === Consistency.LOCAL_SERIAL) {
    throw new InvalidRequestError(`${consistencyName(cl)} is not supported as conditional update commit consistency. ${COMMIT_HINT}`);
  }
  const p = plan(children, isBatch);
  const nowSec = Math.floor(children[0]!.ctx.nowMicros / 1e6);
  // List operations that read the current list (l[0] = x) read at the quorum of the Paxos participants.
  const readCl = serialCl === Consistency.LOCAL_SERIAL ? Consistency.LOCAL_QUORUM : Consistency.QUORUM;
  let view: View = { rows: [], staticRow: undefined };
  const result = await env.coordinator.cas(p.ks, {
    table: p.table, key: p.key, token: murmur3Token(p.key), filter: readFilter(p), nowSec,
    async decide(current: PartitionData | undefined, tsMicros: number) {
      const live = current === undefined ? { rows: [] } : liveRows(p.table, current, nowSec);
      view = { rows: live.rows, staticRow: live.staticRow };
      if (!applies(p, view)) return undefined;
      let update: PartitionData | undefined;
      for (const { m, ctx } of children) {
        for (const mu of await m.mutations(env, ctx, tsMicros, readCl)) update = update === undefined ? mu.update : mergePartitions(p.table, update, mu.update);
      }
      return update ?? { key: p.key, token: murmur3Token(p.key), rows: [], rangeTombstones: [] };
    },
  }, serialCl, cl);
  return casResult(p, view, result.applied);
}

function casResult(p: CasPlan, v: View, applied: boolean): ResultMessage {
  const spec = (name: string, type: ColumnSpec['type']): ColumnSpec => ({ keyspace: p.table.keyspace, table: p.table.name, name, type });
  const appliedSpec = spec('[applied]', T.boolean);
  if (applied) return { kind: 'rows', columns: [appliedSpec], rows: [[Buffer.from([1])]] };
  const fetchRegular = p.rows.size > 0;
  const fetchStatic = p.statics !== undefined;
  let rows: Array<LiveRow | undefined> = fetchRegular
    ? v.rows.filter((r) => [...p.rows.values()].some((x) => compareClusteringOf(p.table, x.clustering, r.clustering) === 0))
    : v.rows.slice(0, 1);
  if (rows.length === 0 && fetchStatic && v.staticRow) rows = [undefined];
  if (rows.length === 0) return { kind: 'rows', columns: [appliedSpec], rows: [[Buffer.from([0])]] };
  const pk = splitPartitionKey(p.table, p.key);
  const value = (c: ColumnDef, r: LiveRow | undefined): Buffer | null => {
    switch (c.kind) {
      case 'partition_key': return pk[c.position] ?? null;
      case 'clustering': return r?.clustering[c.position] ?? null;
      case 'static': return fetchStatic ? (v.staticRow?.cells[c.name]?.value ?? null) : null;
      default: return fetchRegular ? (r?.cells[c.name]?.value ?? null) : null;
    }
  };
  return {
    kind: 'rows',
    columns: [appliedSpec, ...p.columns.map((c) => spec(c.name, c.type))],
    rows: rows.map((r) => [Buffer.from([0]), ...p.columns.map((c) => value(c, r))]),
  };
}
