// The SELECT clause: turns each selector into a function of a source row, with the column metadata Cassandra
// reports for it (names like `writetime(c)`, `system.token(k)`, `count`), or, for aggregates, into a per-group
// accumulator. A selector that is not an aggregate takes its value from the first row of the group, as Cassandra's
// does in aggregate and GROUP BY queries.
import type { SelectClause, Selector, Term } from '../../model/ast.ts';
import type { CqlType } from '../../model/types.ts';
import { T, typeToCql } from '../../model/types.ts';
import type { ColumnDef, TableDef } from '../../schema/model.ts';
import { allColumnsInSelectOrder } from '../../schema/model.ts';
import type { ColumnSpec } from '../../protocol/messages.ts';
import { UNSET } from '../../protocol/messages.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { resolveTypeIn } from '../../schema/types_resolve.ts';
import { compileTerm, inferType, type BindContext, type MarkerTypes } from './terms.ts';
import { termText } from './term-text.ts';
import { COUNT_ROWS } from './aggregates.ts';
import { compileFunction } from './selection-functions.ts';
import { compileElement, compileField, compileSlice } from './selection-elements.ts';
import { compileCast } from './casts.ts';
import { compileNegation, compileOperation, type Operand } from './operators.ts';

/** A live row as selection sees it. */
export interface SourceRow {
  token: bigint;
  pk: Buffer[];
  clustering: Buffer[]; // empty entries for a static-only row are represented by an empty array
  cells: Record<string, SourceCell>;
}

export interface SourceCell {
  value: Buffer;
  ts: number;
  ttl?: number;
  expiresAt?: number;
  /** Non-frozen collections and UDTs: each element's timestamp and expiry second, in value order. */
  elements?: Array<{ ts: number; expiresAt?: number; field?: number }>;
}

/** The output row of one group of source rows (all the rows, for an aggregate query without GROUP BY). */
export interface GroupAccumulator {
  add(row: SourceRow, ctx: BindContext, nowSec: number): void;
  result(ctx: BindContext, nowSec: number): Array<Buffer | null>;
}

export interface Selection {
  columns: ColumnSpec[];
  isAggregate: boolean;
  /** The output row of a plain selection. */
  projectRow(row: SourceRow, ctx: BindContext, nowSec: number): Array<Buffer | null>;
  /** A new group: its aggregates over the rows added, the other selectors from its first row. */
  newGroup(): GroupAccumulator;
  /** True when the selection only uses partition key and static columns (DISTINCT validity). */
  onlyKeyAndStatic: boolean;
}

export type Eval = (row: SourceRow | undefined, ctx: BindContext, nowSec: number) => Buffer | null;

/** A selector's state over one group. */
export interface Agg {
  add(row: SourceRow, ctx: BindContext, nowSec: number): void;
  result(ctx: BindContext, nowSec: number): Buffer | null;
}

export interface Compiled {
  name: string;
  type: CqlType;
  /** The value for one row; for an aggregating selector, only its non-aggregate parts are meaningful. */
  evaluate: Eval;
  /** Set when the selector aggregates (itself or in an argument). */
  aggregate?: () => Agg;
  columnsUsed: ColumnDef[];
}

export function columnValue(table: TableDef, c: ColumnDef, row: SourceRow): Buffer | null {
  if (c.kind === 'partition_key') return row.pk[c.position] ?? null;
  if (c.kind === 'clustering') return row.clustering[c.position] ?? null;
  return row.cells[c.name]?.value ?? null;
}

export function lookupColumn(table: TableDef, name: string): ColumnDef {
  const c = table.columns.get(name);
  if (!c) throw new InvalidRequestError(`Undefined column name ${name} in table ${table.keyspace}.${table.name}`);
  return c;
}

/** A selector's state over a group when it does not aggregate: its value on the group's first row. */
function firstRow(c: Compiled): Agg {
  let first: SourceRow | undefined;
  return {
    add: (row) => { first ??= row; },
    result: (ctx, now) => c.evaluate(first, ctx, now),
  };
}

export function groupState(c: Compiled): Agg {
  return c.aggregate ? c.aggregate() : firstRow(c);
}

/**
 * A selector computed from others (a function call, an operator, a cast): per row when none of them aggregates,
 * otherwise an aggregate applying `f` to their per-group results.
 */
export function combine(parts: Compiled[], name: string, type: CqlType, f: (values: Array<Buffer | null>, ctx: BindContext) => Buffer | null): Compiled {
  const out: Compiled = {
    name, type, columnsUsed: parts.flatMap((p) => p.columnsUsed),
    evaluate: (row, ctx, now) => f(parts.map((p) => p.evaluate(row, ctx, now)), ctx),
  };
  if (parts.some((p) => p.aggregate)) {
    out.aggregate = () => {
      const states = parts.map(groupState);
      return {
        add: (row, ctx, now) => { for (const s of states) s.add(row, ctx, now); },
        result: (ctx, now) => f(states.map((s) => s.result(ctx, now)), ctx),
      };
    };
  }
  return out;
}

export function compileSelector(table: TableDef, s: Selector, markers: MarkerTypes): Compiled {
  switch (s.kind) {
    case 'column': {
      const c = lookupColumn(table, s.name);
      return { name: c.name, type: c.type, columnsUsed: [c], evaluate: (row) => (row ? columnValue(table, c, row) : null) };
    }
    case 'count_star':
      return {
        name: 'count', type: T.bigint, columnsUsed: [], evaluate: () => null,
        aggregate: () => { const acc = COUNT_ROWS.init(); return { add: () => acc.add(null), result: () => acc.result() }; },
      };
    case 'term':
      return compileTermSelector(table, s.term, markers, undefined);
    case 'field':
      return compileField(table, s, markers);
    case 'element':
      return compileElement(table, s, markers);
    case 'slice':
      return compileSlice(table, s, markers);
    case 'cast': {
      const inner = compileSelector(table, s.selector, markers);
      const target = resolveTypeIn(s.type, table.keyspace, undefined);
      const cast = compileCast(inner.name, inner.type, target);
      if (!cast.convert) return inner;
      const convert = cast.convert;
      return combine([inner], `cast(${inner.name} as ${typeToCql(target)})`, target, ([v]) => (v === null ? null : convert(v!)));
    }
    case 'operation': {
      const l = compileOperand(table, s.left, markers);
      const r = compileOperand(table, s.right, markers);
      const op = compileOperation(s.op, l.operand, r.operand);
      return combine([l.compiled!, r.compiled!], `${l.operand.text} ${s.op} ${r.operand.text}`, op.type, ([a, b]) => op.apply(a!, b!));
    }
    case 'negate': {
      const o = compileOperand(table, s.selector, markers);
      const op = compileNegation(o.operand);
      return combine([o.compiled!], `-${o.operand.text}`, op.type, ([a]) => op.apply(a!, null));
    }
    case 'paren': {
      const inner = compileSelector(table, s.selector, markers);
      return { ...inner, name: `(${inner.name})` };
    }
    case 'function':
      return compileFunction(table, s.name.toLowerCase().replace(/^system\./, ''), s.args, markers, s.name.toLowerCase());
  }
}

/** An operand of an arithmetic operator: a bind marker or null has no type of its own (Cassandra calls it ambiguous). */
function compileOperand(table: TableDef, s: Selector, markers: MarkerTypes): { operand: Operand; compiled?: Compiled } {
  if (s.kind === 'term' && (s.term.kind === 'bind' || s.term.kind === 'null')) return { operand: { text: termText(s.term), type: undefined } };
  const compiled = s.kind === 'term' ? compileTermSelector(table, s.term, markers, 'operation') : compileSelector(table, s, markers);
  return { operand: { text: compiled.name, type: compiled.type }, compiled };
}

/**
 * A literal or bind marker in the selection. Outside a function call it needs a type cast (`(int)?`); as a
 * function argument its type may be inferred from the literal (`toJson(1)`); `inFunction` names the function.
 */
export function compileTermSelector(table: TableDef, term: Term, markers: MarkerTypes, inFunction: string | undefined): Compiled {
  let type: CqlType | undefined;
  let inner = term;
  if (term.kind === 'cast') {
    if (term.type.kind === 'udt') throw new InvalidRequestError(`Cannot cast to a user-defined type in the selection clause: ${termText(term)}`);
    type = resolveTypeIn(term.type, table.keyspace, undefined);
    inner = term.term;
  } else if (inFunction !== undefined && term.kind !== 'bind') {
    type = inferType(term);
  }
  if (!type) {
    throw new InvalidRequestError(inFunction === undefined
      ? `Cannot infer type for term ${termText(term)} in selection clause (try using a cast to force a type)`
      : `Cannot infer type of argument ${termText(term)} in call to function ${inFunction}: use type casts to disambiguate`);
  }
  const t = compileTerm(inner, { keyspace: table.keyspace, table: table.name, name: '[selection]', type }, markers);
  return { name: termText(term), type, columnsUsed: [], evaluate: (_r, ctx) => { const v = t(ctx); return v === UNSET ? null : v; } };
}

export function compileSelection(table: TableDef, selectors: '*' | SelectClause[], markers: MarkerTypes): Selection {
  const spec = (name: string, type: CqlType): ColumnSpec => ({ keyspace: table.keyspace, table: table.name, name, type });
  if (selectors === '*') {
    const cols = allColumnsInSelectOrder(table);
    // A plain loop, not cols.map with a closure: this runs for every row a SELECT * returns.
    const projectRow = (row: SourceRow): Array<Buffer | null> => {
      const out = new Array<Buffer | null>(cols.length);
      for (let i = 0; i < cols.length; i++) out[i] = columnValue(table, cols[i]!, row);
      return out;
    };
    return {
      columns: cols.map((c) => spec(c.name, c.type)),
      isAggregate: false,
      onlyKeyAndStatic: false,
      projectRow,
      newGroup: () => {
        let first: SourceRow | undefined;
        return { add: (row) => { first ??= row; }, result: () => (first ? projectRow(first) : cols.map(() => null)) };
      },
    };
  }
  const compiled = selectors.map((s) => {
    // A bracketed selector on its own reads as a tuple literal, which Cassandra cannot type.
    if (s.selector.kind === 'paren') {
      const text = compileSelector(table, s.selector, markers).name;
      throw new InvalidRequestError(`Cannot infer type for term ${text} in selection clause (try using a cast to force a type)`);
    }
    return { c: compileSelector(table, s.selector, markers), alias: s.alias };
  });
  const isAggregate = compiled.some(({ c }) => c.aggregate);
  const onlyKeyAndStatic = compiled.every(({ c }) => c.columnsUsed.every((u) => u.kind === 'partition_key' || u.kind === 'static'));
  return {
    columns: compiled.map(({ c, alias }) => spec(alias ?? c.name, c.type)),
    isAggregate,
    onlyKeyAndStatic,
    projectRow: (row, ctx, now) => compiled.map(({ c }) => c.evaluate(row, ctx, now)),
    newGroup: () => {
      const states = compiled.map(({ c }) => groupState(c));
      return {
        add: (row, ctx, now) => { for (const s of states) s.add(row, ctx, now); },
        result: (ctx, now) => states.map((s) => s.result(ctx, now)),
      };
    },
  };
}
