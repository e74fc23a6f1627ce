// `sibyl cqlsh` in batch mode (-e, -f, piped stdin) against a real node on 127.0.18.1: the exact text cqlsh prints,
// its error lines on stderr and its exit codes (cqlshmain.py main(): 2 when a statement failed, 1 when it cannot
// connect).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { startNodeProcess } from '../helpers/node-process.ts';

const HOST = '127.0.18.1';
let dir: string;

const cqlsh = (args: string[], input?: string): Promise<CliResult> =>
  runCli(['cqlsh', HOST, ...args], { timeoutMs: 30_000, ...(input === undefined ? {} : { input }) });

// The seed's session (seed 000), verbatim: SimpleStrategy RF 3 writes at cqlsh's default consistency ONE.
const SEED = `CREATE KEYSPACE customers_ks WITH REPLICATION = { 'class' : 'SimpleStrategy', 'replication_factor' : 3 };
USE customers_ks;
CREATE TABLE Customers(customer_id int PRIMARY KEY, firstname text, lastname text);
INSERT INTO Customers(customer_id, firstname, lastname) VALUES(1, 'John', 'Doe');
INSERT INTO Customers(customer_id, firstname, lastname) VALUES (2, 'Jane', 'Doe');

SELECT * FROM Customers;`;

// cqlshmain.py print_result: a blank line, the header (names left-justified), the rule, the rows (values
// right-justified), a blank line, the count.
const SEED_OUTPUT = `
 customer_id | firstname | lastname
-------------+-----------+----------
           1 |      John |      Doe
           2 |      Jane |      Doe

(2 rows)
`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sibyl-cqlsh-batch-'));
  await startNodeProcess({ address: HOST });
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('cqlsh batch mode', () => {
  it('runs the seed session with -e and prints the table as cqlsh does', async () => {
    const r = await cqlsh(['-e', SEED]);
    assert.equal(r.stderr, '');
    // On one node, Cassandra warns that RF 3 exceeds the node count, and cqlsh prints the warning after the statement.
    assert.equal(r.stdout, `\nWarnings :\nYour replication factor 3 for keyspace customers_ks is higher than the number of nodes 1\n\n${SEED_OUTPUT}`);
    assert.equal(r.code, 0);
  });

  it('uses -k for the keyspace, prints (0 rows) for an empty result and EXPAND ON rows vertically', async () => {
    const r = await cqlsh(['-k', 'customers_ks', '-e',
      "SELECT * FROM customers WHERE customer_id = 3; EXPAND ON; SELECT firstname, lastname FROM customers WHERE customer_id = 1;"]);
    assert.equal(r.stderr, '');
    // Without a terminal cqlsh adds a blank line after the last page, so an empty result ends with two.
    assert.equal(r.stdout, `
 customer_id | firstname | lastname
-------------+-----------+----------


(0 rows)
Now Expanded output is enabled

@ Row 1
-----------+------
 firstname | John
 lastname  | Doe


(1 rows)
`);
    assert.equal(r.code, 0);
  });

  it('prints the messages of CONSISTENCY, SERIAL CONSISTENCY, PAGING and EXPAND', async () => {
    const r = await cqlsh(['-e', 'CONSISTENCY; CONSISTENCY quorum; CONSISTENCY; SERIAL CONSISTENCY; '
      + 'SERIAL CONSISTENCY LOCAL_SERIAL; PAGING; PAGING 2; PAGING OFF; PAGING ON; EXPAND; EXPAND ON; EXPAND OFF']);
    assert.equal(r.stdout, [
      'Current consistency level is ONE.',
      'Consistency level set to QUORUM.',
      'Current consistency level is QUORUM.',
      'Current serial consistency level is SERIAL.',
      'Serial consistency level set to LOCAL_SERIAL.',
      'Query paging is currently enabled. Use PAGING OFF to disable',
      'Page size: 100',
      'Page size: 2',
      'Disabled Query paging.',
      'Now Query paging is enabled',
      'Page size: 100',
      'Expanded output is currently disabled. Use EXPAND ON to enable.',
      'Now Expanded output is enabled',
      'Disabled Expanded output.',
      '',
    ].join('\n'));
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
  });

  it('reports server errors on stderr as the Python driver names them, and exits 2', async () => {
    const syntax = await cqlsh(['-e', 'SELEC * FROM customers_ks.customers']);
    assert.equal(syntax.stdout, '');
    assert.equal(syntax.stderr,
      "<stdin>:1:SyntaxException: line 1:0 no viable alternative at input 'SELEC' ([SELEC] *...)\n");
    assert.equal(syntax.code, 2);

    const r = await cqlsh(['-e', "SELECT * FROM customers_ks.nope; CREATE KEYSPACE customers_ks WITH replication = "
      + "{'class': 'SimpleStrategy', 'replication_factor': 1}; CONSISTENCY QUORUM; "
      + "INSERT INTO customers_ks.customers (customer_id, firstname) VALUES (9, 'X')"]);
    assert.equal(r.stdout, 'Consistency level set to QUORUM.\n');
    assert.equal(r.stderr, [
      '<stdin>:1:InvalidRequest: Error from server: code=2200 [Invalid query] message="table nope does not exist"',
      "<stdin>:1:AlreadyExists: Keyspace 'customers_ks' already exists",
      '<stdin>:1:Unavailable: Error from server: code=1000 [Unavailable exception] message="Cannot achieve '
        + "consistency level QUORUM\" info={'consistency': 'QUORUM', 'required_replicas': 2, 'alive_replicas': 1}",
      '',
    ].join('\n'));
    assert.equal(r.code, 2);
  });

  it('runs -f FILE, naming the file and line in errors, and treats comments and blank lines as nothing', async () => {
    const file = join(dir, 'script.cql');
    writeFileSync(file, [
      '-- a comment line',
      'USE customers_ks;',
      '',
      '/* a block',
      '   comment; with a semicolon */',
      'SELECT firstname',
      '  FROM customers WHERE customer_id = 2;',
      "SELECT * FROM nope WHERE x = 'a;b';",
      'SELECT count(*) FROM customers;',
      '',
    ].join('\n'));
    const r = await cqlsh(['-f', file]);
    assert.equal(r.stdout, `
 firstname
-----------
      Jane

(1 rows)

 count
-------
     2

(1 rows)

Warnings :
Aggregation query used without partition key

`);
    // cqlsh counts the lines it has read, so an error names the line after its statement's last one.
    assert.equal(r.stderr, `${file}:9:InvalidRequest: Error from server: code=2200 [Invalid query] `
      + 'message="table nope does not exist"\n');
    assert.equal(r.code, 2);
  });

  it('reads statements piped on stdin, prompt-free, and reports an unfinished one', async () => {
    const r = await cqlsh([], 'USE customers_ks;\nSELECT lastname FROM customers\n WHERE customer_id = 1;\nSELECT *\n');
    assert.equal(r.stdout, '\n lastname\n----------\n      Doe\n\n(1 rows)\n');
    assert.equal(r.stderr, '<stdin>:5:Incomplete statement at end of file\n');
    assert.equal(r.code, 2);

    const ok = await cqlsh([], '\n-- nothing but a comment\n\n');
    assert.deepEqual([ok.stdout, ok.stderr, ok.code], ['', '', 0]);
  });

  it("prints cqlsh's connection error and exits 1 when nothing listens", async () => {
    const r = await cqlsh(['9160', '-e', 'SELECT * FROM system.local']);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, "Connection error: ('Unable to connect to any servers', {'127.0.18.1:9160': "
      + `ConnectionRefusedError(111, "Tried connecting to [('127.0.18.1', 9160)]. Last error: Connection refused")})\n`);
    assert.equal(r.code, 1);
  });

  it('prints its version', async () => {
    const r = await runCli(['cqlsh', '--version']);
    assert.deepEqual([r.stdout, r.code], ['cqlsh 6.1.0\n', 0]);
  });
});
