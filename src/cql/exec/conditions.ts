// The IF clause of a lightweight transaction, compiled: IF EXISTS / IF NOT EXISTS, or column conditions
// (`v = 1`, `v IN (…)`, `<`…`!=`, `CONTAINS [KEY]`, on a whole column, a collection element `m['k']`/`l[0]` or a UDT
// field `u.f`), each evaluated against the column's current live value, with Cassandra's rules for null and its
// error messages. Static columns' conditions are kept apart: they are checked against the static row.
import type { Condition, ModificationStatement } from '../../model/ast.ts';
import type { CqlType } from '../../model/types.ts';
import { T } from '../../model/types.ts';
import type { ColumnDef, TableDef } from '../../schema/model.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { UNSET } from '../../protocol/messages.ts';
import { compareValues } from '../../model/values/compare.ts';
import { readCollection, readMap, readTuple } from '../../model/values/collections.ts';
import { compileTerm, type BindContext, type CompiledTerm, type MarkerTypes, type Receiver } from './terms.ts';
import type { ExecValue } from './values.ts';

/** One compiled condition: true when the column's current value (null when absent) satisfies it. */
export interface ColumnCondition {
  column: ColumnDef;
  test(current: Buffer | null, ctx: BindContext): boolean;
}

export interface StatementConditions {
  kind: 'exists' | 'not_exists' | 'columns';
  regular: ColumnCondition[];
  statics: ColumnCondition[];
  /** The columns a failed condition reports, as Cassandra orders them: regular ones, then static, each once. */
  columns: ColumnDef[];
}

const isCounter = (t: CqlType): boolean => t.kind === 'native' && t.name === 'counter';

/** Whether a statement has an IF clause. */
export function isConditional(stmt: ModificationStatement): boolean {
  return stmt.kind === 'insert' ? stmt.ifNotExists : stmt.ifExists || stmt.conditions.length > 0;
}

export function compileConditions(stmt: ModificationStatement, table: TableDef, markers: MarkerTypes): StatementConditions {
  const counterTable = [...table.columns.values()].some((c) => isCounter(c.type));
  if (stmt.kind === 'insert' || stmt.ifExists) {
    if (counterTable) throw new InvalidRequestError('Conditional updates are not supported on counter tables');
    return { kind: stmt.kind === 'insert' ? 'not_exists' : 'exists', regular: [], statics: [], columns: [] };
  }
  const compiled = stmt.conditions.map((c) => compileCondition(table, c, markers));
  const regular = compiled.filter((c) => c.column.kind !== 'static');
  const statics = compiled.filter((c) => c.column.kind === 'static');
  const columns: ColumnDef[] = [];
  for (const c of [...regular, ...statics]) if (!columns.includes(c.column)) columns.push(c.column);
  return { kind: 'columns', regular, statics, columns };
}

function compileCondition(table: TableDef, cond: Condition, markers: MarkerTypes): ColumnCondition {
  const c = table.columns.get(cond.column);
  if (!c) throw new InvalidRequestError(`Undefined column name ${cond.column} in table ${table.keyspace}.${table.name}`);
  if (c.kind === 'partition_key' || c.kind === 'clustering') throw new InvalidRequestError(`PRIMARY KEY column '${c.name}' cannot have IF conditions`);
  if (isCounter(c.type)) throw new InvalidRequestError('Conditions on counters are not supported');
  const r: Receiver = { keyspace: table.keyspace, table: table.name, name: c.name, type: c.type };
  const access = compileAccess(c, cond, r, markers);
  const test = compileTest(cond, { ...r, name: access.name, type: access.type }, markers);
  return { column: c, test: (current, ctx) => test(current === null ? null : access.extract(current, ctx), ctx) };
}

interface Access {
  name: string;
  type: CqlType;
  /** The compared value out of the column's value: the column itself, one collection element, or one field. */
  extract(value: Buffer, ctx: BindContext): Buffer | null;
}

function compileAccess(c: ColumnDef, cond: Condition, r: Receiver, markers: MarkerTypes): Access {
  const t = c.type;
  if (cond.element !== undefined) {
    if (t.kind === 'map') {
      const key = compileTerm(cond.element, { ...r, name: `key(${c.name})`, type: t.key }, markers);
      return {
        name: `value(${c.name})`, type: t.value,
        extract: (v, ctx) => {
          const k = present(key(ctx), 'map');
          return readMap(v).find(([mk]) => compareValues(t.key, mk, k) === 0)?.[1] ?? null;
        },
      };
    }
    if (t.kind === 'list') {
      const idx = compileTerm(cond.element, { ...r, name: `idx(${c.name})`, type: T.int }, markers);
      return {
        name: `value(${c.name})`, type: t.element,
        extract: (v, ctx) => {
          const i = present(idx(ctx), 'list').readInt32BE(0);
          if (i < 0) throw new InvalidRequestError(`Invalid negative list index ${i}`);
          return readCollection(v)[i] ?? null;
        },
      };
    }
    throw new InvalidRequestError(t.kind === 'set'
      ? `Invalid element access syntax for set column ${c.name}`
      : `Invalid element access syntax for non-collection column ${c.name}`);
  }
  if (cond.field !== undefined) {
    if (t.kind !== 'udt') throw new InvalidRequestError(`Invalid field selection: ${c.name} of type ${t.kind} is not a user type`);
    const i = t.fieldNames.indexOf(cond.field);
    if (i < 0) throw new InvalidRequestError(`Unknown field ${cond.field} for column ${c.name}`);
    return { name: `${c.name}.${cond.field}`, type: t.fieldTypes[i]!, extract: (v) => readTuple(v, t.fieldNames.length, 'UDT')[i] ?? null };
  }
  return { name: c.name, type: t, extract: (v) => v };
}

function present(v: ExecValue, kind: 'map' | 'list'): Buffer {
  if (v === null || v === UNSET) throw new InvalidRequestError(`Invalid null value for ${kind} element access`);
  return v;
}

type Test = (current: Buffer | null, ctx: BindContext) => boolean;

const equal = (type: CqlType, a: Buffer | null, b: Buffer | null): boolean =>
  a === null || b === null ? a === b : compareValues(type, a, b) === 0;

function bound(v: ExecValue, r: Receiver): Buffer | null {
  if (v === UNSET) throw new InvalidRequestError(`Invalid unset value for column ${r.name}`);
  return v;
}

function compileTest(cond: Condition, r: Receiver, markers: MarkerTypes): Test {
  const type = r.type;
  switch (cond.op) {
    case '=':
    case '!=': {
      const rhs = compileTerm(cond.rhs, r, markers);
      const negate = cond.op === '!=';
      return (cur, ctx) => equal(type, cur, bound(rhs(ctx), r)) !== negate;
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const rhs = compileTerm(cond.rhs, r, markers);
      const op = cond.op;
      return (cur, ctx) => {
        const v = bound(rhs(ctx), r);
        if (v === null) throw new InvalidRequestError(`Invalid comparison with null for operator "${op}"`);
        if (cur === null) return false;
        const c = compareValues(type, cur, v);
        return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
      };
    }
    case 'IN': {
      const list = compileInList(cond, r, markers);
      return (cur, ctx) => list(ctx).some((v) => equal(type, cur, v));
    }
    case 'CONTAINS':
    case 'CONTAINS KEY':
      return compileContains(cond, r, markers);
    default:
      throw new InvalidRequestError(`Unsupported operator ${cond.op} in condition on ${r.name}`);
  }
}

/** `IN (a, b)` (null allowed: it matches an absent value) or `IN ?` bound to a list. */
function compileInList(cond: Condition, r: Receiver, markers: MarkerTypes): (ctx: BindContext) => Array<Buffer | null> {
  const rhs = cond.rhs;
  if (rhs.kind === 'list' || rhs.kind === 'tuple') {
    const terms: CompiledTerm[] = rhs.elements.map((e) => compileTerm(e, r, markers));
    return (ctx) => terms.map((t) => bound(t(ctx), r));
  }
  const listType: CqlType = { kind: 'list', element: r.type, frozen: false };
  const t = compileTerm(rhs, { ...r, name: `in(${r.name})`, type: listType }, markers);
  return (ctx) => {
    const v = t(ctx);
    if (v === null || v === UNSET) throw new InvalidRequestError(`Invalid null list in IN condition on ${r.name}`);
    return readCollection(v);
  };
}

function compileContains(cond: Condition, r: Receiver, markers: MarkerTypes): Test {
  const t = r.type;
  const keyOnly = cond.op === 'CONTAINS KEY';
  if (keyOnly && t.kind !== 'map') throw new InvalidRequestError(`Cannot use CONTAINS KEY on non-map column ${r.name}`);
  if (t.kind !== 'map' && t.kind !== 'set' && t.kind !== 'list') throw new InvalidRequestError(`Cannot use CONTAINS on non-collection column ${r.name}`);
  const elemType = t.kind === 'map' ? (keyOnly ? t.key : t.value) : t.element;
  const rhs = compileTerm(cond.rhs, { ...r, name: `${keyOnly ? 'key' : 'value'}(${r.name})`, type: elemType }, markers);
  return (cur, ctx) => {
    const v = bound(rhs(ctx), r);
    if (v === null) throw new InvalidRequestError(`Invalid null value for ${cond.op} condition on ${r.name}`);
    if (cur === null) return false;
    const elems = t.kind === 'map' ? readMap(cur).map(([k, val]) => (keyOnly ? k : val)) : readCollection(cur);
    return elems.some((e) => compareValues(elemType, e, v) === 0);
  };
}
