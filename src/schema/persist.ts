// The schema as JSON-safe data (for the schema store and for shipping it between nodes) and the schema version:
// a digest of a canonical serialization, so identical schemas give identical versions on every node.
import { createHash } from 'node:crypto';
import type {
  ColumnDef, DroppedColumnDef, IndexDef, KeyspaceDef, Schema, TableDef, TableOptions, UserTypeDef, ViewDef,
} from './model.ts';
import { compareNames, nameUuid } from './table_build.ts';
import { parseReplication } from './replication.ts';
import { signatureKey, type UserAggregateDef, type UserFunctionDef } from './function-model.ts';

interface SerializedTable {
  keyspace: string;
  name: string;
  id: string;
  partitionKey: ColumnDef[];
  clustering: ColumnDef[];
  regular: ColumnDef[];
  options: TableOptions;
  version: number;
  virtual?: boolean;
  dropped?: DroppedColumnDef[];
  indexes?: IndexDef[];
  view?: ViewDef;
}

interface SerializedKeyspace {
  name: string;
  durableWrites: boolean;
  replication: Record<string, string>;
  tables: SerializedTable[];
  types: UserTypeDef[];
  functions?: UserFunctionDef[];
  aggregates?: UserAggregateDef[];
}

export interface SerializedSchema {
  format: 1;
  version: string;
  keyspaces: SerializedKeyspace[];
}

const byName = <T extends { name: string }>(xs: Iterable<T>): T[] => [...xs].sort((a, b) => compareNames(a.name, b.name));

function serializeTable(t: TableDef): SerializedTable {
  const out: SerializedTable = {
    keyspace: t.keyspace,
    name: t.name,
    id: t.id,
    partitionKey: t.partitionKey,
    clustering: t.clustering,
    regular: t.regular,
    options: t.options,
    version: t.version,
  };
  if (t.virtual) out.virtual = true;
  if (t.dropped !== undefined && t.dropped.size > 0) out.dropped = byName(t.dropped.values());
  // Only when there are some: the schema version of a table without indexes stays what it was before indexes existed.
  if (t.indexes !== undefined && t.indexes.length > 0) out.indexes = t.indexes;
  if (t.view !== undefined) out.view = t.view;
  return out;
}

export function serializeSchema(schema: Schema): SerializedSchema {
  return {
    format: 1,
    version: schema.version,
    keyspaces: byName(schema.keyspaces.values()).map((ks) => ({
      name: ks.name,
      durableWrites: ks.durableWrites,
      replication: ks.replication,
      tables: byName(ks.tables.values()).map(serializeTable),
      types: byName(ks.types.values()),
      // Only when there are some, so that the version of a schema without functions is what it was before them.
      ...(ks.functions && ks.functions.size > 0 ? { functions: bySignature(ks.functions) } : {}),
      ...(ks.aggregates && ks.aggregates.size > 0 ? { aggregates: bySignature(ks.aggregates) } : {}),
    })),
  };
}

function bySignature<T>(defs: ReadonlyMap<string, T>): T[] {
  return [...defs.entries()].sort(([a], [b]) => compareNames(a, b)).map(([, d]) => d);
}

function fail(what: string): never {
  throw new Error(`invalid serialized schema: ${what}`);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function arrayOf<T>(x: unknown, what: string): T[] {
  if (!Array.isArray(x)) fail(`${what} is not an array`);
  return x as T[];
}

export function deserializeSchema(x: unknown): Schema {
  if (!isObject(x) || x.format !== 1 || typeof x.version !== 'string') fail('bad header');
  const keyspaces = new Map<string, KeyspaceDef>();
  for (const k of arrayOf<unknown>(x.keyspaces, 'keyspaces')) {
    if (!isObject(k) || typeof k.name !== 'string' || typeof k.durableWrites !== 'boolean' || !isObject(k.replication)) {
      fail('bad keyspace');
    }
    const tables = new Map<string, TableDef>();
    for (const t of arrayOf<SerializedTable>(k.tables, `tables of ${k.name}`)) {
      if (!isObject(t) || typeof t.name !== 'string' || typeof t.id !== 'string') fail(`bad table in ${k.name}`);
      const partitionKey = arrayOf<ColumnDef>(t.partitionKey, 'partitionKey');
      const clustering = arrayOf<ColumnDef>(t.clustering, 'clustering');
      const regular = arrayOf<ColumnDef>(t.regular, 'regular');
      const table: TableDef = {
        keyspace: t.keyspace,
        name: t.name,
        id: t.id,
        partitionKey,
        clustering,
        regular,
        columns: new Map([...partitionKey, ...clustering, ...regular].map((c) => [c.name, c])),
        options: t.options,
        version: t.version,
      };
      if (t.virtual) table.virtual = true;
      if (t.dropped !== undefined) table.dropped = new Map(arrayOf<DroppedColumnDef>(t.dropped, 'dropped').map((d) => [d.name, d]));
      if (t.indexes !== undefined) table.indexes = arrayOf<IndexDef>(t.indexes, 'indexes');
      if (isObject(t.view)) table.view = t.view;
      tables.set(t.name, table);
    }
    const types = new Map(arrayOf<UserTypeDef>(k.types, `types of ${k.name}`).map((u) => [u.name, u]));
    const ks: KeyspaceDef = {
      name: k.name,
      durableWrites: k.durableWrites,
      replication: k.replication as Record<string, string>,
      strategy: parseReplication(k.replication as Record<string, string>),
      tables,
      types,
    };
    if (k.functions !== undefined) ks.functions = new Map(arrayOf<UserFunctionDef>(k.functions, 'functions').map((f) => [signatureKey(f.name, f.argTypes), f]));
    if (k.aggregates !== undefined) ks.aggregates = new Map(arrayOf<UserAggregateDef>(k.aggregates, 'aggregates').map((a) => [signatureKey(a.name, a.argTypes), a]));
    keyspaces.set(k.name, ks);
  }
  return { keyspaces, version: x.version };
}

/** JSON with object keys sorted at every level, so equal values always serialize to equal strings. */
function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (isObject(x)) {
    const keys = Object.keys(x).filter((k) => x[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(x[k])}`).join(',')}}`;
  }
  return JSON.stringify(x) ?? 'null';
}

/**
 * The schema version: a name-based (MD5) uuid of the canonical form of every keyspace in the schema (system
 * keyspaces are not part of a user schema, except replication overrides of replicated system keyspaces, which
 * are DDL results and so count). Excludes only the version itself.
 */
export function computeSchemaVersion(schema: Schema): string {
  const { keyspaces } = serializeSchema(schema);
  return nameUuid(Buffer.from(canonical(keyspaces), 'utf8'));
}

