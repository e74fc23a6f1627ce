// cassandra-stress's `user profile=FILE.yaml ops(insert=1,q1=3)`: the profile's keyspace and table definitions, its
// columnspec (value size, population and per-partition cluster distributions), `insert` (rows of one partition per
// operation, batched), and named `queries` whose `?` markers are bound from a generated row (`fields: samerow`) or
// from random rows of the partition (`multirow`). Values are a pure function of (partition seed, row, column), so a
// query finds what an insert wrote. Supported subset: one partition per insert; native and collection column types.
import YAML from 'yaml';
import { parseStatement } from '../../cql/parser.ts';
import type { CreateTableStatement, Relation, Term } from '../../model/ast.ts';
import type { TypeRef } from '../../model/types.ts';
import type { StressSettings } from './args.ts';
import { parseDistribution, sampler, StressArgsError, weightedPicker, type DistributionSpec, type Random } from './distribution.ts';
import { driverLib } from './lazy.ts';
import { keyspaceCql, quoteIdent, seedSource, type OperationSpec, type Workload } from './workload.ts';

interface ColumnSpec {
  size: DistributionSpec;
  population: DistributionSpec;
  cluster: DistributionSpec;
}

interface Column {
  name: string;
  type: TypeRef;
  kind: 'partition' | 'clustering' | 'regular';
  spec: ColumnSpec;
}

const DEFAULT_SPEC: ColumnSpec = {
  size: { kind: 'uniform', min: 4, max: 8 },
  population: { kind: 'uniform', min: 1, max: 100_000_000_000 },
  cluster: { kind: 'fixed', value: 1 },
};

/** A 32-bit mix of integers (murmur3's finaliser), for deterministic values. */
export function mix(...xs: number[]): number {
  let h = 0x9747b28c;
  for (const x of xs) {
    h ^= Math.imul((x | 0) ^ Math.floor(x / 2 ** 32), 0xcc9e2d51);
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function bytes(n: number, h: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = mix(h, i) & 0xff;
  return b;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A driver value of CQL type `t` for the value index `v`, `size` long where the type has a length. */
export function typedValue(t: TypeRef, v: number, size: number): unknown {
  const { types } = driverLib();
  if (t.kind === 'list' || t.kind === 'set') return Array.from({ length: 1 + (v % 3) }, (_, i) => typedValue(t.element, mix(v, i), size));
  if (t.kind === 'map') return Object.fromEntries(Array.from({ length: 1 + (v % 3) }, (_, i) => [String(typedValue(t.key, mix(v, i), size)), typedValue(t.value, mix(v, i, 1), size)]));
  if (t.kind !== 'native') throw new StressArgsError(`user profiles: ${t.kind} columns are not supported`);
  switch (t.name) {
    case 'text': case 'ascii':
      return Array.from({ length: size }, (_, i) => ALPHABET[mix(v, i) % ALPHABET.length]).join('');
    case 'blob': return bytes(size, v);
    case 'int': return v | 0;
    case 'smallint': return ((v % 65536) - 32768);
    case 'tinyint': return ((v % 256) - 128);
    case 'bigint': case 'counter': return types.Long.fromNumber(v);
    case 'varint': return types.Integer.fromNumber(v);
    case 'float': case 'double': return v / 7;
    case 'decimal': return types.BigDecimal.fromNumber(v / 8);
    case 'boolean': return (v & 1) === 1;
    case 'uuid': return new types.Uuid(bytes(16, v));
    case 'timeuuid': return types.TimeUuid.fromDate(new Date(1_500_000_000_000 + (v % 2 ** 31) * 1000), v % 10000, bytes(6, v), bytes(2, v + 1));
    case 'timestamp': return new Date(1_500_000_000_000 + (v % 2 ** 31) * 1000);
    case 'date': return types.LocalDate.fromDate(new Date(1_500_000_000_000 + (v % 100_000) * 86_400_000));
    case 'time': return types.LocalTime.fromMilliseconds(v % 86_400_000);
    case 'inet': return new types.InetAddress(bytes(4, v));
    case 'duration': return new types.Duration(v % 12, v % 28, types.Long.fromNumber(v % 1e9));
    default: throw new StressArgsError(`user profiles: ${JSON.stringify(t)} columns are not supported`);
  }
}

function columnSpecs(raw: unknown): Map<string, ColumnSpec> {
  const out = new Map<string, ColumnSpec>();
  if (raw === undefined || raw === null) return out;
  if (!Array.isArray(raw)) throw new StressArgsError('profile: columnspec must be a list');
  for (const entry of raw as Array<Record<string, unknown>>) {
    const name = String(entry['name'] ?? '');
    if (name === '') throw new StressArgsError('profile: every columnspec entry needs a name');
    const dist = (k: string, d: DistributionSpec): DistributionSpec => (entry[k] === undefined ? d : parseDistribution(String(entry[k]), `columnspec ${name} ${k}`));
    out.set(name.toLowerCase(), { size: dist('size', DEFAULT_SPEC.size), population: dist('population', DEFAULT_SPEC.population), cluster: dist('cluster', DEFAULT_SPEC.cluster) });
  }
  return out;
}

function tableColumns(def: CreateTableStatement, specs: Map<string, ColumnSpec>): Column[] {
  const kind = (n: string): Column['kind'] => (def.partitionKey.includes(n) ? 'partition' : def.clusteringColumns.includes(n) ? 'clustering' : 'regular');
  const cols = def.columns.map((c) => ({ name: c.name, type: c.type, kind: kind(c.name), spec: specs.get(c.name.toLowerCase()) ?? DEFAULT_SPEC }));
  const order = (c: Column): number => (c.kind === 'partition' ? def.partitionKey.indexOf(c.name) : c.kind === 'clustering' ? 100 + def.clusteringColumns.indexOf(c.name) : 1000);
  return cols.sort((a, b) => order(a) - order(b));
}

/** `fixed(1)/1`, `uniform(1..10)/10`: the share of a partition's rows one insert writes. */
function selectRatio(text: string | undefined): (r: Random) => number {
  if (text === undefined) return () => 1;
  const m = /^(.*\))\s*\/\s*(\d+)$/.exec(text.trim());
  if (m === null) throw new StressArgsError(`profile: insert.select must look like fixed(1)/1 or uniform(1..10)/10, got "${text}"`);
  const d = parseDistribution(m[1]!, 'insert.select');
  const denominator = Number(m[2]);
  return (r) => Math.min(1, sampler(d, r).next() / denominator);
}

class Generator {
  constructor(private readonly cols: Column[], private readonly random: Random) {}

  /** Rows of a partition: the product of its clustering columns' cluster counts, drawn per partition, capped. */
  rowsIn(seed: number): number {
    let rows = 1;
    for (const c of this.cols) if (c.kind === 'clustering') rows *= Math.max(1, sampleAt(c.spec.cluster, mix(seed, 7)));
    return Math.min(rows, 10_000);
  }

  value(c: Column, seed: number, row: number): unknown {
    const pop = c.spec.population;
    const lo = pop.kind === 'fixed' ? pop.value : pop.min;
    const span = pop.kind === 'fixed' ? 1 : pop.max - pop.min + 1;
    // Partition key columns follow the partition seed; clustering columns the row; regular columns both.
    const base = c.kind === 'partition' ? mix(seed, c.name.length) : c.kind === 'clustering' ? mix(seed, row, c.name.length) : mix(seed, row, c.name.length, 3);
    const v = lo + (c.kind === 'partition' ? (seed + base) % span : base % span);
    return typedValue(c.type, v, Math.max(0, sampleAt(c.spec.size, v)));
  }

  randomRow(seed: number): number {
    return Math.floor(this.random() * this.rowsIn(seed));
  }
}

/** A deterministic draw from `d` for the value `v` (sizes and cluster counts must repeat for the same value). */
function sampleAt(d: DistributionSpec, v: number): number {
  let x = v;
  return sampler(d, () => ((x = mix(x, 1)) / 2 ** 32)).next();
}

function markerColumns(cql: string): Array<string | undefined> {
  const parsed = parseStatement(cql);
  const cols: Array<string | undefined> = parsed.bindMarkers.map(() => undefined);
  const note = (t: Term, column: string): void => {
    if (t.kind === 'bind') cols[t.index] = column;
    if (t.kind === 'list' || t.kind === 'tuple') for (const e of t.elements) note(e, column);
  };
  const s = parsed.statement;
  const where: Relation[] = s.kind !== 'create_view' && 'where' in s && Array.isArray(s.where) ? s.where : [];
  for (const r of where) if (r.lhs.kind === 'column') note(r.rhs, r.lhs.name);
  if (s.kind === 'update') for (const a of s.assignments) if (a.kind === 'set') note(a.value, a.column);
  if (s.kind === 'insert') s.columns.forEach((c, i) => note(s.values[i]!, c));
  return cols;
}

function queryOp(name: string, q: Record<string, unknown>, cols: Column[], gen: Generator): OperationSpec {
  const cql = String(q['cql'] ?? '');
  if (cql === '') throw new StressArgsError(`profile: query ${name} has no cql`);
  const markers = markerColumns(cql).map((m, i) => {
    const c = cols.find((x) => x.name === m);
    if (c === undefined) throw new StressArgsError(`profile: query ${name}: cannot tell which column bind marker ${i + 1} is for`);
    return c;
  });
  const multirow = String(q['fields'] ?? 'samerow').toLowerCase() === 'multirow';
  const isRead = /^\s*select\b/i.test(cql);
  return {
    type: name, cql, isRead,
    params: (seed) => {
      const row = gen.randomRow(seed);
      return markers.map((c) => gen.value(c, seed, multirow ? gen.randomRow(seed) : row));
    },
  };
}

function insertOp(table: string, cols: Column[], gen: Generator, insert: Record<string, unknown>, random: Random): OperationSpec {
  const partitions = insert['partitions'] === undefined ? undefined : parseDistribution(String(insert['partitions']), 'insert.partitions');
  if (partitions !== undefined && !(partitions.kind === 'fixed' && partitions.value === 1)) throw new StressArgsError('profile: only insert.partitions: fixed(1) is supported');
  const ratio = selectRatio(insert['select'] === undefined ? undefined : String(insert['select']));
  const batchType = String(insert['batchtype'] ?? 'UNLOGGED').toUpperCase() === 'LOGGED' ? 'LOGGED' : 'UNLOGGED';
  const cql = `INSERT INTO ${table} (${cols.map((c) => quoteIdent(c.name)).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
  const rowsOf = (seed: number): unknown[][] => {
    const total = gen.rowsIn(seed);
    const n = Math.max(1, Math.round(total * ratio(random)));
    const start = n === total ? 0 : Math.floor(random() * (total - n + 1));
    return Array.from({ length: n }, (_, i) => cols.map((c) => gen.value(c, seed, start + i)));
  };
  const single = cols.every((c) => c.kind !== 'clustering' || c.spec.cluster.kind === 'fixed' && c.spec.cluster.value === 1);
  if (single) return { type: 'insert', cql, isRead: false, params: (seed) => rowsOf(seed)[0]! };
  return { type: 'insert', cql, isRead: false, params: (seed) => [seed], batch: { type: batchType, rows: rowsOf } };
}

/** Parses the profile once; the returned factory builds a workload per run (fresh seeds). */
export function loadProfile(text: string, s: StressSettings): (random: Random) => Workload {
  const doc = YAML.parse(text) as Record<string, unknown> | null;
  if (doc === null || typeof doc !== 'object') throw new StressArgsError('profile: the file must be a YAML mapping');
  const keyspace = String(doc['keyspace'] ?? '');
  const table = String(doc['table'] ?? '');
  if (keyspace === '' || table === '') throw new StressArgsError('profile: keyspace and table are required');
  const tableDef = String(doc['table_definition'] ?? '');
  const parsed = parseStatement(tableDef).statement;
  if (parsed.kind !== 'create_table') throw new StressArgsError('profile: table_definition must be a CREATE TABLE statement');
  const ksDef = doc['keyspace_definition'] === undefined ? keyspaceCql({ ...s.schema, keyspace }) : String(doc['keyspace_definition']);
  const qualified = `${quoteIdent(keyspace)}.${quoteIdent(table)}`;
  const tableCql = tableDef.replace(/^\s*create\s+table\s+(if\s+not\s+exists\s+)?("[^"]+"|[\w.]+)/i, `CREATE TABLE IF NOT EXISTS ${qualified}`);
  const ddl = [ksDef.replace(/^\s*create\s+keyspace\s+(?!if\s+not\s+exists)/i, 'CREATE KEYSPACE IF NOT EXISTS '), tableCql];
  const cols = tableColumns(parsed, columnSpecs(doc['columnspec']));
  const queries = (doc['queries'] ?? {}) as Record<string, Record<string, unknown>>;
  for (const name of s.command.ratio.keys()) {
    if (name !== 'insert' && !(name in queries)) throw new StressArgsError(`profile: ops(${name}=…) names no query (queries: ${Object.keys(queries).join(', ') || 'none'})`);
  }
  return (random) => {
    const gen = new Generator(cols, random);
    const ops = new Map<string, OperationSpec>();
    for (const name of s.command.ratio.keys()) {
      ops.set(name, name === 'insert' ? insertOp(qualified, cols, gen, (doc['insert'] ?? {}) as Record<string, unknown>, random) : queryOp(name, queries[name]!, cols, gen));
    }
    const pick = weightedPicker(new Map([...s.command.ratio].map(([k, w]) => [ops.get(k)!, w])), random);
    const description = [...s.command.ratio].map(([k, w]) => `${k}=${w}`).join(', ');
    return { schema: [...ddl, `USE ${quoteIdent(keyspace)}`], tables: [quoteIdent(table)], keyspace, ops, nextOp: pick, nextSeed: seedSource(s.population, random), description: `[${description}]` };
  };
}
