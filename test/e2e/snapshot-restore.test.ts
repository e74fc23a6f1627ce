// Snapshot, wipe, restore on live processes (127.0.77.1-3, then a new cluster on 127.0.77.11-13; RF 3): rows with
// TTLs, collections, static columns, explicit timestamps and deletions are snapshotted on every node (nodetool
// snapshot), the cluster and its data directories are thrown away, a new cluster gets the table from the snapshot's
// schema.cql and `sibyl restore` writes every node's export back through its write path. Every row read at ALL,
// with writetime() and ttl(), is then what it was. listsnapshots and clearsnapshot answer in Cassandra 4's shapes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { types, type Client } from 'cassandra-driver';
import { clientFor, layout, startCluster } from '../fixtures/cluster.ts';
import { runConcurrent } from '../fixtures/driver.ts';
import { runCli } from '../helpers/cli.ts';

const CL = types.consistencies;
const PARTITIONS = 300;
const specsA = layout('127.0.77.', [
  { dc: 'dc1', rack: 'r1', count: 1 }, { dc: 'dc1', rack: 'r2', count: 1 }, { dc: 'dc1', rack: 'r3', count: 1 },
]);
const specsB = specsA.map((s, i) => ({ ...s, address: `127.0.77.${11 + i}` }));
const clients: Client[] = [];
const copies = mkdtempSync(join(tmpdir(), 'sibyl-snapshot-copies-'));
after(async () => {
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
  rmSync(copies, { recursive: true, force: true });
});

const SELECT = 'SELECT k, c, s, v, l, m, st, writetime(v) AS wv, ttl(v) AS tv, writetime(s) AS ws FROM snapks.t';

async function load(a: Client): Promise<void> {
  await runConcurrent(PARTITIONS, 32, async (k) => {
    const opts = { prepare: true, consistency: CL.quorum };
    await a.execute('INSERT INTO snapks.t (k, s) VALUES (?, ?) USING TIMESTAMP ?', [k, `static${k}`, 1_000_000 + k], opts);
    for (let c = 0; c < 3; c++) {
      const ttl = k % 3 === 0 ? 86_400 : 0;
      await a.execute('INSERT INTO snapks.t (k, c, v, l, m, st) VALUES (?, ?, ?, ?, ?, ?) USING TTL ?',
        [k, c, `v${k}.${c}`, [k, c], { [`m${c}`]: k }, [`s${k}`, `t${c}`], ttl], opts);
    }
    // Element updates, a deleted cell and a deleted row: the snapshot carries their cells and tombstones.
    await a.execute('UPDATE snapks.t SET l = l + ?, m[?] = ? WHERE k = ? AND c = 1', [[99], 'extra', -k, k], opts);
    if (k % 5 === 0) await a.execute('DELETE v FROM snapks.t WHERE k = ? AND c = 0', [k], opts);
    if (k % 7 === 0) await a.execute('DELETE FROM snapks.t WHERE k = ? AND c = 2', [k], opts);
  });
}

interface Rows {
  /** Every row but its ttl(v), as comparable text, sorted. */
  rows: string[];
  /** ttl(v) by row, and when it was read (ms): it counts down between the reads, the expiry it implies does not. */
  ttls: Map<string, number>;
  readAtMs: number;
}

/** Every row at ALL, paged. */
async function everyRow(c: Client): Promise<Rows> {
  const out: Rows = { rows: [], ttls: new Map(), readAtMs: Date.now() };
  let pageState: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const rs = await c.execute(SELECT, [], { prepare: true, consistency: CL.all, fetchSize: 500, ...(pageState !== undefined ? { pageState } : {}) });
    for (const row of rs.rows) {
      const text = JSON.stringify([row['k'], row['c'], row['s'], row['v'], row['l'], row['m'], row['st'], String(row['wv']), row['tv'] === null, String(row['ws'])]);
      out.rows.push(text);
      if (row['tv'] !== null) out.ttls.set(text, Number(row['tv']));
    }
    pageState = rs.pageState ?? undefined;
    if (pageState === undefined) break;
  }
  out.rows.sort();
  return out;
}

/** The same expiry: ttl() after = ttl() before less the seconds between the reads (give or take the read times). */
function sameExpiries(before: Rows, after: Rows): void {
  const elapsedSec = (after.readAtMs - before.readAtMs) / 1000;
  assert.equal(after.ttls.size, before.ttls.size, 'as many expiring rows');
  for (const [row, ttl] of before.ttls) {
    const now = after.ttls.get(row);
    assert.ok(now !== undefined && Math.abs(ttl - elapsedSec - now) <= 5, `${row}: ttl ${ttl} then ${now} after ${elapsedSec} s`);
  }
}

test('snapshot on every node, wipe, restore into a new cluster: every row identical at ALL', { timeout: 340_000 }, async () => {
  const nodesA = await startCluster('snapA', specsA, 60_000);
  const a = await clientFor(nodesA[0]!.address, 'dc1');
  clients.push(a);
  await a.execute("CREATE KEYSPACE snapks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}");
  await a.execute('CREATE TABLE snapks.t (k int, c int, s text STATIC, v text, l list<int>, m map<text, int>, st set<text>, PRIMARY KEY (k, c))');
  await load(a);
  const before = await everyRow(a);
  assert.ok(before.rows.length > PARTITIONS * 2 && before.ttls.size > 0, `${before.rows.length} rows written`);

  for (const n of nodesA) {
    const r = await runCli(['nodetool', '-h', n.address, 'snapshot', '-t', 'snap1', 'snapks']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Requested creating snapshot(s) for [snapks] with snapshot name [snap1] and options {skipFlush=false}\nSnapshot directory: snap1\n');
  }
  const again = await runCli(['nodetool', '-h', nodesA[0]!.address, 'snapshot', '-t', 'snap1', 'snapks']);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /Snapshot snap1 already exists/);
  const listed = await runCli(['nodetool', '-h', nodesA[1]!.address, 'listsnapshots']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^Snapshot Details: \nSnapshot name Keyspace name Column family name True size +Size on disk\nsnap1 {9}snapks {8}t {18}\d+(\.\d+)? (KiB|bytes) +\d+(\.\d+)? (KiB|bytes)\n\nTotal TrueDiskSpaceUsed: \d+(\.\d+)? (KiB|MiB|bytes)\n\n$/);

  // The wipe: every node's snapshot is copied aside, then the whole cluster and its data directories go.
  const froms = nodesA.map((n, i) => {
    const dest = join(copies, `node${i + 1}`);
    cpSync(join(n.dir, 'data', 'snapshots'), join(dest, 'snapshots'), { recursive: true });
    return dest;
  });
  const schemaCql = readFileSync(join(froms[0]!, 'snapshots', 'snap1', 'snapks', tableDir(froms[0]!), 'schema.cql'), 'utf8');
  await a.shutdown();
  await Promise.all(nodesA.map((n) => n.stop()));
  for (const n of nodesA) rmSync(n.dir, { recursive: true, force: true });

  const nodesB = await startCluster('snapB', specsB, 60_000);
  const b = await clientFor(nodesB[0]!.address, 'dc1');
  clients.push(b);
  await b.execute("CREATE KEYSPACE snapks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}");
  await b.execute(schemaCql.trim().replace(/;$/, ''));
  const restored = await runCli(['restore', '-h', nodesB[1]!.address, '--snapshot', 'snap1', ...froms.flatMap((f) => ['--from', f])]);
  assert.equal(restored.code, 0, restored.stderr);
  assert.match(restored.stdout, /^Restored \d+ partitions of snapks\.t from 3 snapshot files\n$/);
  const after = await everyRow(b);
  assert.equal(after.rows.length, before.rows.length, 'as many rows');
  assert.deepEqual(after.rows, before.rows, 'every row and its write times identical');
  sameExpiries(before, after);
  process.stdout.write(`# snapshot-restore: ${before.rows.length} rows (${before.ttls.size} expiring) in ${PARTITIONS} partitions identical after restore\n`);

  // auto_snapshot: TRUNCATE snapshots the table on every node first; restoring that snapshot undoes the TRUNCATE.
  await b.execute('TRUNCATE snapks.t');
  assert.equal((await b.execute('SELECT k FROM snapks.t', [], { consistency: CL.all })).rowLength, 0);
  // Each node names its snapshot by its own clock, as Cassandra's truncated-<ms>-<table>: one restore per node's copy.
  for (const n of nodesB) {
    const autoTag = /^(truncated-\d+-t) +snapks +t /m.exec((await runCli(['nodetool', '-h', n.address, 'listsnapshots'])).stdout)?.[1];
    assert.ok(autoTag !== undefined, `TRUNCATE took a snapshot on ${n.address} first`);
    const undo = await runCli(['restore', '-h', nodesB[0]!.address, '--snapshot', autoTag, '--keyspace', 'snapks', '--table', 't', '--from', join(n.dir, 'data')]);
    assert.equal(undo.code, 0, undo.stderr);
  }
  assert.deepEqual((await everyRow(b)).rows, before.rows, 'the truncated rows are back');

  // Incremental repair (the default) marks the ranges repaired on every participant.
  const repair = await runCli(['nodetool', '-h', nodesB[0]!.address, 'repair', 'snapks']);
  assert.equal(repair.code, 0, repair.stderr);
  assert.match(repair.stdout, /incremental: true/);
  for (const n of nodesB) {
    const stats = await runCli(['nodetool', '-h', n.address, 'tablestats', 'snapks.t']);
    assert.match(stats.stdout, /\t\tPending flushes: \d+\n\t\tPercent repaired: 100\.0\n/, stats.stdout);
    const summary = await runCli(['nodetool', '-h', n.address, 'repair_admin', 'summarize-repaired', 'snapks.t']);
    assert.match(summary.stdout, /^keyspace table min_repaired +max_repaired +percent_repaired\nsnapks {3}t {5}\d{13} \d{13} 100\.00\n$/, summary.stdout);
  }

  const cleared = await runCli(['nodetool', '-h', nodesB[0]!.address, 'clearsnapshot']);
  assert.equal(cleared.code, 2);
  assert.equal(cleared.stderr, 'error: Specify snapshot name or --all\n');
  assert.equal((await runCli(['nodetool', '-h', nodesB[0]!.address, 'snapshot', '-t', 'snap2'])).code, 0);
  assert.ok(existsSync(join(nodesB[0]!.dir, 'data', 'snapshots', 'snap2')));
  const clearAll = await runCli(['nodetool', '-h', nodesB[0]!.address, 'clearsnapshot', '--all']);
  assert.equal(clearAll.stdout, 'Requested clearing snapshot(s) for [all keyspaces] with [all snapshots]\n');
  assert.equal((await runCli(['nodetool', '-h', nodesB[0]!.address, 'listsnapshots'])).stdout, 'Snapshot Details: \nThere are no snapshots');
});

function tableDir(from: string): string {
  const dir = readdirSync(join(from, 'snapshots', 'snap1', 'snapks')).find((d) => d.startsWith('t-'));
  assert.ok(dir !== undefined, `a table directory in ${from}`);
  return dir;
}
