// The schema cqlsh needs on the client side (tab completion, COPY's column lists, column-name colours), read from
// system_schema on demand and dropped whenever a statement changes the schema, as the driver's metadata refresh does.
import { Consistency } from '../../model/errors.ts';
import type { CqlClient, RowsResult } from './client.ts';

export interface ColumnInfo {
  name: string;
  kind: 'partition_key' | 'clustering' | 'static' | 'regular';
  position: number;
  /** The type as system_schema spells it (`frozen<list<int>>`). */
  type: string;
}

/** Reads every page of a query whose result is small (schema and system tables). */
export async function fetchAll(client: CqlClient, cql: string, timeoutMs: number, values?: Buffer[]): Promise<RowsResult> {
  let pagingState: Buffer | undefined;
  let all: RowsResult | undefined;
  do {
    const { result } = await client.query(cql, { consistency: Consistency.ONE, pageSize: 5000, pagingState, values },
      timeoutMs);
    if (result.kind !== 'rows') throw new Error(`Unexpected ${result.kind} result for ${cql}`);
    all = all ? { ...all, rows: [...all.rows, ...result.rows] } : result;
    pagingState = result.pagingState;
  } while (pagingState);
  return all;
}

/** The rows of a result as records of text (every column read here is text or int). */
export function textRecords(r: RowsResult): Array<Record<string, string>> {
  return r.rows.map((row) => {
    const rec: Record<string, string> = {};
    r.columns.forEach((c, i) => {
      const v = row[i];
      if (v === null || v === undefined) return;
      rec[c.name] = c.type.kind === 'native' && c.type.name === 'int' && v.length === 4 ? String(v.readInt32BE(0))
        : v.toString('utf8');
    });
    return rec;
  });
}

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

export class SchemaCache {
  private keyspaceList?: Promise<string[]>;
  private readonly tableLists = new Map<string, Promise<string[]>>();
  private readonly columnLists = new Map<string, Promise<ColumnInfo[]>>();

  constructor(
    private readonly client: () => CqlClient,
    private readonly timeoutMs: number,
  ) {}

  invalidate(): void {
    this.keyspaceList = undefined;
    this.tableLists.clear();
    this.columnLists.clear();
  }

  keyspaces(): Promise<string[]> {
    this.keyspaceList ??= fetchAll(this.client(), 'SELECT keyspace_name FROM system_schema.keyspaces', this.timeoutMs)
      .then((r) => textRecords(r).map((x) => x['keyspace_name']!));
    return this.keyspaceList;
  }

  tables(keyspace: string): Promise<string[]> {
    let p = this.tableLists.get(keyspace);
    if (!p) {
      p = fetchAll(this.client(), 'SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', this.timeoutMs,
        [text(keyspace)]).then((r) => textRecords(r).map((x) => x['table_name']!));
      this.tableLists.set(keyspace, p);
    }
    return p;
  }

  /** Columns in the driver's TableMetadata order: partition key, clustering, then the rest by name. */
  columns(keyspace: string, table: string): Promise<ColumnInfo[]> {
    const key = `${keyspace}\0${table}`;
    let p = this.columnLists.get(key);
    if (!p) {
      p = fetchAll(this.client(),
        'SELECT column_name, kind, position, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?',
        this.timeoutMs, [text(keyspace), text(table)]).then((r) => sortColumns(textRecords(r).map((x) => ({
        name: x['column_name']!, kind: x['kind'] as ColumnInfo['kind'], position: Number(x['position'] ?? -1),
        type: x['type'] ?? '',
      }))));
      this.columnLists.set(key, p);
    }
    return p;
  }
}

const KIND_ORDER: Record<ColumnInfo['kind'], number> = { partition_key: 0, clustering: 1, static: 2, regular: 2 };

function sortColumns(cols: ColumnInfo[]): ColumnInfo[] {
  return [...cols].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.position - b.position
    || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

