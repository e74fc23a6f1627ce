// The CQL type system as the server sees it. Values travel and are stored in their native-protocol
// serialization (a Buffer per value); these types say how to validate, compare and display them.

export const NATIVE_TYPES = [
  'ascii', 'bigint', 'blob', 'boolean', 'counter', 'date', 'decimal', 'double', 'duration', 'float',
  'inet', 'int', 'smallint', 'text', 'time', 'timestamp', 'timeuuid', 'tinyint', 'uuid', 'varint',
] as const;
export type NativeTypeName = (typeof NATIVE_TYPES)[number];

export type CqlType =
  // `custom`: a marshal class without a CQL type (model/custom-types.ts), whose values are carried as a blob's.
  | { kind: 'native'; name: NativeTypeName; custom?: string }
  | { kind: 'list'; element: CqlType; frozen: boolean }
  | { kind: 'set'; element: CqlType; frozen: boolean }
  | { kind: 'map'; key: CqlType; value: CqlType; frozen: boolean }
  // Tuples are always frozen in CQL.
  | { kind: 'tuple'; elements: CqlType[] }
  | { kind: 'udt'; keyspace: string; name: string; fieldNames: string[]; fieldTypes: CqlType[]; frozen: boolean }
  // Cassandra 5.0's vector<element, dimension>: a fixed number of non-null elements, always frozen.
  | { kind: 'vector'; element: CqlType; dimension: number };

/** A type as written in a statement, before UDT names are resolved against the schema. */
export type TypeRef =
  | { kind: 'native'; name: NativeTypeName; custom?: string }
  | { kind: 'list'; element: TypeRef; frozen: boolean }
  | { kind: 'set'; element: TypeRef; frozen: boolean }
  | { kind: 'map'; key: TypeRef; value: TypeRef; frozen: boolean }
  | { kind: 'tuple'; elements: TypeRef[] }
  | { kind: 'udt'; keyspace?: string; name: string; frozen: boolean }
  | { kind: 'vector'; element: TypeRef; dimension: number };

const NATIVE_SET = new Set<string>(NATIVE_TYPES);
export function isNativeTypeName(s: string): s is NativeTypeName {
  return NATIVE_SET.has(s);
}

export const native = (name: NativeTypeName): CqlType => ({ kind: 'native', name });
export const T = {
  ascii: native('ascii'), bigint: native('bigint'), blob: native('blob'), boolean: native('boolean'),
  counter: native('counter'), date: native('date'), decimal: native('decimal'), double: native('double'),
  duration: native('duration'), float: native('float'), inet: native('inet'), int: native('int'),
  smallint: native('smallint'), text: native('text'), time: native('time'), timestamp: native('timestamp'),
  timeuuid: native('timeuuid'), tinyint: native('tinyint'), uuid: native('uuid'), varint: native('varint'),
} as const;

export function isMultiCell(t: CqlType): boolean {
  return (t.kind === 'list' || t.kind === 'set' || t.kind === 'map' || t.kind === 'udt') && !t.frozen;
}

export function isCollection(t: CqlType): t is Extract<CqlType, { kind: 'list' | 'set' | 'map' }> {
  return t.kind === 'list' || t.kind === 'set' || t.kind === 'map';
}

/** The same type with the top level frozen (used for nested and key/clustering positions). */
export function frozen(t: CqlType): CqlType {
  if (t.kind === 'list' || t.kind === 'set' || t.kind === 'map' || t.kind === 'udt') return { ...t, frozen: true };
  return t;
}

/**
 * Cassandra's CQL spelling of a type as stored in system_schema (`frozen<list<int>>`, `map<text, int>`,
 * UDTs without keyspace). Nested collections inside a frozen one are not re-wrapped with frozen<>.
 */
export function typeToCql(t: CqlType, insideFrozen = false): string {
  switch (t.kind) {
    case 'native':
      return t.custom !== undefined ? `'${t.custom}'` : t.name;
    case 'list':
    case 'set': {
      const s = `${t.kind}<${typeToCql(t.element, insideFrozen || t.frozen)}>`;
      return t.frozen && !insideFrozen ? `frozen<${s}>` : s;
    }
    case 'map': {
      const inner = insideFrozen || t.frozen;
      const s = `map<${typeToCql(t.key, inner)}, ${typeToCql(t.value, inner)}>`;
      return t.frozen && !insideFrozen ? `frozen<${s}>` : s;
    }
    case 'tuple': {
      // Tuples are always frozen, and Cassandra 5.0 says so wherever one appears, even inside a frozen type:
      // system_auth.cidr_groups.cidrs is frozen<set<frozen<tuple<inet, smallint>>>> on the reference.
      const s = `tuple<${t.elements.map((e) => typeToCql(e, true)).join(', ')}>`;
      return `frozen<${s}>`;
    }
    case 'udt': {
      const name = quoteIdentIfNeeded(t.name);
      return t.frozen && !insideFrozen ? `frozen<${name}>` : name;
    }
    case 'vector':
      return `vector<${typeToCql(t.element, true)}, ${t.dimension}>`;
  }
}

const UNQUOTED_IDENT = /^[a-z][a-z0-9_]*$/;
/** Quote an identifier the way cqlsh/DESCRIBE do: only when it would not survive unquoted. */
export function quoteIdentIfNeeded(name: string): string {
  if (UNQUOTED_IDENT.test(name) && !RESERVED_KEYWORDS.has(name)) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

// Reserved keywords cannot be used unquoted as identifiers (Cassandra 4.0's ReservedKeywords list).
export const RESERVED_KEYWORDS = new Set([
  'add', 'allow', 'alter', 'and', 'apply', 'asc', 'authorize', 'batch', 'begin', 'by', 'columnfamily', 'create',
  'default', 'delete', 'desc', 'describe', 'drop', 'entries', 'execute', 'from', 'full', 'grant', 'if', 'in', 'index',
  'infinity', 'insert', 'into', 'is', 'keyspace', 'limit', 'materialized', 'mbean', 'mbeans', 'modify', 'nan',
  'norecursive', 'not', 'null', 'of', 'on', 'or', 'order', 'primary', 'rename', 'replace', 'revoke', 'schema', 'select',
  'set', 'table', 'to', 'token', 'truncate', 'unlogged', 'unset', 'update', 'use', 'using', 'view', 'where', 'with',
]);

export function typesEqual(a: CqlType, b: CqlType): boolean {
  return typeToCql(a) === typeToCql(b) && (a.kind !== 'udt' || (b.kind === 'udt' && a.keyspace === b.keyspace));
}
