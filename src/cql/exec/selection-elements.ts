// Selecting inside a value: m[key] and s[element] (sets and maps only, as in Cassandra), slices m[a..b] and s[..b],
// UDT fields u.f, and writetime/ttl/maxwritetime of a column or of one of those parts (per element for a non-frozen
// collection or UDT: a list of timestamps or TTLs).
import type { Selector, Term } from '../../model/ast.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { isMultiCell, T, typeToCql, type CqlType } from '../../model/types.ts';
import type { TableDef } from '../../schema/model.ts';
import { readCollection, readMap, readTuple, serializeCollection, serializeMap } from '../../model/values/collections.ts';
import { compareValues } from '../../model/values/compare.ts';
import { UNSET } from '../../protocol/messages.ts';
import { compileTerm, type BindContext, type CompiledTerm, type MarkerTypes } from './terms.ts';
import { termText } from './term-text.ts';
import { encodeBigint, encodeInt } from './values.ts';
import { combine, compileSelector, lookupColumn, type Compiled, type SourceCell, type SourceRow } from './selection.ts';

type CollectionType = Extract<CqlType, { kind: 'set' | 'map' }>;

function requireSetOrMap(inner: Compiled, what: 'Element' | 'Slice'): CollectionType {
  const t = inner.type;
  if (t.kind === 'set' || t.kind === 'map') return t;
  if (t.kind === 'list') throw new InvalidRequestError(`${what} selection is only allowed on sets and maps, but ${inner.name} is a list`);
  throw new InvalidRequestError(`Invalid ${what.toLowerCase()} selection: ${inner.name} is of type ${typeToCql(t)} is not a collection`);
}

function keyTerm(table: TableDef, inner: Compiled, t: CollectionType, term: Term, markers: MarkerTypes): CompiledTerm {
  const type = t.kind === 'map' ? t.key : t.element;
  const name = `${t.kind === 'map' ? 'key' : 'value'}(${inner.name})`;
  return compileTerm(term, { keyspace: table.keyspace, table: table.name, name, type }, markers);
}

const bound = (t: CompiledTerm | undefined, ctx: BindContext): Buffer | null | undefined => {
  if (!t) return undefined;
  const v = t(ctx);
  return v === UNSET ? undefined : v;
};

/** The index of `key` among the collection's keys (map keys or set elements), or -1. */
function indexOf(t: CollectionType, value: Buffer, key: Buffer): number {
  const keys = t.kind === 'map' ? readMap(value).map((e) => e[0]) : readCollection(value, 'set');
  return keys.findIndex((k) => compareValues(t.kind === 'map' ? t.key : t.element, k, key) === 0);
}

/** Indexes of the keys within [from, to] (either end open). */
function sliceIndexes(t: CollectionType, value: Buffer, from: Buffer | null | undefined, to: Buffer | null | undefined): number[] {
  const kt = t.kind === 'map' ? t.key : t.element;
  const keys = t.kind === 'map' ? readMap(value).map((e) => e[0]) : readCollection(value, 'set');
  const out: number[] = [];
  keys.forEach((k, i) => {
    if (from && compareValues(kt, k, from) < 0) return;
    if (to && compareValues(kt, k, to) > 0) return;
    out.push(i);
  });
  return out;
}

export function compileElement(table: TableDef, s: Extract<Selector, { kind: 'element' }>, markers: MarkerTypes): Compiled {
  const inner = compileSelector(table, s.selector, markers);
  const t = requireSetOrMap(inner, 'Element');
  const key = keyTerm(table, inner, t, s.key, markers);
  const type = t.kind === 'map' ? t.value : t.element;
  return combine([inner], `${inner.name}[${termText(s.key)}]`, type, ([v], ctx) => {
    const k = bound(key, ctx);
    if (v === null || !k) return null;
    const i = indexOf(t, v!, k);
    if (i < 0) return null;
    return t.kind === 'map' ? readMap(v!)[i]![1] : readCollection(v!, 'set')[i]!;
  });
}

export function compileSlice(table: TableDef, s: Extract<Selector, { kind: 'slice' }>, markers: MarkerTypes): Compiled {
  const inner = compileSelector(table, s.selector, markers);
  const t = requireSetOrMap(inner, 'Slice');
  const from = s.from && keyTerm(table, inner, t, s.from, markers);
  const to = s.to && keyTerm(table, inner, t, s.to, markers);
  const name = `${inner.name}[${s.from ? termText(s.from) : ''}..${s.to ? termText(s.to) : ''}]`;
  const type: CqlType = { ...t, frozen: false };
  return combine([inner], name, type, ([v], ctx) => {
    if (v === null) return null;
    const idx = sliceIndexes(t, v!, bound(from, ctx), bound(to, ctx));
    if (idx.length === 0) return null;
    if (t.kind === 'map') { const es = readMap(v!); return serializeMap(idx.map((i) => es[i]!)); }
    const es = readCollection(v!, 'set');
    return serializeCollection(idx.map((i) => es[i]!));
  });
}

export function compileField(table: TableDef, s: Extract<Selector, { kind: 'field' }>, markers: MarkerTypes): Compiled {
  const inner = compileSelector(table, s.selector, markers);
  const t = inner.type;
  if (t.kind !== 'udt') throw new InvalidRequestError(`Invalid field selection: ${inner.name} of type ${typeToCql(t)} is not a user type`);
  const idx = t.fieldNames.indexOf(s.field);
  if (idx < 0) throw new InvalidRequestError(`${inner.name} of type ${typeToCql(t)} has no field ${s.field}`);
  const n = t.fieldNames.length;
  return combine([inner], `${inner.name}.${s.field}`, t.fieldTypes[idx]!, ([v]) => (v === null ? null : (readTuple(v!, n, 'UDT')[idx] ?? null)));
}

// ---- writetime, ttl, maxwritetime ---------------------------------------------------------------------------

type TimeFunction = 'writetime' | 'ttl' | 'maxwritetime';

/** Which elements of a column's cell an argument covers: all, one (by key or field), or a slice. */
type Part = (cell: SourceCell, ctx: BindContext) => number[] | 'cell';

/** A list<bigint> or list<int> that may hold nulls (an element without TTL). */
function serializeNullableList(values: Array<Buffer | null>): Buffer {
  const parts: Buffer[] = [encodeInt(values.length)];
  for (const v of values) parts.push(v === null ? encodeInt(-1) : Buffer.concat([encodeInt(v.length), v]));
  return Buffer.concat(parts);
}

interface TimeTarget {
  column: ReturnType<typeof lookupColumn>;
  name: string;
  /** Undefined: the whole column. */
  part?: Part;
  /** Whether the result is one value per element (a list). */
  perElement: boolean;
}

function timeTarget(table: TableDef, arg: Selector, fn: TimeFunction, markers: MarkerTypes): TimeTarget {
  const base = arg.kind === 'column' ? arg : (arg.kind === 'element' || arg.kind === 'slice' || arg.kind === 'field') && arg.selector.kind === 'column' ? arg.selector : undefined;
  if (!base) throw new InvalidRequestError(`Invalid arguments for ${fn}`);
  const column = lookupColumn(table, base.name);
  if (column.kind === 'partition_key' || column.kind === 'clustering') {
    throw new InvalidRequestError(`Cannot use selection function ${fn} on PRIMARY KEY part ${column.name}`);
  }
  const multi = isMultiCell(column.type);
  if (arg.kind === 'column') return { column, name: column.name, perElement: multi && fn !== 'maxwritetime' };
  const inner: Compiled = { name: column.name, type: column.type, columnsUsed: [column], evaluate: () => null };
  if (arg.kind === 'field') {
    const t = column.type;
    if (t.kind !== 'udt') throw new InvalidRequestError(`Invalid field selection: ${column.name} of type ${typeToCql(t)} is not a user type`);
    const idx = t.fieldNames.indexOf(arg.field);
    if (idx < 0) throw new InvalidRequestError(`${column.name} of type ${typeToCql(t)} has no field ${arg.field}`);
    const part: Part = (cell) => (cell.elements ? cell.elements.flatMap((e, i) => (e.field === idx ? [i] : [])) : 'cell');
    return { column, name: `${column.name}.${arg.field}`, part: multi ? part : undefined, perElement: false };
  }
  const t = requireSetOrMap(inner, arg.kind === 'element' ? 'Element' : 'Slice');
  if (arg.kind === 'element') {
    const key = keyTerm(table, inner, t, arg.key, markers);
    const part: Part = (cell, ctx) => { const k = bound(key, ctx); const i = k ? indexOf(t, cell.value, k) : -1; return i < 0 ? [] : multi ? [i] : 'cell'; };
    return { column, name: `${column.name}[${termText(arg.key)}]`, part, perElement: false };
  }
  if (arg.kind !== 'slice') throw new InvalidRequestError(`Invalid arguments for ${fn}`);
  const from = arg.from && keyTerm(table, inner, t, arg.from, markers);
  const to = arg.to && keyTerm(table, inner, t, arg.to, markers);
  const part: Part = (cell, ctx) => { const idx = sliceIndexes(t, cell.value, bound(from, ctx), bound(to, ctx)); return multi || idx.length === 0 ? idx : 'cell'; };
  return { column, name: `${column.name}[${arg.from ? termText(arg.from) : ''}..${arg.to ? termText(arg.to) : ''}]`, part, perElement: multi && fn !== 'maxwritetime' };
}

export function compileTimeFunction(table: TableDef, fn: TimeFunction, args: Selector[], markers: MarkerTypes): Compiled {
  if (args.length !== 1) throw new InvalidRequestError(`Invalid arguments for ${fn}`);
  const target = timeTarget(table, args[0]!, fn, markers);
  const scalarType = fn === 'ttl' ? T.int : T.bigint;
  const type: CqlType = target.perElement ? { kind: 'list', element: scalarType, frozen: false } : scalarType;
  const one = (ts: number, expiresAt: number | undefined, now: number): Buffer | null =>
    fn === 'ttl' ? (expiresAt === undefined ? null : encodeInt(Math.max(0, expiresAt - now))) : encodeBigint(ts);
  return {
    name: `${fn}(${target.name})`, type, columnsUsed: [target.column],
    evaluate: (row: SourceRow | undefined, ctx, now) => {
      const cell = row?.cells[target.column.name];
      if (!cell) return null;
      const sel = target.part ? target.part(cell, ctx) : cell.elements ? cell.elements.map((_e, i) => i) : 'cell';
      if (sel === 'cell') return one(cell.ts, cell.expiresAt, now);
      const picked = sel.map((i) => cell.elements![i]!);
      if (fn === 'maxwritetime') return picked.length === 0 ? null : encodeBigint(picked.reduce((m, e) => Math.max(m, e.ts), -Infinity));
      if (target.perElement) return serializeNullableList(picked.map((e) => one(e.ts, e.expiresAt, now)));
      return picked.length === 0 ? null : one(picked[0]!.ts, picked[0]!.expiresAt, now);
    },
  };
}
