// Random tables, data and SELECTs for the paging property test (paging-property.test.ts): table shapes with 1–2
// partition key columns, 0–3 clustering columns (ASC or DESC), sometimes a static column; data written as a sequence of
// inserts and deletions (rows, static rows, row, prefix and partition deletions); and queries over every paging path
// (scans, token ranges, key lists with = and IN, clustering slices and IN, tuple slices, ORDER BY, DISTINCT, PER
// PARTITION LIMIT, LIMIT, ALLOW FILTERING), following Cassandra's rules for ALLOW FILTERING, ORDER BY and DISTINCT.
import fc from 'fast-check';
import { types } from 'cassandra-driver';

export interface Shape {
  pk: Array<'int' | 'text'>;
  /** One entry per clustering column: true for DESC. */
  clustering: boolean[];
  hasStatic: boolean;
  regulars: number;
}

type Value = number | string;

export type Op =
  | { kind: 'row'; pk: Value[]; ck: number[]; vals: Array<number | null> }
  | { kind: 'static'; pk: Value[]; val: number }
  | { kind: 'deleteRow'; pk: Value[]; ck: number[] }
  | { kind: 'deletePrefix'; pk: Value[]; c0: number }
  | { kind: 'deletePartition'; pk: Value[] };

type PkRestriction = { eq: Value } | { in: Value[] };
type Bound = { value: number; inclusive: boolean };

type CkRestriction =
  | { kind: 'range'; lower?: Bound; upper?: Bound }
  | { kind: 'in'; values: number[] }
  | { kind: 'eqRange'; c0: number; lower?: Bound; upper?: Bound }
  | { kind: 'inRange'; c0s: number[]; lower?: Bound; upper?: Bound }
  | { kind: 'tuple'; lower?: { values: [number, number]; inclusive: boolean }; upper?: { values: [number, number]; inclusive: boolean } }
  | { kind: 'nonPrefix'; value: number };

export interface Query {
  kind: 'scan' | 'keys' | 'distinct';
  pk?: PkRestriction[];
  token?: { lower?: { value: bigint; inclusive: boolean }; upper?: { value: bigint; inclusive: boolean } };
  ck?: CkRestriction;
  filter?: { op: '=' | '>' | '<='; value: number };
  orderDesc?: boolean;
  perPartitionLimit?: number;
  limit?: number;
  pageSizes: number[];
}

// Small domains, so that partitions hold several rows and slices and IN lists hit them.
const CK_VALUES = fc.integer({ min: 0, max: 4 });

/** `arb` in `percent`% of the cases, else undefined (fc.option's nil frequency cannot go above one half). */
function sometimes<T>(arb: fc.Arbitrary<T>, percent: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 100 - percent, arbitrary: fc.constant(undefined) }, { weight: percent, arbitrary: arb });
}
const REGULAR = fc.integer({ min: 0, max: 9 });

export const shapeArb: fc.Arbitrary<Shape> = fc.record({
  pk: fc.array(fc.constantFrom<'int' | 'text'>('int', 'text'), { minLength: 1, maxLength: 2 }),
  clustering: fc.array(fc.boolean(), { minLength: 0, maxLength: 3 }),
  hasStatic: fc.boolean(),
  regulars: fc.integer({ min: 1, max: 2 }),
}).map((s) => ({ ...s, hasStatic: s.hasStatic && s.clustering.length > 0 }));

function pkArb(shape: Shape): fc.Arbitrary<Value[]> {
  return fc.tuple(...shape.pk.map((t) => (t === 'int' ? fc.integer({ min: 0, max: 2 }) : fc.constantFrom('a', 'b'))));
}

function ckArb(shape: Shape): fc.Arbitrary<number[]> {
  return fc.array(CK_VALUES, { minLength: shape.clustering.length, maxLength: shape.clustering.length });
}

export function opsArb(shape: Shape): fc.Arbitrary<Op[]> {
  const pk = pkArb(shape);
  const row = fc.record({ kind: fc.constant('row' as const), pk, ck: ckArb(shape), vals: fc.array(fc.option(REGULAR, { nil: null }), { minLength: shape.regulars, maxLength: shape.regulars }) });
  const choices: Array<fc.WeightedArbitrary<Op>> = [
    { weight: 12, arbitrary: row },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('deletePartition' as const), pk }) },
  ];
  if (shape.clustering.length > 0) {
    choices.push({ weight: 2, arbitrary: fc.record({ kind: fc.constant('deleteRow' as const), pk, ck: ckArb(shape) }) });
    choices.push({ weight: 1, arbitrary: fc.record({ kind: fc.constant('deletePrefix' as const), pk, c0: CK_VALUES }) });
  }
  if (shape.hasStatic) choices.push({ weight: 3, arbitrary: fc.record({ kind: fc.constant('static' as const), pk, val: REGULAR }) });
  return fc.array(fc.oneof(...choices), { minLength: 1, maxLength: 60, size: 'max' });
}

const boundArb: fc.Arbitrary<Bound | undefined> = sometimes(fc.record({ value: CK_VALUES, inclusive: fc.boolean() }), 60);
// Small pages mostly, so that results span several pages; sometimes larger ones, up to the drivers' default.
const pageSizeArb = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 3 }) },
  { weight: 3, arbitrary: fc.integer({ min: 4, max: 7 }) },
  { weight: 1, arbitrary: fc.constantFrom(10, 25, 5000) },
);
const tokenBound = sometimes(fc.record({ value: fc.bigInt(-(2n ** 63n) + 1n, 2n ** 63n - 1n), inclusive: fc.boolean() }), 50);

function ckRestrictionArb(shape: Shape): fc.Arbitrary<CkRestriction | undefined> {
  const n = shape.clustering.length;
  if (n === 0) return fc.constant(undefined);
  const options: Array<fc.Arbitrary<CkRestriction | undefined>> = [
    fc.constant(undefined),
    fc.record({ kind: fc.constant('range' as const), lower: boundArb, upper: boundArb }),
    fc.record({ kind: fc.constant('in' as const), values: fc.uniqueArray(CK_VALUES, { maxLength: 3 }) }),
  ];
  if (n >= 2) {
    const pair = fc.tuple(CK_VALUES, CK_VALUES);
    const tupleBound = sometimes(fc.record({ values: pair, inclusive: fc.boolean() }), 60);
    options.push(
      fc.record({ kind: fc.constant('eqRange' as const), c0: CK_VALUES, lower: boundArb, upper: boundArb }),
      fc.record({ kind: fc.constant('inRange' as const), c0s: fc.uniqueArray(CK_VALUES, { minLength: 1, maxLength: 3 }), lower: boundArb, upper: boundArb }),
      fc.record({ kind: fc.constant('tuple' as const), lower: tupleBound, upper: tupleBound }),
      fc.record({ kind: fc.constant('nonPrefix' as const), value: CK_VALUES }),
    );
  }
  return fc.oneof(...options);
}

export function queryArb(shape: Shape): fc.Arbitrary<Query> {
  // Mostly keys that hold data, sometimes one that does not.
  const pkValue = (t: 'int' | 'text'): fc.Arbitrary<Value> => (t === 'int' ? fc.integer({ min: 0, max: 3 }) : fc.constantFrom('a', 'b', 'c'));
  const pkRestriction = fc.tuple(...shape.pk.map((t) => fc.oneof(
    { weight: 2, arbitrary: pkValue(t).map((eq): PkRestriction => ({ eq })) },
    { weight: 1, arbitrary: fc.uniqueArray(pkValue(t), { maxLength: 4 }).map((v): PkRestriction => ({ in: v })) },
  )));
  const common = {
    limit: sometimes(fc.integer({ min: 1, max: 20 }), 25),
    pageSizes: fc.array(pageSizeArb, { minLength: 1, maxLength: 3 }),
  };
  const filtered = {
    ck: ckRestrictionArb(shape),
    filter: sometimes(fc.record({ op: fc.constantFrom<'=' | '>' | '<='>('=', '>', '<='), value: REGULAR }), 20),
    perPartitionLimit: sometimes(fc.integer({ min: 1, max: 3 }), 20),
  };
  const token = fc.record({ lower: tokenBound, upper: tokenBound });
  const scan = fc.record({ kind: fc.constant('scan' as const), token: sometimes(token, 30), ...filtered, ...common });
  const keys = fc.record({
    kind: fc.constant('keys' as const),
    pk: pkRestriction,
    orderDesc: sometimes(fc.boolean(), 40),
    ...filtered,
    ...common,
  }).map((q) => {
    // ORDER BY needs a clustering column, and with IN on the partition key it cannot be paged.
    const hasIn = q.pk.some((r) => 'in' in r);
    return shape.clustering.length === 0 || hasIn ? { ...q, orderDesc: undefined } : q;
  });
  const distinct = fc.record({
    kind: fc.constant('distinct' as const),
    pk: sometimes(pkRestriction, 50),
    token: sometimes(token, 30),
    ...common,
  }).map((q) => (q.pk ? { ...q, token: undefined } : { ...q, pk: undefined }));
  return fc.oneof({ weight: 3, arbitrary: scan }, { weight: 4, arbitrary: keys }, { weight: 1, arbitrary: distinct });
}

/** Column names: k0, k1 (partition key), c0..c2 (clustering), s (static), r0, r1 (regular). */
export function createTable(name: string, shape: Shape): string {
  const cols = [
    ...shape.pk.map((t, i) => `k${i} ${t}`),
    ...shape.clustering.map((_, i) => `c${i} int`),
    ...(shape.hasStatic ? ['s int static'] : []),
    ...Array.from({ length: shape.regulars }, (_, i) => `r${i} int`),
  ];
  const pk = `(${shape.pk.map((_, i) => `k${i}`).join(', ')})`;
  const key = [pk, ...shape.clustering.map((_, i) => `c${i}`)].join(', ');
  const order = shape.clustering.length > 0 ? ` WITH CLUSTERING ORDER BY (${shape.clustering.map((d, i) => `c${i} ${d ? 'DESC' : 'ASC'}`).join(', ')})` : '';
  return `CREATE TABLE ${name} (${cols.join(', ')}, PRIMARY KEY (${key}))${order}`;
}

export interface Statement {
  cql: string;
  params: unknown[];
}

function pkWhere(pk: Value[]): Statement {
  return { cql: pk.map((_, i) => `k${i} = ?`).join(' AND '), params: pk };
}

export function opStatement(table: string, op: Op): Statement {
  const key = pkWhere(op.pk);
  switch (op.kind) {
    case 'row': {
      const cols = [...op.pk.map((_, i) => `k${i}`), ...op.ck.map((_, i) => `c${i}`), ...op.vals.map((_, i) => `r${i}`)];
      return { cql: `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`, params: [...op.pk, ...op.ck, ...op.vals] };
    }
    case 'static': {
      const cols = [...op.pk.map((_, i) => `k${i}`), 's'];
      return { cql: `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`, params: [...op.pk, op.val] };
    }
    case 'deleteRow':
      return { cql: `DELETE FROM ${table} WHERE ${key.cql} AND ${op.ck.map((_, i) => `c${i} = ?`).join(' AND ')}`, params: [...key.params, ...op.ck] };
    case 'deletePrefix':
      return { cql: `DELETE FROM ${table} WHERE ${key.cql} AND c0 = ?`, params: [...key.params, op.c0] };
    case 'deletePartition':
      return { cql: `DELETE FROM ${table} WHERE ${key.cql}`, params: key.params };
  }
}

function bound(col: string, b: Bound | undefined, lower: boolean, out: Statement): void {
  if (!b) return;
  out.cql += ` AND ${col} ${lower ? '>' : '<'}${b.inclusive ? '=' : ''} ?`;
  out.params.push(b.value);
}

function list(values: unknown[], out: Statement): string {
  out.params.push(...values);
  return `(${values.map(() => '?').join(', ')})`;
}

function ckWhere(ck: CkRestriction, out: Statement): void {
  switch (ck.kind) {
    case 'range':
      bound('c0', ck.lower, true, out);
      bound('c0', ck.upper, false, out);
      return;
    case 'in':
      out.cql += ` AND c0 IN ${list(ck.values, out)}`;
      return;
    case 'eqRange':
    case 'inRange':
      if (ck.kind === 'eqRange') {
        out.cql += ' AND c0 = ?';
        out.params.push(ck.c0);
      } else out.cql += ` AND c0 IN ${list(ck.c0s, out)}`;
      bound('c1', ck.lower, true, out);
      bound('c1', ck.upper, false, out);
      return;
    case 'tuple':
      for (const [b, op] of [[ck.lower, '>'], [ck.upper, '<']] as const) {
        if (!b) continue;
        out.cql += ` AND (c0, c1) ${op}${b.inclusive ? '=' : ''} (?, ?)`;
        out.params.push(...b.values);
      }
      return;
    case 'nonPrefix':
      out.cql += ' AND c1 = ?';
      out.params.push(ck.value);
  }
}

/** The query as CQL with bind markers; values for prepared execution. */
export function queryStatement(table: string, shape: Shape, q: Query): Statement {
  const keyCols = shape.pk.map((_, i) => `k${i}`);
  const select = q.kind === 'distinct' ? `SELECT DISTINCT ${[...keyCols, ...(shape.hasStatic ? ['s'] : [])].join(', ')}` : 'SELECT *';
  // Every relation is written as `AND …`; the leading one is cut below.
  const out: Statement = { cql: '', params: [] };
  q.pk?.forEach((r, i) => {
    if ('eq' in r) {
      out.cql += ` AND k${i} = ?`;
      out.params.push(r.eq);
    } else out.cql += ` AND k${i} IN ${list(r.in, out)}`;
  });
  for (const [b, op] of [[q.token?.lower, '>'], [q.token?.upper, '<']] as const) {
    if (!b) continue;
    out.cql += ` AND token(${keyCols.join(', ')}) ${op}${b.inclusive ? '=' : ''} ?`;
    out.params.push(types.Long.fromString(b.value.toString()));
  }
  if (q.ck) ckWhere(q.ck, out);
  if (q.filter) {
    out.cql += ` AND r0 ${q.filter.op} ?`;
    out.params.push(q.filter.value);
  }
  let cql = `${select} FROM ${table}${out.cql ? ` WHERE ${out.cql.slice(' AND '.length)}` : ''}`;
  if (q.orderDesc !== undefined) cql += ` ORDER BY c0 ${q.orderDesc ? 'DESC' : 'ASC'}`;
  if (q.perPartitionLimit !== undefined) cql += ` PER PARTITION LIMIT ${q.perPartitionLimit}`;
  if (q.limit !== undefined) cql += ` LIMIT ${q.limit}`;
  // Clustering restrictions without the whole partition key, non-prefix clustering relations and regular-column
  // relations all need ALLOW FILTERING in Cassandra; it is harmless elsewhere.
  const needsFiltering = q.filter !== undefined || q.ck?.kind === 'nonPrefix' || (q.ck !== undefined && q.kind === 'scan');
  if (needsFiltering) cql += ' ALLOW FILTERING';
  return { cql, params: out.params };
}
