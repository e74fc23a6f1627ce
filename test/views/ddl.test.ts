// CREATE / ALTER / DROP MATERIALIZED VIEW against the schema model: Cassandra 5.0's checks and messages, the
// materialized_views_enabled gate, the base-table guards, system_schema.views and DESCRIBE.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyDdl, emptySchema } from '../../src/schema/registry.ts';
import type { Schema } from '../../src/schema/model.ts';
import { describe } from '../../src/schema/describe.ts';
import { systemRows } from '../../src/schema/system_tables.ts';
import { withSystemKeyspaces } from '../../src/schema/system_defs.ts';
import { ddl, deterministic, parse } from '../schema/helpers.ts';
import { CqlError } from '../../src/model/errors.ts';

const ON = { ...deterministic, materializedViewsEnabled: true };

function run(schema: Schema, cql: string, enabled = true): Schema {
  return applyDdl(schema, ddl(cql), 'ks', enabled ? ON : deterministic).schema;
}

function base(): Schema {
  let s = emptySchema();
  s = run(s, "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  s = run(s, 'CREATE TABLE t (k int, c int, v int, w text, s int static, PRIMARY KEY (k, c))');
  return s;
}

function refuses(schema: Schema, cql: string, message: string, enabled = true): void {
  assert.throws(() => run(schema, cql, enabled), (e: Error) => {
    assert.equal(e.message, message);
    return true;
  });
}

const GOOD = 'CREATE MATERIALIZED VIEW v AS SELECT k, c, v, w FROM t WHERE k IS NOT NULL AND c IS NOT NULL AND v IS NOT NULL PRIMARY KEY (v, k, c)';

test('CREATE MATERIALIZED VIEW is refused while materialized_views_enabled is false', () => {
  refuses(base(), GOOD, 'Materialized views are disabled. Enable in cassandra.yaml to use.', false);
});

test('a valid view is a table with a view definition; IF NOT EXISTS; AlreadyExists', () => {
  const s = run(base(), GOOD);
  const v = s.keyspaces.get('ks')!.tables.get('v')!;
  assert.equal(v.view?.baseTable, 't');
  assert.deepEqual(v.partitionKey.map((c) => c.name), ['v']);
  assert.deepEqual(v.clustering.map((c) => c.name), ['k', 'c']);
  assert.deepEqual(v.regular.map((c) => c.name), ['w']);
  assert.equal(v.view?.whereClause, 'k IS NOT NULL AND c IS NOT NULL AND v IS NOT NULL');
  assert.equal(applyDdl(s, ddl(GOOD.replace('VIEW v', 'VIEW IF NOT EXISTS v')), 'ks', ON).change, null);
  refuses(s, GOOD, "Cannot add already existing table \"v\" to keyspace \"ks\"");
});

test("Cassandra's validation messages", () => {
  const s = base();
  const cases: Array<[string, string]> = [
    ['CREATE MATERIALIZED VIEW v AS SELECT * FROM nope WHERE k IS NOT NULL PRIMARY KEY (k)', "Base table 'nope' doesn't exist"],
    ['CREATE MATERIALIZED VIEW t AS SELECT k, c FROM t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (k, c)',
      "Cannot create materialized view 't' - a table with the same name already exists"],
    ['CREATE MATERIALIZED VIEW v AS SELECT * FROM t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (k, c)',
      "Cannot include static column 's' in materialized view 'v'"],
    ['CREATE MATERIALIZED VIEW v AS SELECT k, c, v FROM t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (v, c)',
      "Cannot create materialized view 'v' without primary key columns k from base table 't'"],
    ['CREATE MATERIALIZED VIEW v AS SELECT k, c, v, w FROM t WHERE k IS NOT NULL AND c IS NOT NULL AND v IS NOT NULL AND w IS NOT NULL PRIMARY KEY (v, w, k, c)',
      'Cannot include more than one non-primary key column in materialized view primary key (got v, w)'],
    ['CREATE MATERIALIZED VIEW v AS SELECT k, c, v FROM t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (v, k, c)',
      "Primary key columns v must be restricted with 'IS NOT NULL' or otherwise"],
    ['CREATE MATERIALIZED VIEW v AS SELECT k, c, v FROM t WHERE k IS NOT NULL AND c IS NOT NULL AND v = 1 PRIMARY KEY (k, c)',
      "Non-primary key columns can only be restricted with 'IS NOT NULL' (got: v restricted illegally)"],
    ['CREATE MATERIALIZED VIEW v AS SELECT k, c FROM t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (k, x)',
      "Unknown column 'x' referenced in PRIMARY KEY for materialized view 'v'"],
    ['CREATE MATERIALIZED VIEW v AS SELECT k, c FROM t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (k, c) WITH default_time_to_live = 5',
      'Cannot set default_time_to_live for a materialized view. Data in a materialized view always expire at the same time than the corresponding data in the parent table.'],
    ['CREATE MATERIALIZED VIEW v AS SELECT k, c FROM t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (k, c) WITH CLUSTERING ORDER BY (k DESC)',
      'Clustering key columns must exactly match columns in CLUSTERING ORDER BY directive'],
    ['CREATE MATERIALIZED VIEW v AS SELECT k, c FROM t WHERE token(k) > 0 AND c IS NOT NULL PRIMARY KEY (k, c)',
      'Cannot use token relation when defining a materialized view'],
    ['CREATE MATERIALIZED VIEW ks2.v AS SELECT k FROM ks.t WHERE k IS NOT NULL PRIMARY KEY (k)',
      'Cannot create a materialized view on a table in a different keyspace'],
  ];
  for (const [cql, message] of cases) refuses(s, cql, message);
});

test('base table guards: DROP TABLE, ALTER DROP, ALTER/DROP TABLE on a view, TRUNCATE-free ALTER ADD reaches SELECT * views', () => {
  let s = run(base(), GOOD);
  refuses(s, 'DROP TABLE t', 'Cannot drop a table when materialized views still depend on it (ks)');
  refuses(s, 'ALTER TABLE t DROP w', 'Cannot drop column w on base table t with materialized views');
  refuses(s, 'DROP TABLE v', 'Cannot use DROP TABLE on a materialized view. Please use DROP MATERIALIZED VIEW instead.');
  refuses(s, 'ALTER TABLE v WITH comment = \'x\'', 'Cannot use ALTER TABLE on a materialized view; use ALTER MATERIALIZED VIEW instead');
  refuses(s, 'CREATE INDEX ON v (w)', 'Secondary indexes are not supported on materialized views');
  s = run(s, 'CREATE MATERIALIZED VIEW star AS SELECT k, c FROM t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (c, k)');
  s = run(s, 'ALTER TABLE t ADD z int');
  assert.equal(s.keyspaces.get('ks')!.tables.get('v')!.columns.has('z'), false, 'an explicit column list stays as it was');
  s = run(s, "ALTER MATERIALIZED VIEW v WITH comment = 'by v'");
  assert.equal(s.keyspaces.get('ks')!.tables.get('v')!.options.comment, 'by v');
  refuses(s, 'ALTER MATERIALIZED VIEW v WITH default_time_to_live = 3',
    'Forbidden default_time_to_live detected for a materialized view. Data in a materialized view always expire at the same time than the corresponding data in the parent table. default_time_to_live must be set to zero, see CASSANDRA-12868 for more information');
  refuses(s, 'DROP MATERIALIZED VIEW nope', "Materialized view 'ks.nope' doesn't exist");
  s = run(s, 'DROP MATERIALIZED VIEW v');
  s = run(s, 'DROP MATERIALIZED VIEW star');
  s = run(s, 'DROP TABLE t');
  assert.equal(s.keyspaces.get('ks')!.tables.size, 0);
});

test('renaming a base key column renames it in its views and their WHERE clause', () => {
  let s = run(base(), GOOD);
  s = run(s, 'ALTER TABLE t RENAME k TO "Key"');
  const v = s.keyspaces.get('ks')!.tables.get('v')!;
  assert.deepEqual(v.clustering.map((c) => c.name), ['Key', 'c']);
  assert.equal(v.view?.whereClause, '"Key" IS NOT NULL AND c IS NOT NULL AND v IS NOT NULL');
});

test('SELECT * views get columns added to the base', () => {
  let s = run(base(), 'ALTER TABLE t DROP s');
  s = run(s, 'CREATE MATERIALIZED VIEW star AS SELECT * FROM t WHERE k IS NOT NULL AND c IS NOT NULL PRIMARY KEY (c, k)');
  s = run(s, 'ALTER TABLE t ADD z int');
  assert.equal(s.keyspaces.get('ks')!.tables.get('star')!.columns.get('z')?.kind, 'regular');
});

test('system_schema.views and tables; DESCRIBE MATERIALIZED VIEW and DESCRIBE TABLE', () => {
  const s = run(base(), `${GOOD} WITH CLUSTERING ORDER BY (k DESC, c ASC) AND comment = 'hi'`);
  const full = withSystemKeyspaces(s);
  const def = (name: string) => full.keyspaces.get('system_schema')!.tables.get(name)!;
  const ctx = { schema: full, local: {} as never, peers: [] };
  const views = systemRows(def('views'), ctx);
  assert.equal(views.length, 1);
  assert.equal(views[0]!.view_name, 'v');
  assert.equal(views[0]!.base_table_name, 't');
  assert.equal(views[0]!.include_all_columns, false);
  assert.equal(views[0]!.comment, 'hi');
  assert.ok(!systemRows(def('tables'), ctx).some((r) => r.table_name === 'v'));
  assert.ok(systemRows(def('columns'), ctx).some((r) => r.table_name === 'v' && r.column_name === 'w'));
  const info = { clusterName: 'c', partitioner: 'p' };
  const one = describe(parse('DESCRIBE MATERIALIZED VIEW ks.v') as never, s, 'ks', info);
  const text = String(one.rows[0]!.create_statement);
  assert.match(text, /^CREATE MATERIALIZED VIEW ks\.v AS\n {4}SELECT v, k, c, w\n {4}FROM ks\.t\n {4}WHERE k IS NOT NULL AND c IS NOT NULL AND v IS NOT NULL\n {4}PRIMARY KEY \(v, k, c\)\n WITH CLUSTERING ORDER BY \(k DESC, c ASC\)\n {4}AND additional_write_policy/);
  assert.doesNotMatch(text, /default_time_to_live/);
  const table = describe(parse('DESCRIBE TABLE ks.t') as never, s, 'ks', info);
  assert.deepEqual(table.rows.map((r) => r.type), ['table', 'materialized_view']);
});

test('fuzz: view DDL built from fragments is accepted or refused with a CQL error, never an internal one', () => {
  const s = run(base(), 'CREATE TABLE u (k int, c int, v int, l list<int>, f frozen<list<int>>, d duration, PRIMARY KEY (k, c))');
  const sel = ['*', 'k, c', 'k, c, v', 'k AS x', 'count(k)', 'k, nope', 'l, k, c', 'f, k, c, d'];
  const where = ['', 'WHERE k IS NOT NULL', 'WHERE k IS NOT NULL AND c IS NOT NULL', 'WHERE k IS NOT NULL AND c IS NOT NULL AND v IS NOT NULL',
    'WHERE k IS NOT NULL AND c > 1', 'WHERE k IN (1, 2) AND c IS NOT NULL', 'WHERE k = ? AND c IS NOT NULL', 'WHERE (k, c) = (1, 1)',
    "WHERE k IS NOT NULL AND c = 'x'", 'WHERE nope IS NOT NULL', 'WHERE k CONTAINS 1', 'WHERE f IS NOT NULL AND k IS NOT NULL AND c IS NOT NULL'];
  const pk = ['(k, c)', '(c, k)', '((k, c))', '(v, k, c)', '(f, k, c)', '(l, k, c)', '(d, k, c)', '(k, k)', '(k)', '((c), k) WITH CLUSTERING ORDER BY (k DESC)'];
  let accepted = 0;
  for (const a of sel) for (const w of where) for (const p of pk) {
    const q = `CREATE MATERIALIZED VIEW mvf AS SELECT ${a} FROM u ${w} PRIMARY KEY ${p}`;
    try {
      applyDdl(s, ddl(q), 'ks', ON);
      accepted++;
    } catch (e) {
      assert.ok(e instanceof CqlError, `${q}: ${String(e)}`);
    }
  }
  assert.ok(accepted > 0);
});
