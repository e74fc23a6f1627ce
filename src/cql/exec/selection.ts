// The SELECT clause: turns each selector into a function of a source row, with the column metadata Cassandra
// reports for it (names like `writetime(c)`, `system.token(k)`, `count`), and aggregates (count/min/max/sum/avg).
import type { SelectClause, Selector } from '../../model/ast.ts';
import type { CqlType } from '../../model/types.ts';
import { T, typeToCql } from '../../model/types.ts';
import type { ColumnDef, TableDef } from '../../schema/model.ts';
import { allColumnsInSelectOrder } from '../../schema/model.ts';
import type { ColumnSpec } from '../../protocol/messages.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { getFunction } from '../../model/values/functions.ts';
import { readTuple } from '../../model/values/collections.ts';
import { compareValues } from '../../model/values/compare.ts';
import { encodeBigint, encodeInt } from './values.ts';
import { compileTerm, type BindContext, type MarkerTypes } from './terms.ts';
import { addNumbers, divideNumber, zeroOf } from './arith.ts';
import { compileSimilarity, SIMILARITY_FUNCTION_NAMES } from './selection-vector.ts';

/** A live row as selection sees it. */
export interface SourceRow {
  token: bigint;
  pk: Buffer[];
  clustering: Buffer[]; // empty entries for a static-only row are represented by an empty array
  cells: Record<string, { value: Buffer; ts: number; ttl?: number; expiresAt?: number }>;
}

export interface Selection {
  columns: ColumnSpec[];
  /** Columns the selection reads from storage (undefined = all). */
  isAggregate: boolean;
  /** Computes output row(s) for a group of source rows: per row for plain selections, one for aggregates. */
  project(rows: SourceRow[], ctx: BindContext, nowSec: number): Array<Array<Buffer | null>>;
  /** True when the selection only uses partition key and static columns (DISTINCT validity). */
  onlyKeyAndStatic: boolean;
}

type Eval = (row: SourceRow | undefined, ctx: BindContext, nowSec: number) => Buffer | null;

export function columnValue(table: TableDef, c: ColumnDef, row: SourceRow): Buffer | null {
  if (c.kind === 'partition_key') return row.pk[c.position] ?? null;
  if (c.kind === 'clustering') return row.clustering[c.position] ?? null;
  return row.cells[c.name]?.value ?? null;
}

interface Compiled {
  name: string;
  type: CqlType;
  evaluate: Eval;
  aggregate?: { init(): Agg };
  columnsUsed: ColumnDef[];
}

interface Agg {
  add(row: SourceRow, ctx: BindContext, nowSec: number): void;
  result(): Buffer | null;
}

function lookupColumn(table: TableDef, name: string): ColumnDef {
  const c = table.columns.get(name);
  if (!c) throw new InvalidRequestError(`Undefined column name ${name} in selection clause`);
  return c;
}

function compileSelector(table: TableDef, s: Selector, markers: MarkerTypes): Compiled {
  switch (s.kind) {
    case 'column': {
      const c = lookupColumn(table, s.name);
      return { name: c.name, type: c.type, columnsUsed: [c], evaluate: (row) => (row ? columnValue(table, c, row) : null) };
    }
    case 'count_star':
      return {
        name: 'count', type: T.bigint, columnsUsed: [], evaluate: () => null,
        aggregate: { init: () => { let n = 0; return { add: () => { n++; }, result: () => encodeBigint(n) }; } },
      };
    case 'term': {
      const t = compileTerm(s.term, { keyspace: table.keyspace, table: table.name, name: 'literal', type: T.text }, markers);
      return { name: 'literal', type: T.text, columnsUsed: [], evaluate: (_r, ctx) => { const v = t(ctx); return typeof v === 'symbol' ? null : v; } };
    }
    case 'field': {
      const inner = compileSelector(table, s.selector, markers);
      if (inner.type.kind !== 'udt') throw new InvalidRequestError(`Invalid field selection: ${inner.name} of type ${typeToCql(inner.type)} is not a user type`);
      const idx = inner.type.fieldNames.indexOf(s.field);
      if (idx < 0) throw new InvalidRequestError(`${inner.type.name} has no field ${s.field}`);
      const n = inner.type.fieldNames.length;
      return {
        name: `${inner.name}.${s.field}`, type: inner.type.fieldTypes[idx], columnsUsed: inner.columnsUsed,
        evaluate: (row, ctx, now) => { const v = inner.evaluate(row, ctx, now); return v === null ? null : (readTuple(v, n)[idx] ?? null); },
      };
    }
    case 'cast': {
      const inner = compileSelector(table, s.selector, markers);
      return { ...inner, name: `cast(${inner.name} as ${typeToCql(inner.type)})` };
    }
    case 'function':
      return compileFunction(table, s.name.toLowerCase(), s.args, markers);
  }
}

function compileFunction(table: TableDef, name: string, args: Selector[], markers: MarkerTypes): Compiled {
  const argColumn = (): ColumnDef => {
    const a = args[0];
    if (args.length !== 1 || a.kind !== 'column') throw new InvalidRequestError(`Invalid arguments for ${name}`);
    return lookupColumn(table, a.name);
  };
  if (name === 'writetime' || name === 'ttl') {
    const c = argColumn();
    if (c.kind === 'partition_key' || c.kind === 'clustering') {
      throw new InvalidRequestError(`Cannot use selection function ${name} on PRIMARY KEY part ${c.name}`);
    }
    if (name === 'writetime') {
      return { name: `writetime(${c.name})`, type: T.bigint, columnsUsed: [c], evaluate: (row) => {
        const cell = row?.cells[c.name];
        return cell ? encodeBigint(cell.ts) : null;
      } };
    }
    return { name: `ttl(${c.name})`, type: T.int, columnsUsed: [c], evaluate: (row, _ctx, now) => {
      const cell = row?.cells[c.name];
      if (!cell || cell.expiresAt === undefined) return null;
      return encodeInt(Math.max(0, cell.expiresAt - now));
    } };
  }
  if (name === 'token') {
    const cols = args.map((a) => (a.kind === 'column' ? lookupColumn(table, a.name) : undefined));
    if (cols.length !== table.partitionKey.length || cols.some((c, i) => c?.name !== table.partitionKey[i].name)) {
      throw new InvalidRequestError(`Invalid arguments for token: must be the partition key columns in order`);
    }
    return { name: `system.token(${cols.map((c) => c!.name).join(', ')})`, type: T.bigint, columnsUsed: cols as ColumnDef[],
      evaluate: (row) => (row ? encodeBigint(row.token) : null) };
  }
  if (name === 'count' || name === 'min' || name === 'max' || name === 'sum' || name === 'avg') {
    const inner = compileSelector(table, args[0] ?? { kind: 'count_star' }, markers);
    const ty = name === 'count' ? T.bigint : inner.type;
    const init = (): Agg => {
      let acc: Buffer | null = null;
      let n = 0;
      return {
        add: (row, ctx, now) => {
          const v = inner.evaluate(row, ctx, now);
          if (v === null) return;
          n++;
          if (name === 'min') acc = acc === null || compareValues(inner.type, v, acc) < 0 ? v : acc;
          else if (name === 'max') acc = acc === null || compareValues(inner.type, v, acc) > 0 ? v : acc;
          else if (name === 'sum' || name === 'avg') acc = addNumbers(inner.type, acc ?? zeroOf(inner.type), v);
        },
        result: () => {
          if (name === 'count') return encodeBigint(n);
          if (name === 'sum') return acc ?? zeroOf(inner.type);
          if (name === 'avg') return n === 0 ? zeroOf(inner.type) : divideNumber(inner.type, acc!, n);
          return acc;
        },
      };
    };
    return { name: `system.${name}(${inner.name})`, type: ty, columnsUsed: inner.columnsUsed, evaluate: () => null, aggregate: { init } };
  }
  if (SIMILARITY_FUNCTION_NAMES.has(name)) return compileSimilarity(table, name, args, markers, (a) => compileSelector(table, a, markers));
  const fn = getFunction(name);
  if (!fn) throw new InvalidRequestError(`Unknown function '${name}'`);
  const compiledArgs = args.map((a) => compileSelector(table, a, markers));
  const argTypes = compiledArgs.map((a) => a.type);
  const ret = fn.returnType(argTypes);
  return {
    name: `system.${name}(${compiledArgs.map((a) => a.name).join(', ')})`, type: ret,
    columnsUsed: compiledArgs.flatMap((a) => a.columnsUsed),
    evaluate: (row, ctx, now) => fn.call(compiledArgs.map((a) => a.evaluate(row, ctx, now)), argTypes, ctx.nowMicros),
  };
}

export function compileSelection(table: TableDef, selectors: '*' | SelectClause[], markers: MarkerTypes): Selection {
  const spec = (name: string, type: CqlType): ColumnSpec => ({ keyspace: table.keyspace, table: table.name, name, type });
  if (selectors === '*') {
    const cols = allColumnsInSelectOrder(table);
    return {
      columns: cols.map((c) => spec(c.name, c.type)),
      isAggregate: false,
      onlyKeyAndStatic: false,
      project: (rows) => rows.map((row) => cols.map((c) => columnValue(table, c, row))),
    };
  }
  const compiled = selectors.map((s) => ({ c: compileSelector(table, s.selector, markers), alias: s.alias }));
  const isAggregate = compiled.some(({ c }) => c.aggregate);
  const onlyKeyAndStatic = compiled.every(({ c }) => c.columnsUsed.every((u) => u.kind === 'partition_key' || u.kind === 'static'));
  return {
    columns: compiled.map(({ c, alias }) => spec(alias ?? c.name, c.type)),
    isAggregate,
    onlyKeyAndStatic,
    project: (rows, ctx, now) => {
      if (!isAggregate) return rows.map((row) => compiled.map(({ c }) => c.evaluate(row, ctx, now)));
      const aggs = compiled.map(({ c }) => c.aggregate?.init());
      for (const row of rows) aggs.forEach((a) => a?.add(row, ctx, now));
      return [compiled.map(({ c }, i) => (aggs[i] ? aggs[i]!.result() : c.evaluate(rows[0], ctx, now)))];
    },
  };
}
