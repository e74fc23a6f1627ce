// Bootstrap on live processes (127.0.61.1-4): three nodes, RF 3, 20,000 rows; a fourth node is started with
// auto_bootstrap while a client keeps writing at QUORUM. It shows UJ in nodetool status while it streams, then UN.
// Afterwards every acknowledged row reads at QUORUM and at ALL, and the new node serves every row of the ranges it
// now replicates alone (it coordinates a read at ONE, which it answers from its own replica).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { types, type Client } from 'cassandra-driver';
import { clientFor, eventually, layout, startCluster } from '../fixtures/cluster.ts';
import { runConcurrent, sleep, withTimeout } from '../fixtures/driver.ts';
import { startNodeProcess } from '../helpers/node-process.ts';
import { runCli } from '../helpers/cli.ts';
import { adminCall } from '../../src/tools/admin-client.ts';
import type { StatusReport } from '../../src/server/admin-types.ts';
import { TokenRing } from '../../src/cluster/ring.ts';
import { replicasFor } from '../../src/cluster/replication.ts';
import { murmur3Token } from '../../src/model/murmur3.ts';

const CL = types.consistencies;
const ROWS = Number(process.env['BOOTSTRAP_ROWS'] ?? 20_000);
const specs = layout('127.0.61.', [
  { dc: 'dc1', rack: 'r1', count: 1 }, { dc: 'dc1', rack: 'r2', count: 1 }, { dc: 'dc1', rack: 'r3', count: 1 },
]);
const NEW = '127.0.61.4';
const clients: Client[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
});

function keyBytes(k: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(k);
  return b;
}

test(`a node bootstraps under QUORUM writes into 3 nodes with ${ROWS} rows: nothing acknowledged is lost`, { timeout: 600_000 }, async () => {
  await startCluster('bootstrap', specs);
  const a = await clientFor(specs[0]!.address, 'dc1');
  clients.push(a);
  await a.execute("CREATE KEYSPACE bk WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}");
  await a.execute('CREATE TABLE bk.t (k int PRIMARY KEY, v text)');
  const insert = 'INSERT INTO bk.t (k, v) VALUES (?, ?)';
  const acked = new Set<number>();
  await withTimeout(runConcurrent(ROWS, 64, async (k) => {
    await a.execute(insert, [k, `v${k}`], { prepare: true, consistency: CL.quorum });
    acked.add(k);
  }), 300_000, `${ROWS} rows at QUORUM`);

  // The writer goes on while the new node joins; failures (none expected) are counted, not acknowledged.
  let writing = true;
  let failed = 0;
  const writer = (async () => {
    for (let k = ROWS; writing && k < ROWS + 1_000_000; k++) {
      try {
        await a.execute(insert, [k, `v${k}`], { prepare: true, consistency: CL.quorum });
        acked.add(k);
      } catch {
        failed++;
      }
    }
  })();
  const started = Date.now();
  const fresh = await startNodeProcess({
    address: NEW, logLevel: 'info', startTimeoutMs: 60_000, env: { SIBYL_RING_DELAY_MS: '3000' },
    config: {
      clusterName: 'bootstrap', endpointSnitch: 'GossipingPropertyFileSnitch', dataCenter: 'dc1', rack: 'r1',
      seeds: specs.map((s) => s.address), numTokens: 16, autoBootstrap: true, phiConvictThreshold: 5,
    },
  });
  const joining = await eventually('the coordinator sees the new node UJ', 60_000, async () => {
    const st = await runCli(['nodetool', '-h', specs[0]!.address, 'status']);
    assert.match(st.stdout, new RegExp(`^UJ  ${NEW.replace(/\./g, '\\.')} `, 'm'), st.stdout);
    return st.stdout;
  });
  assert.ok(joining.length > 0);
  await eventually('the new node is UN on every node', 300_000, async () => {
    for (const s of [...specs.map((x) => x.address), NEW]) {
      const r = await adminCall<StatusReport>(s, 7199, '/status');
      assert.equal(r.nodes.find((n) => n.address === NEW)?.state, 'UN', `${s} sees ${NEW}`);
    }
  });
  const joinMs = Date.now() - started;
  await sleep(1000);
  writing = false;
  await writer;
  assert.equal(failed, 0, 'no write failed while the node joined');
  process.stdout.write(`# ${NEW} joined in ${joinMs} ms; ${acked.size - ROWS} writes during the join\n`);
  void fresh;

  const status = await adminCall<StatusReport>(specs[1]!.address, 7199, '/status');
  const ring = new TokenRing(status.nodes.map((n) => ({ id: n.address, address: n.address, dc: n.dataCenter, rack: n.rack, tokens: n.tokens.map(BigInt) })));
  const replication = { class: 'NetworkTopologyStrategy', dc1: '3' };
  const mine = [...acked].filter((k) => replicasFor(ring, replication, murmur3Token(keyBytes(k))).some((r) => r.address === NEW));
  assert.ok(mine.length > acked.size / 4, `the new node replicates ${mine.length} of ${acked.size} rows`);

  const b = await clientFor(specs[1]!.address, 'dc1');
  const alone = await clientFor(NEW, 'dc1');
  clients.push(b, alone);
  const check = async (client: Client, keys: number[], cl: number, what: string): Promise<void> => {
    let missing = 0;
    await runConcurrent(keys.length, 64, async (i) => {
      const k = keys[i]!;
      const r = await client.execute('SELECT v FROM bk.t WHERE k = ?', [k], { prepare: true, consistency: cl });
      if (r.first()?.get('v') !== `v${k}`) missing++;
    });
    assert.equal(missing, 0, `${missing} of ${keys.length} acknowledged rows missing ${what}`);
  };
  const all = [...acked];
  await withTimeout(check(b, all, CL.quorum, 'at QUORUM'), 300_000, 'reads at QUORUM');
  await withTimeout(check(b, all, CL.all, 'at ALL'), 300_000, 'reads at ALL');
  await withTimeout(check(alone, mine, CL.one, `on ${NEW} alone at ONE`), 300_000, 'reads on the new node');
  shared.acked = acked;
  shared.check = check;
  shared.b = b;
});

const shared: { acked?: Set<number>; check?: (c: Client, keys: number[], cl: number, what: string) => Promise<void>; b?: Client } = {};

async function loadOf(address: string): Promise<number> {
  return (await adminCall<{ loadBytes: number }>(address, 7199, '/info')).loadBytes;
}

test('cleanup frees the moved data; the new node then decommissions under QUORUM writes and nothing is lost', { timeout: 600_000 }, async () => {
  const { acked, check, b } = shared;
  assert.ok(acked && check && b, 'the bootstrap test ran');
  const first = specs[0]!.address;
  // Load counts the data files: the rows are flushed out of the memtables first.
  assert.equal((await runCli(['nodetool', '-h', first, 'flush'])).code, 0);
  const before = await loadOf(first);
  const cleaned = await runCli(['nodetool', '-h', first, 'cleanup', 'bk']);
  assert.equal(cleaned.code, 0, cleaned.stderr);
  const after = await loadOf(first);
  process.stdout.write(`# cleanup on ${first}: load ${before} -> ${after} bytes\n`);
  assert.ok(after < before * 0.8, `cleanup freed the ranges ${NEW} took over (${before} -> ${after} bytes)`);
  const sample = [...acked].filter((k) => k % 10 === 0);
  await withTimeout(check(b, sample, CL.all, 'at ALL after cleanup'), 120_000, 'reads after cleanup');

  const a = await clientFor(first, 'dc1');
  clients.push(a);
  let writing = true;
  let failed = 0;
  const base = Math.max(...acked) + 1;
  const writer = (async () => {
    for (let k = base; writing && k < base + 1_000_000; k++) {
      try {
        await a.execute('INSERT INTO bk.t (k, v) VALUES (?, ?)', [k, `v${k}`], { prepare: true, consistency: CL.quorum });
        acked.add(k);
      } catch {
        failed++;
      }
    }
  })();
  const started = Date.now();
  const decom = runCli(['nodetool', '-h', NEW, 'decommission']);
  await eventually('the coordinator sees the node UL', 60_000, async () => {
    const st = await runCli(['nodetool', '-h', first, 'status']);
    assert.match(st.stdout, new RegExp(`^UL  ${NEW.replace(/\./g, '\\.')} `, 'm'), st.stdout);
  });
  const done = await decom;
  assert.equal(done.code, 0, `${done.stdout}\n${done.stderr}`);
  const leftMs = Date.now() - started;
  await sleep(1000);
  writing = false;
  await writer;
  assert.equal(failed, 0, 'no write failed while the node left');
  process.stdout.write(`# ${NEW} decommissioned in ${leftMs} ms\n`);
  const netstats = await runCli(['nodetool', '-h', NEW, 'netstats']);
  assert.match(netstats.stdout, /^Mode: DECOMMISSIONED\n/);
  await eventually('the others drop it', 60_000, async () => {
    const st = await runCli(['nodetool', '-h', first, 'status']);
    assert.doesNotMatch(st.stdout, new RegExp(NEW.replace(/\./g, '\\.')), st.stdout);
  });
  await withTimeout(check(b, [...acked], CL.all, 'at ALL after the decommission'), 300_000, 'reads after the decommission');
});
