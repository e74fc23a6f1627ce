// cqlsh's own commands against a real node on 127.0.18.2: DESCRIBE (answered by the server), COPY TO / COPY FROM,
// SOURCE, CAPTURE, HELP, and paged results without a terminal.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeDialect, writeRow } from '../../src/tools/cqlsh/csv.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { startNodeProcess } from '../helpers/node-process.ts';

const HOST = '127.0.18.2';
let dir: string;

const cqlsh = (args: string[]): Promise<CliResult> => runCli(['cqlsh', HOST, ...args], { timeoutMs: 60_000 });

async function ok(args: string[]): Promise<string> {
  const r = await cqlsh(args);
  assert.equal(r.stderr, '', `cqlsh ${args.join(' ')} failed`);
  assert.equal(r.code, 0);
  return r.stdout;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sibyl-cqlsh-cmd-'));
  await startNodeProcess({ address: HOST });
  await ok(['-e', `CREATE KEYSPACE cq WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};
    CREATE TABLE cq.pg (k int PRIMARY KEY, v text);
    INSERT INTO cq.pg (k, v) VALUES (1, 'a'); INSERT INTO cq.pg (k, v) VALUES (2, 'bbbbbbbbbb');
    INSERT INTO cq.pg (k, v) VALUES (3, 'cc'); INSERT INTO cq.pg (k, v) VALUES (4, 'ddd');
    INSERT INTO cq.pg (k, v) VALUES (5, 'eeeeee');
    CREATE TABLE cq.people (id int PRIMARY KEY, name text, score double, tags set<text>, seen timestamp);
    CREATE TABLE cq.people2 (id int PRIMARY KEY, name text, score double, tags set<text>, seen timestamp);`]);
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('cqlsh commands', () => {
  it('pages without pausing when not on a terminal: a header once, each page as wide as its own values', async () => {
    const out = await ok(['-e', 'PAGING 2; SELECT * FROM cq.pg']);
    assert.equal(out, `Page size: 2

 k | v
---+--------
 5 | eeeeee
 1 |      a
 2 | bbbbbbbbbb
 4 |        ddd
 3 | cc

(5 rows)
`);
  });

  it('prints the create_statement rows of server-side DESCRIBE', async () => {
    const out = await ok(['-e', 'DESCRIBE KEYSPACE cq; DESC KEYSPACES']);
    const table = (name: string, cols: string): string => `
CREATE TABLE cq.${name} (
${cols}
) WITH additional_write_policy = '99p'
    AND bloom_filter_fp_chance = 0.01
    AND caching = {'keys': 'ALL', 'rows_per_partition': 'NONE'}
    AND cdc = false
    AND comment = ''
    AND compaction = {'class': 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy', 'max_threshold': '32', 'min_threshold': '4'}
    AND compression = {'chunk_length_in_kb': '16', 'class': 'org.apache.cassandra.io.compress.LZ4Compressor'}
    AND crc_check_chance = 1.0
    AND default_time_to_live = 0
    AND extensions = {}
    AND gc_grace_seconds = 864000
    AND max_index_interval = 2048
    AND memtable_flush_period_in_ms = 0
    AND min_index_interval = 128
    AND read_repair = 'BLOCKING'
    AND speculative_retry = '99p';
`;
    const people = '    id int PRIMARY KEY,\n    name text,\n    score double,\n    seen timestamp,\n    tags set<text>';
    assert.equal(out, `
CREATE KEYSPACE cq WITH replication = {'class': 'org.apache.cassandra.locator.SimpleStrategy', 'replication_factor': '1'}  AND durable_writes = true;
${table('people', people)}${table('people2', people)}${table('pg', '    k int PRIMARY KEY,\n    v text')}
cq      system_auth         system_schema  system_views         
system  system_distributed  system_traces  system_virtual_schema

`);
  });

  it('exports with COPY TO and imports with COPY FROM: 1,000 rows round trip', async () => {
    const source = join(dir, 'people.csv');
    const d = makeDialect();
    const names = (i: number): string => [`Doe, J${i}`, `say "hi" ${i}`, `back\\slash ${i}`, `two\nlines ${i}`][i % 4]!;
    let text = writeRow(['id', 'name', 'score', 'tags', 'seen'], d);
    for (let i = 0; i < 1000; i++) {
      const seen = `2024-01-0${1 + (i % 9)} 10:00:00.${String(i).padStart(3, '0')}+0000`;
      text += writeRow([String(i), i % 5 === 0 ? `name${i}` : names(i), String(i / 4), `{'t${i % 3}', 'x'}`, seen], d);
    }
    writeFileSync(source, text);
    const imported = await ok(['-e', `COPY cq.people (id, name, score, tags, seen) FROM '${source}' WITH HEADER = true`]);
    assert.match(imported, /^Using \d+ child processes\n\nStarting copy of cq\.people with columns \[id, name, score, tags, seen\]\.\n/);
    assert.match(imported, /Processed: 1000 rows; Rate: +\d+ rows\/s; Avg\. rate: +\d+ rows\/s\r\r\n1000 rows imported from 1 files in \d+\.\d{3} seconds \(0 skipped\)\.\n$/);

    const exported = join(dir, 'export.csv');
    // Without a column list COPY takes the table's columns: key first, then the others by name.
    const out = await ok(['-e', `COPY cq.people TO '${exported}' WITH HEADER = true`]);
    assert.match(out, /\nStarting copy of cq\.people with columns \[id, name, score, seen, tags\]\.\n/);
    assert.match(out, /\r\r\n1000 rows exported to 1 files in \d+\.\d{3} seconds\.\n$/);
    const csv = readFileSync(exported, 'utf8').split('\r\n');
    assert.equal(csv.length, 1002);
    assert.equal(csv[0], 'id,name,score,seen,tags');
    assert.ok(csv.includes(`8,"Doe, J8",2,2024-01-09 10:00:00.008+0000,"{'t2', 'x'}"`), csv.slice(0, 5).join('\n'));
    assert.ok(csv.includes(`9,say \\"hi\\" 9,2.25,2024-01-01 10:00:00.009+0000,"{'t0', 'x'}"`), csv.slice(0, 5).join('\n'));

    await ok(['-e', `COPY cq.people2 FROM '${exported}' WITH HEADER = true`]);
    const counts = await ok(['-e', 'SELECT count(*) FROM cq.people; SELECT count(*) FROM cq.people2']);
    // Cassandra warns of a count without a partition key, and cqlsh prints the warning after the result.
    assert.equal(counts, '\n count\n-------\n  1000\n\n(1 rows)\n\nWarnings :\nAggregation query used without partition key\n\n'.repeat(2));
    const [a, b] = await Promise.all([ok(['-e', 'PAGING OFF; SELECT * FROM cq.people']),
      ok(['-e', 'PAGING OFF; SELECT * FROM cq.people2'])]);
    assert.equal(a, b);
    // On screen cqlsh doubles backslashes and shows control characters as escapes.
    assert.match(a, /\n +8 \| +Doe, J8 \| +2 \| 2024-01-09 10:00:00\.008000\+0000 \| \{'t2', 'x'\}\n/);
    assert.match(a, /\n +6 \| +back\\\\slash 6 \| +1\.5 \| /);
    assert.match(a, /\n +7 \| +two\\nlines 7 \| +1\.75 \| /);
  });

  it('reports COPY FROM rows it cannot parse and carries on', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, '2000,ok,1.5,,\nnot-a-number,x,1,,\n');
    const errFile = join(dir, 'bad.err');
    const r = await cqlsh(['-e', `COPY cq.people (id, name, score, tags, seen) FROM '${bad}' WITH ERRFILE = '${errFile}'`]);
    assert.match(r.stdout, /1 rows imported from 1 files/);
    assert.match(r.stderr, /^<stdin>:1:Failed to import 1 rows: ParseError - .*,  given up without retries\n/);
    assert.match(r.stderr, new RegExp(`<stdin>:1:Failed to process 1 rows; failed rows written to ${errFile}\n$`));
    assert.equal(readFileSync(errFile, 'utf8'), 'not-a-number,x,1,,\r\n');
    assert.equal(r.code, 2);
  });

  it('runs SOURCE files in a sub-shell and CAPTUREs query output to a file', async () => {
    const src = join(dir, 'inner.cql');
    const capture = join(dir, 'capture.txt');
    writeFileSync(src, 'SELECT v FROM cq.pg WHERE k = 2;\nSELECT nope FROM cq.pg;\n');
    const r = await cqlsh(['-e', `USE cq; CAPTURE '${capture}'; SELECT v FROM pg WHERE k = 1; CAPTURE; CAPTURE OFF;
      SOURCE '${src}'; SOURCE '${join(dir, 'missing.cql')}'`]);
    assert.equal(r.stdout, `Now capturing query output to '${capture}'.
Currently capturing query output to '${capture}'.

 v
------------
 bbbbbbbbbb

(1 rows)
`);
    assert.equal(readFileSync(capture, 'utf8'), '\n v\n---\n a\n\n(1 rows)\n');
    assert.equal(r.stderr, `${src}:3:InvalidRequest: Error from server: code=2200 [Invalid query] `
      + `message="Undefined column name nope in table cq.pg"\n<stdin>:1:Could not open '${join(dir, 'missing.cql')}': `
      + `[Errno 2] No such file or directory: '${join(dir, 'missing.cql')}'\n`);
  });

  it('lists the HELP topics as cqlsh does', async () => {
    const out = await ok(['-e', 'HELP']);
    assert.ok(out.startsWith(`
Documented shell commands:
===========================
CAPTURE  CLS          COPY  DESCRIBE  EXPAND  HISTORY  PAGING  SHOW    TRACING
CLEAR    CONSISTENCY  DESC  EXIT      HELP    LOGIN    SERIAL  SOURCE  UNICODE

CQL help topics:
================
AGGREGATES               CREATE_MATERIALIZED_VIEW  DURATION           SET      
`), out);
  });
});
