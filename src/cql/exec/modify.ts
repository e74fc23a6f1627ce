// INSERT, UPDATE and DELETE: compiled once into a function that, given bound values, produces the partition
// updates to write. The write itself goes through the coordinator (single statements) or BATCH.
import type { Assignment, DeleteStatement, InsertStatement, ModificationStatement, UpdateStatement, Using } from '../../model/ast.ts';
import type { ColumnDef, KeyspaceDef, Schema, TableDef } from '../../schema/model.ts';
import { allColumnsInSelectOrder } from '../../schema/model.ts';
import { compileInsertJson } from './json.ts';
import type { Mutation } from '../../coordinator/coordinator.ts';
import type { ColumnData, PartitionData, Row } from '../../storage/types.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { UNSET } from '../../protocol/messages.ts';
import { isMultiCell, T } from '../../model/types.ts';
import { murmur3Token } from '../../model/murmur3.ts';
import { compileTerm, MarkerTypes, type BindContext, type CompiledTerm, type Receiver } from './terms.ts';
import { clusteringSlices, compileWhere, type CompiledWhere } from './restrictions.ts';
import { checkClusteringSize, checkPartitionKeySize } from './clustering.ts';
import { addElements, assignColumn, fieldPath, tombstoneCell, type WriteTime } from './cells.ts';
import { partitionKeyBytes } from './select.ts';
import { partitionKeyBindIndexes } from './rows.ts';
import { keyspaceName, resolveKeyspace } from './resolve.ts';
import { requireBigint, requireInt, type ExecValue } from './values.ts';
import type { ExecEnv, ExecRequest, Plan, Session } from './plan.ts';
import type { ConsistencyLevel } from '../../model/consistency.ts';
import { compileConditions, isConditional, type StatementConditions } from './conditions.ts';
import { checkConditionalWhere, executeCas } from './lwt.ts';
import { relationTermText } from './term-text.ts';
import { checkCounterStatement, prependError, setCounterError } from './counter-ops.ts';
import { hasCounters, isCounterType } from '../../storage/counters.ts';
import { emptyCells } from '../../storage/types.ts';
import { currentList, mergeColumnData, updateColumn } from './modify-columns.ts';

const MAX_TTL = 630720000; // 20 years, Cassandra's limit

/** Where one execution of a statement writes: its partitions, and its rows (undefined: only the static row). */
export interface WriteLocation {
  keys: Buffer[];
  clusterings: Buffer[][] | undefined;
}

/** A compiled modification: produces mutations for one execution. */
export interface CompiledModification {
  ks: KeyspaceDef;
  table: TableDef;
  variables: import('../../protocol/messages.ts').ColumnSpec[];
  pkIndexes: number[];
  mutations(env: ExecEnv, ctx: BindContext, defaultTs: number | undefined, cl: ConsistencyLevel): Promise<Mutation[]>;
  locate(ctx: BindContext): WriteLocation;
  /** The IF clause of a conditional statement (a lightweight transaction). */
  conditions?: StatementConditions;
  /** A statement on a counter table: written through the counter path (write type COUNTER). */
  counter: boolean;
}

interface UsingCompiled {
  ttl?: CompiledTerm;
  timestamp?: CompiledTerm;
}

function compileUsing(table: TableDef, u: Using, markers: MarkerTypes): UsingCompiled {
  const r = (name: string, type: typeof T.int): Receiver => ({ keyspace: table.keyspace, table: table.name, name, type });
  return {
    ttl: u.ttl && compileTerm(u.ttl, r('[ttl]', T.int), markers),
    timestamp: u.timestamp && compileTerm(u.timestamp, r('[timestamp]', T.bigint), markers),
  };
}

function writeTime(env: ExecEnv, table: TableDef, u: UsingCompiled, ctx: BindContext, defaultTs: number | undefined): WriteTime {
  const nowMicros = env.nowMicros();
  const ts = u.timestamp ? requireBigint(u.timestamp(ctx), 'timestamp') : (defaultTs ?? nowMicros);
  let ttl = table.options.default_time_to_live;
  if (u.ttl) {
    const v = u.ttl(ctx);
    ttl = v === UNSET ? ttl : requireInt(v, 'ttl');
    if (ttl < 0) throw new InvalidRequestError(`A TTL must be greater or equal to 0, but was ${ttl}`);
    if (ttl > MAX_TTL) throw new InvalidRequestError(`ttl is too large. requested (${ttl}) maximum (${MAX_TTL})`);
  }
  return { ts, ttl, nowSec: Math.floor(nowMicros / 1e6), nowMs: Math.floor(nowMicros / 1000) };
}

function column(table: TableDef, name: string): ColumnDef {
  const c = table.columns.get(name);
  if (!c) throw new InvalidRequestError(`Undefined column name ${name}`);
  return c;
}

function receiver(table: TableDef, c: ColumnDef): Receiver {
  return { keyspace: table.keyspace, table: table.name, name: c.name, type: c.type };
}

function keyValue(v: ExecValue, c: ColumnDef): Buffer {
  if (v === null) throw new InvalidRequestError(`Invalid null value in condition for column ${c.name}`);
  if (v === UNSET) throw new InvalidRequestError(`Invalid unset value for column ${c.name}`);
  return v;
}

/** Groups rows into one PartitionData per partition key. */
class MutationBuilder {
  private readonly parts = new Map<string, PartitionData>();
  constructor(private readonly table: TableDef) {}
  partition(key: Buffer): PartitionData {
    if (key.length === 0) throw new InvalidRequestError('Key may not be empty');
    checkPartitionKeySize(key);
    const id = key.toString('latin1');
    let p = this.parts.get(id);
    if (!p) {
      p = { key, token: murmur3Token(key), rangeTombstones: [], rows: [] };
      this.parts.set(id, p);
    }
    return p;
  }
  mutations(): Mutation[] {
    return [...this.parts.values()].map((update) => ({ table: this.table, update }));
  }
}

export function compileModification(stmt: ModificationStatement, schema: Schema, session: Session, markers: MarkerTypes): CompiledModification {
  const ks = resolveKeyspace(schema, keyspaceName(stmt.table, session.keyspace));
  const table = ks.tables.get(stmt.table.name);
  if (!table) throw new InvalidRequestError(`table ${stmt.table.name} does not exist`);
  if (table.virtual) throw new InvalidRequestError(`Modification statements are not supported on system table ${ks.name}.${table.name}`);
  if (table.view) throw new InvalidRequestError('Cannot directly modify a materialized view');
  const counter = hasCounters(table);
  if (counter) checkCounterStatement(stmt);
  const conditional = isConditional(stmt);
  if (conditional && stmt.using.timestamp) throw new InvalidRequestError('Cannot provide custom timestamp for conditional updates');
  const conditions = conditional ? compileConditions(stmt, table, markers) : undefined;
  const compiled = stmt.kind === 'insert' ? compileInsert(stmt, table, markers)
    : stmt.kind === 'update' ? compileUpdate(stmt, table, markers) : compileDelete(stmt, table, markers);
  if (conditions) checkConditionalWhere(stmt, table, conditions);
  return { ks, table, variables: [], pkIndexes: compiled.pkIndexes, mutations: compiled.run, locate: compiled.locate, conditions, counter };
}

interface Compiled {
  pkIndexes: number[];
  run: CompiledModification['mutations'];
  locate: CompiledModification['locate'];
}

/** The columns an INSERT assigns and how each execution computes their values (from VALUES or from JSON). */
function insertAssignments(stmt: InsertStatement, table: TableDef, markers: MarkerTypes): { columns: ColumnDef[]; values: (ctx: BindContext) => ExecValue[] } {
  if (stmt.json) {
    const columns = allColumnsInSelectOrder(table);
    return { columns, values: compileInsertJson(table, columns, stmt.json, stmt.jsonDefault, markers) };
  }
  if (stmt.columns.length !== stmt.values.length) throw new InvalidRequestError('Unmatched column names/values');
  const seen = new Set<string>();
  const columns: ColumnDef[] = [];
  const terms: CompiledTerm[] = [];
  stmt.columns.forEach((name, i) => {
    const c = column(table, name);
    if (seen.has(name)) throw new InvalidRequestError(`Multiple definitions found for column ${name}`);
    seen.add(name);
    columns.push(c);
    terms.push(compileTerm(stmt.values[i], receiver(table, c), markers));
  });
  return {
    columns,
    values: (ctx) => {
      const out: ExecValue[] = new Array<ExecValue>(terms.length);
      for (let i = 0; i < terms.length; i++) out[i] = terms[i](ctx);
      return out;
    },
  };
}

function compileInsert(stmt: InsertStatement, table: TableDef, markers: MarkerTypes): Compiled {
  const { columns, values: evaluate } = insertAssignments(stmt, table, markers);
  const assigned = columns.map((c) => ({ c }));
  const seen = new Set(columns.map((c) => c.name));
  const pkIndexes: number[] = [];
  for (const pk of table.partitionKey) {
    const i = stmt.columns.indexOf(pk.name);
    const t = i >= 0 ? stmt.values[i] : undefined;
    if (t?.kind === 'bind') pkIndexes.push(t.index);
  }
  const missingPk = table.partitionKey.filter((c) => !seen.has(c.name)).map((c) => c.name);
  if (missingPk.length) throw new InvalidRequestError(`Some partition key parts are missing: ${missingPk.join(', ')}`);
  const regular = assigned.filter((a) => a.c.kind === 'regular' || a.c.kind === 'static');
  const onlyStatic = regular.length > 0 && regular.every((a) => a.c.kind === 'static');
  const missingCk = table.clustering.filter((c) => !seen.has(c.name)).map((c) => c.name);
  if (missingCk.length && !(onlyStatic && missingCk.length === table.clustering.length)) {
    throw new InvalidRequestError(`Some clustering keys are missing: ${missingCk.join(', ')}`);
  }
  const using = compileUsing(table, stmt.using, markers);
  // Positions in `assigned`, resolved once: each execution then works on an array of values, without maps.
  const at = (c: ColumnDef): number => assigned.findIndex((a) => a.c === c);
  const pkAt = table.partitionKey.map(at);
  const ckAt = missingCk.length === 0 ? table.clustering.map(at) : [];
  const regularAt = regular.map((r) => assigned.indexOf(r));
  const keyOf = (ctx: BindContext, at: number[], cols: ColumnDef[]): Buffer[] => {
    const values = evaluate(ctx);
    return at.map((i, n) => keyValue(values[i], cols[n]));
  };
  return {
    pkIndexes: pkIndexes.length === table.partitionKey.length ? pkIndexes : [],
    locate(ctx) {
      const key = checkPartitionKeySize(partitionKeyBytes(keyOf(ctx, pkAt, table.partitionKey)));
      return { keys: [key], clusterings: missingCk.length === 0 ? [keyOf(ctx, ckAt, table.clustering)] : undefined };
    },
    async run(env, ctx, defaultTs) {
      const w = writeTime(env, table, using, ctx, defaultTs);
      const values = evaluate(ctx);
      const pk: Buffer[] = new Array<Buffer>(pkAt.length);
      for (let i = 0; i < pkAt.length; i++) pk[i] = keyValue(values[pkAt[i]], table.partitionKey[i]);
      const key = checkPartitionKeySize(partitionKeyBytes(pk));
      if (key.length === 0) throw new InvalidRequestError('Key may not be empty');
      const p: PartitionData = { key, token: murmur3Token(key), rangeTombstones: [], rows: [] };
      const row: Row = { clustering: [], cells: emptyCells() };
      let staticRow: Row | undefined;
      if (missingCk.length === 0) {
        for (let i = 0; i < ckAt.length; i++) row.clustering.push(keyValue(values[ckAt[i]], table.clustering[i]));
        checkClusteringSize(row.clustering);
        row.marker = w.ttl > 0 ? { ts: w.ts, ttl: w.ttl, ldt: w.nowSec + w.ttl } : { ts: w.ts };
      }
      for (let i = 0; i < regular.length; i++) {
        const c = regular[i].c;
        const v = values[regularAt[i]];
        if (v === UNSET) continue;
        if (c.kind === 'static') (staticRow ??= { clustering: [], cells: emptyCells() }).cells[c.name] = assignColumn(c.type, v, w);
        else row.cells[c.name] = assignColumn(c.type, v, w);
      }
      if (staticRow) p.staticRow = staticRow;
      if (missingCk.length === 0) p.rows.push(row);
      return [{ table, update: p }];
    },
  };
}

/** Partition keys and (for row-level writes) full clustering keys selected by an UPDATE/DELETE's WHERE. */
function targets(table: TableDef, where: CompiledWhere, ctx: BindContext, needRows: boolean): { keys: Buffer[]; clusterings: Buffer[][] | undefined } {
  const keys = where.partitionKeys!(ctx).map(partitionKeyBytes);
  if (!needRows) return { keys, clusterings: undefined };
  if (table.clustering.length === 0) return { keys, clusterings: [[]] };
  const slices = clusteringSlices(table, where, ctx) ?? [];
  return { keys, clusterings: slices.map((s) => checkClusteringSize(s.start.prefix)) };
}

function checkWhere(table: TableDef, where: CompiledWhere, kind: 'UPDATE' | 'DELETE'): void {
  if (where.tokenLower || where.tokenUpper) throw new InvalidRequestError(`The token function cannot be used in WHERE clauses for ${kind} statements`);
  if (!where.partitionKeys) {
    const missing = table.partitionKey.filter((c) => !where.restrictedColumns.has(c.name)).map((c) => c.name);
    throw new InvalidRequestError(`Some partition key parts are missing: ${missing.join(', ') || table.partitionKey.map((c) => c.name).join(', ')}`);
  }
  if (where.filters.length > 0 || where.tokenLower || where.tokenUpper) {
    throw new InvalidRequestError(`Non PRIMARY KEY columns found in where clause of ${kind} statement`);
  }
}

/** One SET assignment, checked against its column and compiled. */
type UpdateOp = { c: ColumnDef; a: Assignment; value: CompiledTerm; key?: CompiledTerm };

function compileAssignment(table: TableDef, a: Assignment, markers: MarkerTypes): UpdateOp {
  const c = column(table, a.column);
  if (c.kind === 'partition_key' || c.kind === 'clustering') throw new InvalidRequestError(`PRIMARY KEY part ${c.name} found in SET part`);
  const t = c.type;
  switch (a.kind) {
    case 'set':
      if (isCounterType(t)) throw setCounterError(c);
      return { c, a, value: compileTerm(a.value, receiver(table, c), markers) };
    case 'add':
    case 'prepend':
    case 'remove': {
      if (a.kind === 'prepend' && t.kind !== 'list') throw prependError(c, a);
      if (isCounterType(t)) return { c, a, value: compileTerm(a.value, receiver(table, c), markers) };
      if (t.kind !== 'list' && t.kind !== 'set' && t.kind !== 'map') {
        throw new InvalidRequestError(`Invalid operation (${c.name} = ${c.name} ${a.kind === 'remove' ? '-' : '+'} ${relationTermText(a.value)}) for non counter column ${c.name}`);
      }
      if (!isMultiCell(t)) throw new InvalidRequestError(`Invalid operation for frozen collection column ${c.name}`);
      const rt = a.kind === 'remove' && t.kind === 'map' ? { kind: 'set' as const, element: t.key, frozen: false } : t;
      return { c, a, value: compileTerm(a.value, { ...receiver(table, c), type: rt }, markers) };
    }
    case 'set_element': {
      if (t.kind !== 'map' && t.kind !== 'list') throw new InvalidRequestError(`Invalid element access for non-map/list column ${c.name}`);
      if (!isMultiCell(t)) throw new InvalidRequestError(`Invalid operation for frozen collection column ${c.name}`);
      const keyType = t.kind === 'map' ? t.key : T.int;
      const valueType = t.kind === 'map' ? t.value : t.element;
      return { c, a, key: compileTerm(a.key, { ...receiver(table, c), name: `key(${c.name})`, type: keyType }, markers),
        value: compileTerm(a.value, { ...receiver(table, c), name: `value(${c.name})`, type: valueType }, markers) };
    }
    case 'set_field': {
      if (t.kind !== 'udt' || t.frozen) throw new InvalidRequestError(`Invalid operation for frozen UDT column ${c.name}`);
      const i = t.fieldNames.indexOf(a.field);
      if (i < 0) throw new InvalidRequestError(`UDT column ${c.name} does not have a field named ${a.field}`);
      return { c, a, value: compileTerm(a.value, { ...receiver(table, c), name: `${c.name}.${a.field}`, type: t.fieldTypes[i] }, markers) };
    }
  }
}

function compileUpdate(stmt: UpdateStatement, table: TableDef, markers: MarkerTypes): Compiled {
  const ops = stmt.assignments.map((a) => compileAssignment(table, a, markers));
  const where = compileWhere(table, stmt.where, markers);
  checkWhere(table, where, 'UPDATE');
  const onlyStatic = ops.length > 0 && ops.every((o) => o.c.kind === 'static');
  if (!onlyStatic && (where.clustering.eqColumns !== table.clustering.length || where.clustering.slice)) {
    const missing = table.clustering.slice(where.clustering.eqColumns).map((c) => c.name);
    throw new InvalidRequestError(`Some clustering keys are missing: ${missing.join(', ')}`);
  }
  const using = compileUsing(table, stmt.using, markers);
  return {
    pkIndexes: partitionKeyBindIndexes(table, stmt.where),
    locate: (ctx) => targets(table, where, ctx, !onlyStatic || where.clustering.eqColumns === table.clustering.length),
    async run(env, ctx, defaultTs, cl) {
      const w = writeTime(env, table, using, ctx, defaultTs);
      const b = new MutationBuilder(table);
      const { keys, clusterings } = targets(table, where, ctx, !onlyStatic);
      const evaluated = ops.map((o) => ({ ...o, v: o.value(ctx), k: o.key ? o.key(ctx) : undefined }));
      for (const key of keys) {
        const p = b.partition(key);
        const rows: Row[] = (clusterings ?? []).map((clustering) => ({ clustering, cells: emptyCells() }));
        const staticRow: Row = { clustering: [], cells: emptyCells() };
        for (const o of evaluated) {
          const v = o.v;
          if (typeof v === 'symbol') continue;
          const targetsRows = o.c.kind === 'static' ? [staticRow] : rows;
          for (const row of targetsRows) {
            const data = await updateColumn(env, table, p, row, o.c, o.a, v, o.k as ExecValue | undefined, w, cl);
            if (data) row.cells[o.c.name] = mergeColumnData(o.c.type, row.cells[o.c.name], data);
          }
        }
        if (Object.keys(staticRow.cells).length) p.staticRow = staticRow;
        p.rows.push(...rows.filter((r) => Object.keys(r.cells).length > 0));
      }
      return b.mutations();
    },
  };
}

/** The columns (elements, fields) a DELETE names, checked and compiled. */
function deleteTargets(stmt: DeleteStatement, table: TableDef, markers: MarkerTypes): Array<{ c: ColumnDef; element: CompiledTerm | undefined; field: number }> {
  return stmt.targets.map((t) => {
    const c = column(table, t.column);
    if (c.kind === 'partition_key' || c.kind === 'clustering') throw new InvalidRequestError(`Invalid identifier ${c.name} for deletion (should not be a PRIMARY KEY part)`);
    let element: CompiledTerm | undefined;
    if (t.element) {
      const ct = c.type;
      if ((ct.kind !== 'map' && ct.kind !== 'list' && ct.kind !== 'set') || !isMultiCell(ct)) throw new InvalidRequestError(`Invalid element deletion for column ${c.name}`);
      const et = ct.kind === 'map' ? ct.key : ct.kind === 'list' ? T.int : ct.element;
      element = compileTerm(t.element, { ...receiver(table, c), name: `key(${c.name})`, type: et }, markers);
    }
    let field = -1;
    if (t.field !== undefined) {
      if (c.type.kind !== 'udt' || c.type.frozen) throw new InvalidRequestError(`Invalid field deletion for column ${c.name}`);
      field = c.type.fieldNames.indexOf(t.field);
      if (field < 0) throw new InvalidRequestError(`UDT column ${c.name} does not have a field named ${t.field}`);
    }
    return { c, element, field };
  });
}

function compileDelete(stmt: DeleteStatement, table: TableDef, markers: MarkerTypes): Compiled {
  const cols = deleteTargets(stmt, table, markers);
  const where = compileWhere(table, stmt.where, markers);
  checkWhere(table, where, 'DELETE');
  const fullRow = where.clustering.eqColumns === table.clustering.length && !where.clustering.slice;
  const onlyStatic = cols.length > 0 && cols.every((x) => x.c.kind === 'static');
  if (cols.length > 0 && !fullRow && !onlyStatic) {
    throw new InvalidRequestError('Range deletions are not supported for specific columns');
  }
  const using = compileUsing(table, stmt.using, markers);
  return {
    pkIndexes: partitionKeyBindIndexes(table, stmt.where),
    locate: (ctx) => targets(table, where, ctx, !onlyStatic || where.clustering.eqColumns === table.clustering.length),
    async run(env, ctx, defaultTs, cl) {
      const w = writeTime(env, table, using, ctx, defaultTs);
      const tomb = { ts: w.ts, ldt: w.nowSec };
      const b = new MutationBuilder(table);
      const keys = where.partitionKeys!(ctx).map(partitionKeyBytes);
      const slices = clusteringSlices(table, where, ctx);
      for (const key of keys) {
        const p = b.partition(key);
        if (cols.length === 0) {
          if (!slices) p.deletion = tomb;
          else if (fullRow) for (const s of slices) p.rows.push({ clustering: s.start.prefix, deletion: tomb, cells: emptyCells() });
          else for (const s of slices) p.rangeTombstones.push({ start: s.start, end: s.end, deletion: tomb });
          continue;
        }
        const points = table.clustering.length === 0 ? [[]] : (slices ?? []).map((s) => checkClusteringSize(s.start.prefix));
        const rows: Row[] = onlyStatic ? [] : points.map((clustering) => ({ clustering, cells: emptyCells() }));
        const staticRow: Row = { clustering: [], cells: emptyCells() };
        for (const { c, element, field } of cols) {
          for (const row of c.kind === 'static' ? [staticRow] : rows) {
            let data: ColumnData;
            if (element) {
              const k = element(ctx);
              if (k === null || k === UNSET) throw new InvalidRequestError(`Invalid null value for element of ${c.name}`);
              if (c.type.kind === 'list') {
                const cur = await currentList(env, table, p, row, c, cl, w.nowSec);
                const idx = k.readInt32BE(0);
                if (idx < 0 || idx >= cur.length) throw new InvalidRequestError(`List index ${idx} out of bound, list has size ${cur.length}`);
                data = addElements([{ path: cur[idx].path, cell: tombstoneCell(w) }]);
              } else data = addElements([{ path: k, cell: tombstoneCell(w) }]);
            } else if (field >= 0) data = addElements([{ path: fieldPath(field), cell: tombstoneCell(w) }]);
            else data = isMultiCell(c.type) ? { deletion: tomb, cells: [] } : tombstoneCell(w);
            row.cells[c.name] = mergeColumnData(c.type, row.cells[c.name], data);
          }
        }
        if (Object.keys(staticRow.cells).length) p.staticRow = staticRow;
        p.rows.push(...rows);
      }
      return b.mutations();
    },
  };
}

/** A Plan for a single INSERT/UPDATE/DELETE statement. */
export function compileModificationPlan(stmt: ModificationStatement, schema: Schema, session: Session, markerCount: number): Plan {
  const markers = new MarkerTypes(markerCount);
  const m = compileModification(stmt, schema, session, markers);
  const variables = markers.finish();
  return {
    variables,
    resultColumns: [],
    pkIndexes: m.pkIndexes,
    dependsOn: [{ table: m.table }],
    keyspace: m.ks.name,
    modification: m,
    async execute(env: ExecEnv, _s: Session, req: ExecRequest) {
      const ctx: BindContext = { values: req.values, nowMicros: env.nowMicros() };
      if (m.conditions) return executeCas(env, [{ m, ctx }], false, req.params.consistency, req.params.serialConsistency);
      const mutations = await m.mutations(env, ctx, req.params.timestamp, req.params.consistency);
      req.trace?.trace('Determining replicas for mutation');
      await env.coordinator.write(m.ks, mutations, req.params.consistency, m.counter ? 'COUNTER' : 'SIMPLE');
      req.trace?.trace(`Wrote ${mutations.length} partition update${mutations.length === 1 ? '' : 's'} to ${m.table.name}`);
      return { kind: 'void' };
    },
  };
}

