// Runs a scenario against one server and records, per statement, what a client sees: columns with their types, typed
// rows, page sizes, warnings, or the error (driver class, protocol code, message). Then the schema it left behind.
import cassandra from 'cassandra-driver';
import type { Scenario, Statement } from './case-file.ts';
import { normalizeValue, typeName, type ColumnType } from './normalize.ts';

export interface Endpoint {
  name: 'cassandra' | 'sibyl';
  host: string;
  port: number;
}

export type Outcome =
  | { kind: 'rows'; columns: string[]; rows: unknown[][]; pages?: number[]; warnings: string[] }
  | { kind: 'void'; warnings: string[] }
  | { kind: 'error'; errorClass: string; code?: number; message: string };

export interface ScenarioRun {
  outcomes: Outcome[];
  /** system_schema table → rows for the scenario's keyspaces; plus 'describe' → DESCRIBE KEYSPACE output. */
  schema: Record<string, unknown[][]>;
}

export function newClient(e: Endpoint): cassandra.Client {
  return new cassandra.Client({
    contactPoints: [`${e.host}:${e.port}`],
    localDataCenter: 'datacenter1',
    // Sibyl speaks v4 only; the same protocol on both sides keeps the comparison about CQL.
    protocolOptions: { port: e.port, maxVersion: 4 },
    encoding: { map: Map, set: Set, useUndefinedAsUnset: true },
    socketOptions: { readTimeout: 30_000 },
    queryOptions: { consistency: cassandra.types.consistencies.one },
  });
}

interface Column { name: string; type: ColumnType }

function columnsOf(rs: cassandra.types.ResultSet): Column[] {
  return (rs.columns ?? []) as unknown as Column[];
}

function rowsOf(rs: cassandra.types.ResultSet, cols: Column[]): unknown[][] {
  return rs.rows.map((r) => cols.map((c, i) => normalizeValue(r.get(i), c.type)));
}

export function describeError(e: unknown): Outcome {
  const err = e as { name?: string; code?: number; message?: string; innerErrors?: Record<string, unknown> };
  let message = err.message ?? String(e);
  if (err.name === 'NoHostAvailableError' && err.innerErrors) {
    message = Object.values(err.innerErrors).map((x) => (x as Error).message).join('; ');
  }
  return { kind: 'error', errorClass: err.name ?? 'Error', ...(err.code !== undefined ? { code: err.code } : {}), message };
}

export async function runStatement(client: cassandra.Client, s: Statement, ks: string): Promise<Outcome> {
  const cql = s.cql.replaceAll('${ks}', ks);
  const opts: cassandra.QueryOptions = { prepare: s.params !== undefined, ...(s.pageSize ? { fetchSize: s.pageSize } : {}) };
  if (s.consistency !== undefined) opts.consistency = levelOf(s.consistency);
  if (s.serial !== undefined) opts.serialConsistency = levelOf(s.serial);
  try {
    let rs = await client.execute(cql, s.params ?? [], opts);
    const cols = columnsOf(rs);
    const warnings = [...(rs.info.warnings ?? [])];
    if (cols.length === 0 && rs.rows === undefined) return { kind: 'void', warnings };
    const rows = rowsOf(rs, cols);
    const pages = [rs.rows.length];
    // Bounded: a scenario's table never holds more than a few thousand rows.
    for (let i = 0; s.pageSize && rs.pageState && i < 10_000; i++) {
      rs = await client.execute(cql, s.params ?? [], { ...opts, pageState: rs.pageState });
      rows.push(...rowsOf(rs, cols));
      pages.push(rs.rows.length);
      warnings.push(...(rs.info.warnings ?? []));
    }
    return { kind: 'rows', columns: cols.map((c) => `${c.name} ${typeName(c.type)}`), rows, ...(s.pageSize ? { pages } : {}), warnings };
  } catch (e) {
    return describeError(e);
  }
}

const SCHEMA_TABLES: Record<string, string> = {
  keyspaces: 'keyspace_name, durable_writes, replication',
  tables: '*',
  columns: '*',
  types: '*',
  indexes: '*',
  dropped_columns: 'keyspace_name, table_name, column_name, type, kind',
};

/** Columns whose values are random per server (table ids) or clocks (drop times). */
const VOLATILE = new Set(['id', 'dropped_time']);

async function schemaRows(client: cassandra.Client, keyspaces: string[]): Promise<Record<string, unknown[][]>> {
  const out: Record<string, unknown[][]> = {};
  if (keyspaces.length === 0) return out;
  const inList = keyspaces.map((k) => `'${k}'`).join(', ');
  for (const [table, select] of Object.entries(SCHEMA_TABLES)) {
    try {
      const rs = await client.execute(`SELECT ${select} FROM system_schema.${table} WHERE keyspace_name IN (${inList})`);
      const cols = columnsOf(rs).filter((c) => !VOLATILE.has(c.name));
      out[table] = [cols.map((c) => c.name), ...rs.rows.map((r) => cols.map((c) => normalizeValue(r.get(c.name), c.type)))];
    } catch (e) {
      out[table] = [[JSON.stringify(describeError(e))]];
    }
  }
  for (const k of keyspaces) {
    const o = await runStatement(client, { no: 0, line: 0, cql: `DESCRIBE KEYSPACE ${k}`, unordered: false, shapeOnly: false }, k);
    out[`describe ${k}`] = o.kind === 'rows' ? o.rows.map((r) => [r[r.length - 1]]) : [[JSON.stringify(o)]];
  }
  return out;
}

async function scenarioKeyspaces(client: cassandra.Client, ks: string): Promise<string[]> {
  const rs = await client.execute('SELECT keyspace_name FROM system_schema.keyspaces');
  return rs.rows.map((r) => String(r.get(0))).filter((k) => k === ks || k.startsWith(`${ks}_`)).sort();
}

/** A consistency level by its CQL name (`LOCAL_SERIAL`), as a scenario's directive names it. */
function levelOf(name: string): number {
  const key = name.toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase()) as keyof typeof cassandra.types.consistencies;
  const level = cassandra.types.consistencies[key];
  if (level === undefined) throw new Error(`unknown consistency level ${name}`);
  return level;
}

/** Runs `sc` in the fresh keyspace `ks` (created and dropped here, with any `${ks}_…` keyspace the scenario made). */
export async function runScenario(e: Endpoint, sc: Scenario, ks: string): Promise<ScenarioRun> {
  const client = newClient(e);
  try {
    await client.connect();
    for (const k of await scenarioKeyspaces(client, ks)) await client.execute(`DROP KEYSPACE IF EXISTS ${k}`);
    await client.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await client.execute(`USE ${ks}`);
    const outcomes: Outcome[] = [];
    for (const s of sc.statements) outcomes.push(await runStatement(client, s, ks));
    const created = await scenarioKeyspaces(client, ks);
    const schema = await schemaRows(client, created);
    for (const k of created) await client.execute(`DROP KEYSPACE IF EXISTS ${k}`);
    return { outcomes, schema };
  } finally {
    await client.shutdown().catch(() => {});
  }
}
