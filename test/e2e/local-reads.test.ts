// Reads stay in the coordinator's rack on real processes (127.0.72.21-24: rack r1 with two nodes, r2 and r3 with one
// each; NetworkTopologyStrategy RF 3, so every rack holds one replica of every key). `sibyl stress` at ONE and
// LOCAL_ONE sends its reads round-robin to every node (-mode simplenative, as cassandra-stress 2.0 did), reads every
// node's replica-read counters before and after, and reports the share served in the coordinator's own rack: above
// 0.9 (every coordinator has a replica in its rack), and the r1 nodes served some of it for each other (a
// coordinator that is not a replica reads its rack-mate, not another rack). Runs under the multi-node lock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminCall } from '../../src/tools/admin-client.ts';
import { parseStressSummary } from '../../src/tools/stress/summary.ts';
import { runCli } from '../helpers/cli.ts';
import { layout, startCluster } from '../fixtures/cluster.ts';

// .21 on: latency.sh's default clusters take .1-.6 of 127.0.72.x and 127.0.73.x.
const specs = layout('127.0.72.', [{ dc: 'dc1', rack: 'r1', count: 2 }, { dc: 'dc1', rack: 'r2', count: 1 }, { dc: 'dc1', rack: 'r3', count: 1 }])
  .map((s, i) => ({ ...s, address: `127.0.72.${21 + i}` }));
const HOSTS = specs.map((s) => s.address).join(',');
const COMMON = `-node ${HOSTS} -schema replication(strategy=NetworkTopologyStrategy,dc1=3) -mode simplenative cql3 prepared -log interval=5s no-settings`;

const stress = async (args: string): Promise<string> => {
  const r = await runCli(['stress', ...args.split(' ')], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `${args}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
};

test('stress reads at ONE and LOCAL_ONE through every rack: the local-rack share is reported and above 0.9', { timeout: 300_000 }, async () => {
  await startCluster('local-reads', specs);
  await stress(`write n=2000 cl=ALL no-warmup -rate threads=8 -pop seq=1..2000 ${COMMON}`);
  for (const cl of ['ONE', 'LOCAL_ONE']) {
    const out = await stress(`read n=2000 cl=${cl} no-warmup -rate threads=8 -pop dist=uniform(1..2000) ${COMMON}`);
    const s = parseStressSummary(out);
    assert.equal(s.errors, 0);
    assert.ok(s.localRackShare !== undefined && s.localRackShare > 0.9, `${cl}: local-rack share ${s.localRackShare}\n${out}`);
    assert.deepEqual(s.nodes.map((n) => n.node), specs.map((x) => x.address), 'every node reported its counters');
    const served = s.nodes.reduce((a, n) => a + n.localRack + n.remoteRack + n.remoteDc, 0);
    assert.ok(served >= 2000, `${cl}: at least one replica read per read (${served})`);
    // r2 and r3 hold a replica of every key, so their reads are their own; r1's two nodes split the keys and
    // serve each other's reads, always from within the rack.
    const r1 = s.nodes.filter((n) => n.location === 'dc1/r1');
    assert.ok(r1.every((n) => n.localRack > n.self), `${cl}: r1 nodes served reads for their rack-mate\n${out}`);
    const coordinators = s.coordinators.filter((c) => c.label.includes('/')).map((c) => c.label);
    assert.deepEqual(coordinators, ['dc1/r1', 'dc1/r2', 'dc1/r3'], 'coordinators in each rack');
  }
  const metrics = await adminCall<string>(specs[0]!.address, 7199, '/metrics');
  assert.match(metrics, /^sibyl_replica_reads_total\{origin="local_rack"\} [1-9]\d*$/m);
  assert.match(metrics, /^sibyl_replica_reads_total\{origin="remote_rack"\} \d+$/m);
});
