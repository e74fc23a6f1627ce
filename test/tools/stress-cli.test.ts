// `sibyl stress` against a real node process on 127.0.44.1: cassandra-stress command lines run end to end, and their
// printed summary is read back as a cassandra-stress user would read it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { startNodeProcess } from '../helpers/node-process.ts';

const ADDRESS = '127.0.44.1';
const out = mkdtempSync(join(tmpdir(), 'sibyl-stress-cli-'));
after(() => rmSync(out, { recursive: true, force: true }));

/** The Results block as label → number (the first figure after the colon, thousands separators removed). */
function results(r: CliResult): Map<string, number> {
  const text = r.stdout;
  const start = text.indexOf('\nResults:\n');
  assert.ok(start >= 0, `no Results block (exit ${r.code}):\n${text}\n${r.stderr}`);
  const m = new Map<string, number>();
  for (const line of text.slice(start).split('\n').slice(2)) {
    const kv = /^([A-Za-z0-9. ]+?)\s*:\s+([0-9,.]+)/.exec(line);
    if (kv === null) break;
    m.set(kv[1]!, Number(kv[2]!.replace(/,/g, '')));
  }
  return m;
}

const stress = (args: string): Promise<CliResult> => runCli(['stress', ...args.split(' ').filter((a) => a !== '')], { timeoutMs: 120_000 });

describe('sibyl stress against a node', { timeout: 600_000 }, () => {
  before(async () => {
    await startNodeProcess({ address: ADDRESS, logLevel: 'warn', config: { commitlogSync: 'periodic', endpointSnitch: 'GossipingPropertyFileSnitch', dataCenter: 'dc1', rack: 'rack1' } });
  });

  test('write n=3000: the interval lines, the Results block, the coordinator table, hdr log and graph', async () => {
    const hdr = join(out, 'write.hdr');
    const graph = join(out, 'write.html');
    const r = await stress(`write n=3000 cl=ONE no-warmup -rate threads=16 -node ${ADDRESS} -log interval=1s hdrfile=${hdr} -graph file=${graph} title=write`);
    assert.equal(r.code, 0, r.stderr);
    const res = results(r);
    assert.equal(res.get('Total partitions'), 3000);
    assert.equal(res.get('Total errors'), 0);
    assert.ok(res.get('Op rate')! > 100, `op rate ${res.get('Op rate')}`);
    assert.equal(res.get('Op rate'), res.get('Row rate'));
    assert.ok(res.get('Latency median')! <= res.get('Latency 99th percentile')!);
    assert.match(r.stdout, /^Running WRITE with 16 threads for 3000 iteration$/m);
    assert.match(r.stdout, /^type {7}total ops, {4}op\/s, {4}pk\/s, {3}row\/s, {4}mean, {5}med, {5}\.95, {5}\.99, {4}\.999, {5}max, {3}time, {3}stderr, errors$/m);
    const rows = r.stdout.split('\n').filter((l) => l.startsWith('total,'));
    assert.ok(rows.length >= 1);
    assert.equal(Number(rows.at(-1)!.split(',')[1]), 3000, 'the last interval row carries the total op count');
    assert.match(r.stdout, /^ {2}dc1\/rack1\s+3,000\s/m, 'latency per coordinator rack');
    assert.match(r.stdout, /^Client CPU {16}: [0-9.]+ s/m);
    assert.match(r.stdout, /^Server CPU {16}: [0-9.]+ s on 1 node /m);
    assert.match(r.stdout, /\nEND\n$/);
    assert.match(readFileSync(hdr, 'utf8'), /^#\[Histogram log format version 1\.\d+\]$/m);
    assert.match(readFileSync(hdr, 'utf8'), /^Tag=WRITE-st,/m);
    assert.match(readFileSync(graph, 'utf8'), /<svg /);
  });

  test('read n=3000 of the written keys finds every row; mixed reports both types', async () => {
    const r = await stress(`read n=3000 no-warmup -pop dist=uniform(1..3000) -rate threads=16 -node ${ADDRESS} -log no-settings`);
    assert.equal(r.code, 0, r.stderr);
    const res = results(r);
    assert.equal(res.get('Total partitions'), 3000);
    assert.equal(res.get('Row rate'), res.get('Op rate'), 'every read found its row');
    const m = await stress(`mixed ratio(write=1,read=3) n=2000 no-warmup -pop dist=uniform(1..3000) -rate threads=8 -node ${ADDRESS}`);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, /^Op rate {19}: +[0-9,]+ op\/s {2}\[READ: [0-9,]+ op\/s, WRITE: [0-9,]+ op\/s\]$/m);
    assert.match(m.stdout, /^READ, +\d+,/m);
    assert.match(m.stdout, /^WRITE, +\d+,/m);
  });

  test('a thread range runs each thread count and ends with the per-thread-count table; ANY writes', async () => {
    const r = await stress(`read n=1500 no-warmup -pop dist=uniform(1..3000) -rate threads>=4 threads<=8 -node ${ADDRESS} -log no-settings`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Running with 4 threadCount$/m);
    assert.match(r.stdout, /^Running with 8 threadCount$/m);
    assert.match(r.stdout, /^Improvement over 4 threadCount: -?\d+%$/m);
    assert.match(r.stdout, /^ {11}id, type {7}total ops,/m);
    assert.match(r.stdout, /^4 threadCount, total, +1500,/m);
    assert.match(r.stdout, /^8 threadCount, total, +1500,/m);
    const any = await stress(`write n=200 cl=ANY no-warmup -rate threads=4 -node ${ADDRESS} -log no-settings`);
    assert.equal(any.code, 0, any.stderr);
    assert.equal(results(any).get('Total partitions'), 200);
  });

  test('-mode simplenative: the pipelined client writes and reads the same rows', async () => {
    const w = await stress(`write n=2000 no-warmup -schema keyspace=stress_simple -rate threads=32 -node ${ADDRESS} -mode simplenative -log no-settings`);
    assert.equal(w.code, 0, w.stderr);
    assert.equal(results(w).get('Total partitions'), 2000);
    assert.match(w.stdout, /^ {2}dc1\/rack1\s+2,000\s/m);
    const r = await stress(`read n=2000 no-warmup -schema keyspace=stress_simple -pop dist=uniform(1..2000) -rate threads=32 -node ${ADDRESS} -mode simplenative -log no-settings`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(results(r).get('Row rate'), results(r).get('Op rate'), 'every read found its row');
    const q = await stress(`write n=10 cl=QUORUM no-warmup -schema replication(factor=3) keyspace=stress_rf3s -node ${ADDRESS} -mode simplenative -errors retries=0 -rate threads=1`);
    assert.equal(q.code, 1);
    assert.match(q.stdout, /^Operation x1 on key\(s\) \[[0-9a-f]+\]: Error executing WRITE: \(ResponseError\) Cannot achieve consistency level QUORUM$/m);
  });

  test('fixed rate: about the asked rate, with the latency-from-intended-start table', async () => {
    const r = await stress(`write duration=3s no-warmup -rate threads=8 fixed=500/s -node ${ADDRESS} -log no-settings`);
    assert.equal(r.code, 0, r.stderr);
    const res = results(r);
    // Never above the asked rate; below it only when the machine cannot keep up (a loaded 2-core box ran 412/s).
    const rate = res.get('Op rate')!;
    assert.ok(rate <= 560 && rate >= 300, `op rate ${rate}`);
    assert.match(r.stdout, /Fixed rate 500\/s: latency measured from each operation's intended start/);
    assert.match(r.stdout, /^ {2}service time \(from send\)/m);
  });

  test('user profile: inserts batched by partition, queries bound from generated rows find them', async () => {
    const profile = join(import.meta.dirname, '..', 'fixtures', 'stress', 'timeline.yaml');
    const w = await stress(`user profile=${profile} ops(insert=1) n=300 no-warmup -rate threads=8 -node ${ADDRESS}`);
    assert.equal(w.code, 0, w.stderr);
    const wr = results(w);
    assert.equal(wr.get('Total partitions'), 300);
    assert.ok(wr.get('Row rate')! > wr.get('Op rate')!, 'partitions hold several rows');
    const q = await stress(`user profile=${profile} ops(by_user=1,one_post=1) n=400 no-warmup -pop seq=1..300 -rate threads=8 -node ${ADDRESS}`);
    assert.equal(q.code, 0, q.stderr);
    assert.match(q.stdout, /\[by_user: [0-9,]+ op\/s, one_post: [0-9,]+ op\/s\]/);
    const qr = results(q);
    assert.equal(qr.get('Total errors'), 0);
    // Every one_post query names a row the inserts wrote, and every by_user query finds its partition.
    assert.ok(qr.get('Row rate')! >= qr.get('Op rate')!, `rows ${qr.get('Row rate')} vs ops ${qr.get('Op rate')}`);
  });

  test('an unmeetable level fails the run as cassandra-stress does; counter_write says whether counters work', async () => {
    const r = await stress(`write n=100 cl=QUORUM no-warmup -schema replication(factor=3) keyspace=stress_rf3 -rate threads=2 -node ${ADDRESS} -errors retries=1`);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^Operation x2 on key\(s\) \[[0-9a-f]+\]: Error executing WRITE: \(ResponseError\) .*QUORUM/m);
    assert.match(r.stdout, /\nFAILURE\n$/);
    const c = await stress(`counter_write n=200 no-warmup -rate threads=4 -node ${ADDRESS}`);
    if (c.code === 0) {
      assert.equal(results(c).get('Total partitions'), 200);
    } else {
      assert.equal(c.code, 1);
      assert.match(c.stderr, /^sibyl stress: counter_write is not available: the cluster refused a counter update \(.+\)/m);
    }
  });

  test('bad command lines: a message naming the option and exit code 1', async () => {
    const r = await stress('write n=10 -rate threads=0');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^sibyl stress: Invalid value for threads=: "0"/m);
    const h = await stress('help');
    assert.equal(h.code, 0);
    assert.match(h.stdout, /^Usage: sibyl stress <command>/);
  });
});
