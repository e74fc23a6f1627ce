// The abstract syntax of the CQL dialect Sibyl accepts (Cassandra 4.x). The parser (parser.ts) produces these
// nodes; the executor (src/cql/exec/*) interprets them against the schema. Literals stay as source text until the
// executor knows the column type they are bound to, as Cassandra does.
import type { TypeRef } from './types.ts';

/** A qualified name: `ks.name` or `name` (keyspace then comes from USE). Identifiers are already case-folded. */
export interface QualifiedName {
  keyspace?: string;
  name: string;
}

export type LiteralKind =
  | 'string' // '…' or $$…$$, unescaped
  | 'integer' // -?[0-9]+
  | 'float' // decimal/exponent forms
  | 'boolean' // true/false (text is 'true' | 'false')
  | 'uuid'
  | 'blob' // 0x… (text keeps the hex digits without 0x)
  | 'duration' // 1h30m, P1D, …
  | 'nan' // NaN, -NaN
  | 'infinity'; // Infinity, -Infinity (text carries the sign)

export type Term =
  | { kind: 'literal'; type: LiteralKind; text: string }
  | { kind: 'null' }
  /** `?` or `:name`; index is the marker's position among all markers of the statement (0-based). */
  | { kind: 'bind'; index: number; name?: string }
  | { kind: 'list'; elements: Term[] }
  | { kind: 'set'; elements: Term[] }
  | { kind: 'map'; entries: Array<[Term, Term]> }
  /** `{}` : empty set or empty map, decided by the receiving column type. */
  | { kind: 'empty_braces' }
  | { kind: 'tuple'; elements: Term[] }
  | { kind: 'udt'; fields: Array<[string, Term]> }
  | { kind: 'function'; name: string; args: Term[] }
  | { kind: 'cast'; type: TypeRef; term: Term }
  /** `1 + 1`, `'2024-01-01' + 1d`: arithmetic on terms, typed by the receiver (Cassandra 5.0). */
  | { kind: 'operation'; op: ArithmeticOp; left: Term; right: Term }
  | { kind: 'negate'; term: Term };

export type Selector =
  | { kind: 'column'; name: string }
  /** writetime(c), ttl(c), token(a, b), toTimestamp(now()), count(c), min/max/sum/avg, blobAsText(c)… */
  | { kind: 'function'; name: string; args: Selector[] }
  | { kind: 'count_star' } // count(*) and count(1)
  | { kind: 'cast'; selector: Selector; type: TypeRef }
  | { kind: 'term'; term: Term } // a literal/bind marker in a selection
  | { kind: 'field'; selector: Selector; field: string } // udt_col.field
  | { kind: 'element'; selector: Selector; key: Term } // m['k'], s[1]
  | { kind: 'slice'; selector: Selector; from?: Term; to?: Term } // m['a'..'c'], s[..3]
  | { kind: 'operation'; op: ArithmeticOp; left: Selector; right: Selector } // a + b, x * 2
  | { kind: 'negate'; selector: Selector } // -a
  | { kind: 'paren'; selector: Selector }; // (a + b), kept for the column name

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%';

export interface SelectClause {
  selector: Selector;
  alias?: string;
}

export type RelationOp = '=' | '<' | '<=' | '>' | '>=' | '!=' | 'IN' | 'CONTAINS' | 'CONTAINS KEY' | 'LIKE';

export type RelationLhs =
  | { kind: 'column'; name: string }
  | { kind: 'token'; columns: string[] }
  /** (c1, c2) > (1, 2) — multi-column clustering relations. */
  | { kind: 'tuple'; columns: string[] }
  /** m['key'] = v (filtering on a map entry). */
  | { kind: 'map_entry'; name: string; key: Term };

export interface Relation {
  lhs: RelationLhs;
  op: RelationOp;
  /** For IN: `{kind:'list'}` of terms for `IN (a, b)`, or a bind marker for `IN ?`. */
  rhs: Term;
}

export interface Using {
  ttl?: Term;
  timestamp?: Term;
}

/** IF conditions of lightweight transactions (`IF c = 1 AND m['k'] > 2`). */
export interface Condition {
  column: string;
  /** m['k'] or l[0] element, or udt.field */
  element?: Term;
  field?: string;
  op: RelationOp;
  rhs: Term;
}

export type Assignment =
  | { kind: 'set'; column: string; value: Term } // c = v
  | { kind: 'set_element'; column: string; key: Term; value: Term } // m[k] = v, l[i] = v
  | { kind: 'set_field'; column: string; field: string; value: Term } // u.f = v
  | { kind: 'add'; column: string; value: Term } // c = c + v (also counters c = c + 1)
  | { kind: 'prepend'; column: string; value: Term } // l = v + l
  | { kind: 'remove'; column: string; value: Term }; // c = c - v

export interface InsertStatement {
  kind: 'insert';
  table: QualifiedName;
  columns: string[];
  values: Term[];
  /** INSERT … JSON '…' */
  json?: Term;
  /** INSERT … JSON '…' DEFAULT NULL | DEFAULT UNSET (absent = NULL): what omitted columns become. */
  jsonDefault?: 'null' | 'unset';
  ifNotExists: boolean;
  using: Using;
}

export interface UpdateStatement {
  kind: 'update';
  table: QualifiedName;
  using: Using;
  assignments: Assignment[];
  where: Relation[];
  ifExists: boolean;
  conditions: Condition[];
}

export interface DeleteTarget {
  column: string;
  element?: Term; // DELETE m['k'], l[0]
  field?: string; // DELETE u.f
}

export interface DeleteStatement {
  kind: 'delete';
  table: QualifiedName;
  targets: DeleteTarget[]; // empty = whole row(s)
  using: Using;
  where: Relation[];
  ifExists: boolean;
  conditions: Condition[];
}

export interface OrderingClause {
  column: string;
  order: 'ASC' | 'DESC';
  /** `ORDER BY v ANN OF <vector>`: nearest neighbours of this vector first. */
  ann?: Term;
}

export interface SelectStatement {
  kind: 'select';
  table: QualifiedName;
  json: boolean;
  distinct: boolean;
  /** `'*'` for SELECT * */
  selectors: '*' | SelectClause[];
  where: Relation[];
  groupBy: string[];
  orderBy: OrderingClause[];
  perPartitionLimit?: Term;
  limit?: Term;
  allowFiltering: boolean;
}

export type ModificationStatement = InsertStatement | UpdateStatement | DeleteStatement;

export interface BatchStatement {
  kind: 'batch';
  type: 'LOGGED' | 'UNLOGGED' | 'COUNTER';
  using: Using;
  statements: ModificationStatement[];
}

export interface UseStatement {
  kind: 'use';
  keyspace: string;
}

/** Option values in WITH clauses: `'text'`, numbers, booleans, and maps `{ 'k': 'v' }`. */
export type OptionValue = string | number | boolean | { [key: string]: string };

export interface CreateKeyspaceStatement {
  kind: 'create_keyspace';
  keyspace: string;
  ifNotExists: boolean;
  /** replication map exactly as given (values stringified), including 'class'. */
  replication: Record<string, string>;
  durableWrites?: boolean;
}

export interface AlterKeyspaceStatement {
  kind: 'alter_keyspace';
  keyspace: string;
  ifExists: boolean;
  replication?: Record<string, string>;
  durableWrites?: boolean;
}

export interface DropKeyspaceStatement {
  kind: 'drop_keyspace';
  keyspace: string;
  ifExists: boolean;
}

export interface ColumnDefinitionAst {
  name: string;
  type: TypeRef;
  isStatic: boolean;
}

export interface CreateTableStatement {
  kind: 'create_table';
  table: QualifiedName;
  ifNotExists: boolean;
  columns: ColumnDefinitionAst[];
  partitionKey: string[];
  clusteringColumns: string[];
  clusteringOrder: OrderingClause[];
  compactStorage: boolean;
  /** Other WITH options: comment, gc_grace_seconds, default_time_to_live, compaction {…}, … */
  options: Record<string, OptionValue>;
}

export type AlterTableAction =
  | { kind: 'add'; columns: ColumnDefinitionAst[] }
  | { kind: 'drop'; columns: string[] }
  | { kind: 'rename'; renames: Array<[string, string]> }
  | { kind: 'options'; options: Record<string, OptionValue> };

export interface AlterTableStatement {
  kind: 'alter_table';
  table: QualifiedName;
  ifExists: boolean;
  action: AlterTableAction;
}

export interface DropTableStatement {
  kind: 'drop_table';
  table: QualifiedName;
  ifExists: boolean;
}

export interface TruncateStatement {
  kind: 'truncate';
  table: QualifiedName;
}

export interface CreateTypeStatement {
  kind: 'create_type';
  type: QualifiedName;
  ifNotExists: boolean;
  fields: Array<{ name: string; type: TypeRef }>;
}

export interface AlterTypeStatement {
  kind: 'alter_type';
  type: QualifiedName;
  action: { kind: 'add'; field: string; fieldType: TypeRef } | { kind: 'rename'; renames: Array<[string, string]> };
}

export interface DropTypeStatement {
  kind: 'drop_type';
  type: QualifiedName;
  ifExists: boolean;
}

/** How an index target reads a column: the value itself, or a collection's values, keys, entries, or whole. */
export type IndexTargetKind = 'simple' | 'values' | 'keys' | 'entries' | 'full';

export interface IndexTargetAst {
  column: string;
  /** Absent when written bare (`(v)`): a simple index, or values() for a non-frozen collection. */
  kind?: IndexTargetKind;
}

export interface CreateIndexStatement {
  kind: 'create_index';
  table: QualifiedName;
  /** Absent: Cassandra's default name, `<table>_<column>_idx` (plus `_1`, `_2`… while taken). */
  name?: string;
  ifNotExists: boolean;
  /** CREATE CUSTOM INDEX. */
  isCustom: boolean;
  targets: IndexTargetAst[];
  /** USING 'class' as written ('sai', 'StorageAttachedIndex', a class name). */
  using?: string;
  /** WITH OPTIONS = {…}, values as text. */
  options?: Record<string, string>;
}

export interface DropIndexStatement {
  kind: 'drop_index';
  index: QualifiedName;
  ifExists: boolean;
}

/** One restriction of a materialized view's WHERE clause: `c IS NOT NULL`, or any other relation. */
export type ViewRelationAst =
  | { kind: 'is_not_null'; column: string }
  | { kind: 'relation'; relation: Relation };

export interface CreateViewStatement {
  kind: 'create_view';
  view: QualifiedName;
  base: QualifiedName;
  ifNotExists: boolean;
  /** `'*'` for SELECT *; otherwise the selectors as written (only plain column names are valid). */
  selectors: '*' | SelectClause[];
  where: ViewRelationAst[];
  /** Absent when no PRIMARY KEY was given (Cassandra refuses that after parsing). */
  partitionKey?: string[];
  clusteringColumns: string[];
  clusteringOrder: OrderingClause[];
  options: Record<string, OptionValue>;
  /** Bind markers in the statement (refused, as Cassandra does). */
  hasBindMarkers: boolean;
}

export interface AlterViewStatement {
  kind: 'alter_view';
  view: QualifiedName;
  ifExists: boolean;
  options: Record<string, OptionValue>;
}

export interface DropViewStatement {
  kind: 'drop_view';
  view: QualifiedName;
  ifExists: boolean;
}

export type DescribeTarget =
  | { kind: 'cluster' }
  | { kind: 'keyspaces' }
  | { kind: 'tables' }
  | { kind: 'types' }
  | { kind: 'schema'; full: boolean }
  | { kind: 'keyspace'; name?: string; only: boolean } // DESCRIBE [ONLY] KEYSPACE [ks]
  | { kind: 'table'; name: QualifiedName }
  | { kind: 'type'; name: QualifiedName }
  | { kind: 'index'; name: QualifiedName }
  | { kind: 'functions' }
  | { kind: 'aggregates' }
  | { kind: 'function'; name: QualifiedName }
  | { kind: 'aggregate'; name: QualifiedName }
  | { kind: 'view'; name: QualifiedName }
  /** DESCRIBE name: a keyspace, a table or a type, whichever exists. */
  | { kind: 'name'; name: QualifiedName };

export interface DescribeStatement {
  kind: 'describe';
  target: DescribeTarget;
  withInternals: boolean;
}

export type Statement =
  | SelectStatement
  | InsertStatement
  | UpdateStatement
  | DeleteStatement
  | BatchStatement
  | UseStatement
  | CreateKeyspaceStatement
  | AlterKeyspaceStatement
  | DropKeyspaceStatement
  | CreateTableStatement
  | AlterTableStatement
  | DropTableStatement
  | TruncateStatement
  | CreateTypeStatement
  | AlterTypeStatement
  | DropTypeStatement
  | CreateIndexStatement
  | DropIndexStatement
  | CreateViewStatement
  | AlterViewStatement
  | DropViewStatement
  | DescribeStatement
  | RoleStatement
  | import('./ast-functions.ts').FunctionStatement;

import type { RoleStatement } from './ast-roles.ts';
export type { RoleStatement } from './ast-roles.ts';

/** What the parser returns: the statement plus its bind markers in order (for PREPARE's variable metadata). */
export interface ParsedStatement {
  statement: Statement;
  /** One entry per `?`/`:name` in textual order; name is set for `:name` markers. */
  bindMarkers: Array<{ name?: string }>;
}
