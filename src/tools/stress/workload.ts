// The operations a stress run sends. cassandra-stress's predefined workloads — `write`/`read` on
// keyspace1.standard1 (key blob, "C0".."C4" blob), `counter_write`/`counter_read` on counter1, `mixed` picking
// between write and read by ratio — and (profile.ts) the `user` mode's profile operations share one shape: an
// operation type, its CQL, and a function from a seed (the population's key index) to its bound values. Pure.
import type { StressSettings } from './args.ts';
import { sampler, seededRandom, weightedPicker, type Random, type Sampler } from './distribution.ts';
import { driverLib } from './lazy.ts';

export interface OperationSpec {
  /** The name printed in the report: WRITE, READ, COUNTER_WRITE, COUNTER_READ, or the profile's operation name. */
  readonly type: string;
  readonly cql: string;
  /** Values for the seed's statement, in marker order. */
  params(seed: number): unknown[];
  /** Reads count the rows they return; writes count the rows they write. */
  readonly isRead: boolean;
  /** A multi-row insert (user profiles): one parameter list per row, sent as one batch of `cql`. */
  readonly batch?: { readonly type: 'LOGGED' | 'UNLOGGED'; rows(seed: number): unknown[][] };
}

export interface Workload {
  /** DDL run before the workload (IF NOT EXISTS, so a second run reuses the data). */
  readonly schema: readonly string[];
  readonly tables: readonly string[];
  readonly keyspace: string;
  readonly ops: ReadonlyMap<string, OperationSpec>;
  /** Chooses the next operation (by ratio for mixed/user). */
  nextOp(): OperationSpec;
  /** The next seed; undefined once a `-pop seq=… no-wrap` range is used up. */
  nextSeed(): number | undefined;
  /** A short description for "Running WRITE with 200 threads …". */
  readonly description: string;
}

/** `keyspace1` stays bare, anything that is not a plain lower-case identifier is quoted. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

const cqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export function keyspaceCql(s: StressSettings['schema']): string {
  const repl = [...s.replication].map(([k, v]) => `${cqlString(k)}: ${cqlString(v)}`).join(', ');
  return `CREATE KEYSPACE IF NOT EXISTS ${quoteIdent(s.keyspace)} WITH replication = {${repl}} AND durable_writes = true`;
}

function tableOptions(s: StressSettings['schema']): string {
  const parts = [s.compression !== undefined ? `compression = {'class': ${cqlString(s.compression)}}` : 'compression = {}'];
  if (s.compaction !== undefined) parts.push(`compaction = {${[...s.compaction].map(([k, v]) => `${cqlString(k)}: ${cqlString(v)}`).join(', ')}}`);
  return parts.join(' AND ');
}

/** cassandra-stress's key: 10 bytes for seed N, readable in cqlsh (zero-padded decimal, as bench/stress.ts does). */
export function keyFor(seed: number): Buffer {
  return Buffer.from(String(seed).padStart(10, '0').slice(-10), 'latin1');
}

/**
 * Column values: drawn from a pool of random buffers, picked by seed and column so a key's values repeat across
 * runs without paying for random bytes on every operation (the client must stay cheaper than the server).
 */
export function valuePool(random: Random, maxSize: number, count = 1024): Buffer[] {
  return Array.from({ length: count }, () => {
    const b = Buffer.allocUnsafe(maxSize);
    for (let i = 0; i < maxSize; i++) b[i] = Math.floor(random() * 256);
    return b;
  });
}

/** The seed source of `-pop`: SEQ walks (and may stop at the end with no-wrap), other distributions draw. */
export function seedSource(pop: StressSettings['population'], random: Random): () => number | undefined {
  const s: Sampler = sampler(pop.dist, random);
  if (pop.dist.kind !== 'seq' || pop.wrap) return () => s.next();
  let left = pop.dist.max - pop.dist.min + 1;
  return () => (left-- > 0 ? s.next() : undefined);
}

export function predefinedWorkload(settings: StressSettings, random: Random = seededRandom(Date.now())): Workload {
  const { schema, columns, command } = settings;
  const ks = quoteIdent(schema.keyspace);
  const cols = columns.names.map((n) => `"${n.replace(/"/g, '""')}"`);
  const counters = command.type === 'counter_write' || command.type === 'counter_read';
  const table = counters ? 'counter1' : 'standard1';
  const ddl = [
    keyspaceCql(schema),
    `CREATE TABLE IF NOT EXISTS ${ks}.${table} (key blob PRIMARY KEY, ${cols.map((c) => `${c} ${counters ? 'counter' : 'blob'}`).join(', ')}) WITH ${tableOptions(schema)}`,
  ];
  const size = sampler(columns.size, random);
  const pool = valuePool(random, Math.max(1, size.max));
  const value = (seed: number, col: number): Buffer => {
    const b = pool[(seed * columns.count + col) % pool.length]!;
    const n = size.min === size.max ? size.max : size.next();
    return n === b.length ? b : b.subarray(0, n);
  };
  const one = driverLib().types.Long.fromInt(1);
  const write: OperationSpec = {
    type: 'WRITE', isRead: false,
    cql: `INSERT INTO ${ks}.standard1 (key, ${cols.join(', ')}) VALUES (?, ${cols.map(() => '?').join(', ')})`,
    params: (seed) => [keyFor(seed), ...cols.map((_, i) => value(seed, i))],
  };
  const read: OperationSpec = {
    type: 'READ', isRead: true,
    cql: `SELECT ${cols.join(', ')} FROM ${ks}.standard1 WHERE key = ?`,
    params: (seed) => [keyFor(seed)],
  };
  const counterWrite: OperationSpec = {
    type: 'COUNTER_WRITE', isRead: false,
    cql: `UPDATE ${ks}.counter1 SET ${cols.map((c) => `${c} = ${c} + ?`).join(', ')} WHERE key = ?`,
    params: (seed) => [...cols.map(() => one), keyFor(seed)],
  };
  const counterRead: OperationSpec = {
    type: 'COUNTER_READ', isRead: true,
    cql: `SELECT ${cols.join(', ')} FROM ${ks}.counter1 WHERE key = ?`,
    params: (seed) => [keyFor(seed)],
  };
  const byType = { write: [write], read: [read], counter_write: [counterWrite], counter_read: [counterRead], mixed: [read, write], user: [] }[command.type];
  const ops = new Map(byType.map((o) => [o.type, o]));
  const pick = command.type === 'mixed' ? weightedPicker(new Map([...command.ratio].map(([k, w]) => [ops.get(k)!, w])), random) : () => byType[0]!;
  const description = command.type === 'mixed' ? `${[...command.ratio].map(([k, w]) => `${k}=${w}`).join(', ')}` : byType[0]!.type;
  return { schema: ddl, tables: [table], keyspace: schema.keyspace, ops, nextOp: pick, nextSeed: seedSource(settings.population, random), description };
}
