// The pure half of `sibyl drill`: choosing the nodes, probe keys that cover every replica set, classifying what the
// probes saw, and the predicted-versus-observed report.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { replicaTable } from '../../src/cluster/replication.ts';
import { formatDrill } from '../../src/tools/drill/command.ts';
import { classify, compare, emptyObservation, intKeyToken, observedOutcome, predict, probeKeys, selectTarget } from '../../src/tools/drill/model.ts';
import type { DrillReport } from '../../src/tools/drill/run.ts';
import { evaluate, failures, keyspaceFor } from '../../src/tools/plan/model.ts';
import { fromPreset, parseRf } from '../../src/tools/plan/source.ts';

describe('drill targets', () => {
  const aws = fromPreset('aws-multi-az');
  const azure = fromPreset('azure-two-region');

  test('--rack as the rack, the AZ or DC/rack; --dc; --node; --scenario must agree', () => {
    for (const rack of ['1a', 'us-east-1a', 'us-east/1a']) {
      const t = selectTarget(aws.ring, { rack }, aws.azOf);
      assert.equal(t.kind, 'rack');
      assert.equal(t.name, 'us-east/1a');
      assert.deepEqual(t.nodes.map((e) => e.address), ['127.3.0.1', '127.3.0.2', '127.3.0.3']);
    }
    assert.deepEqual(selectTarget(azure.ring, { dc: 'EASTUS', scenario: 'region-outage' }, azure.azOf).nodes.length, 8);
    assert.equal(selectTarget(aws.ring, { node: 'node5' }, aws.azOf, (a) => (a === '127.3.0.5' ? 'node5' : undefined)).name, '127.3.0.5');
    assert.throws(() => selectTarget(azure.ring, { rack: 'rack1' }, azure.azOf), /rack rack1 is in several data centres \(WESTUS\/rack1, EASTUS\/rack1\): add --dc/);
    assert.equal(selectTarget(azure.ring, { rack: 'rack1', dc: 'EASTUS' }, azure.azOf).name, 'EASTUS/rack1');
    assert.throws(() => selectTarget(aws.ring, { rack: '1a', scenario: 'region-outage' }, aws.azOf), /--scenario region-outage takes down a data centre/);
    assert.throws(() => selectTarget(aws.ring, { rack: '1z' }, aws.azOf), /no rack 1z \(racks: us-east\/1a \(us-east-1a\)/);
    assert.throws(() => selectTarget(aws.ring, {}, aws.azOf), /choose the failure/);
  });

  test('probe keys cover every replica set, so the keys predict what the ring-wide plan does', () => {
    const spec = parseRf('WESTUS:3,EASTUS:3');
    const ks = keyspaceFor(spec);
    const keys = probeKeys(azure.ring, ks, 10);
    const table = replicaTable(azure.ring, ks.strategy);
    const sets = new Set(table.replicas.map((r) => r.map((e) => e.id).join(',')));
    const covered = new Set(keys.map((k) => table.replicas[azure.ring.indexFor(intKeyToken(k))]!.map((e) => e.id).join(',')));
    assert.equal(covered.size, sets.size);
    for (const f of failures(azure.ring).filter((x) => x.kind !== 'two-racks')) {
      const plan = evaluate(azure.ring, ks, f);
      const p = predict(azure.ring, ks, f.down, keys);
      assert.deepEqual(p.reads, plan.reads, `${f.name}: reads`);
      assert.deepEqual(p.writes, plan.writes, `${f.name}: writes`);
    }
    // The int key's token is Murmur3 of its 4-byte big-endian form, as the node hashes `k int PRIMARY KEY`.
    assert.equal(intKeyToken(0), -3485513579396041028n);
  });
});

describe('observations and the report', () => {
  test('classify: all, some, none, refused', () => {
    assert.equal(classify({ ...emptyObservation(), ok: 5 }), 'all');
    assert.equal(classify({ ...emptyObservation(), ok: 2, unavailable: 3 }), 'some');
    assert.equal(classify({ ...emptyObservation(), timeout: 5 }), 'none');
    assert.equal(classify({ ...emptyObservation(), invalid: 5 }), undefined);
    const out = observedOutcome(new Map([['ONE', { ...emptyObservation(), ok: 1 }], ['ALL', { ...emptyObservation(), unavailable: 1 }], ['EACH_QUORUM', { ...emptyObservation(), invalid: 1 }]]));
    assert.deepEqual(out, { all: ['ONE'], some: [], none: ['ALL'] });
  });

  test('compare and format: agreement, then a disagreement named', () => {
    const predicted = { reads: { all: ['ONE'], some: [], none: ['ALL'] }, writes: { all: ['ANY', 'ONE'], some: [], none: ['ALL'] } };
    const observedSame = { reads: { all: ['ONE'], some: [], none: ['ALL'] }, writes: { all: ['ANY', 'ONE'], some: [], none: ['ALL'] } };
    assert.deepEqual(compare(predicted, observedSame).filter((c) => c.predicted !== c.observed), []);
    const observed = { reads: { all: [], some: ['ONE'], none: ['ALL'] }, writes: observedSame.writes };
    const mismatches = compare(predicted, observed).filter((c) => c.predicted !== c.observed);
    assert.deepEqual(mismatches, [{ level: 'ONE', op: 'read', predicted: 'all', observed: 'some' }]);
    const report: DrillReport = {
      scenario: { kind: 'rack', name: 'us-east/1a', nodes: ['127.3.0.1'], signal: 'SIGKILL' }, keyspace: 'sibyl_drill', replication: 'NetworkTopologyStrategy {us-east: 3}', keys: 2,
      predicted, observed, agree: false, mismatches, timeToDetectMs: 12_345, timeToRecoverMs: 2_000, hintsPending: 0,
      probes: { 'ONE read': { ...emptyObservation(), ok: 1, unavailable: 1, example: 'Cannot achieve consistency level ONE' }, 'ONE write': { ...emptyObservation(), ok: 2 } },
    };
    const text = formatDrill(report);
    assert.match(text, /^Drill: AZ\/rack outage of us-east\/1a — 1 node\(s\) killed \(SIGKILL\): 127\.3\.0\.1$/m);
    assert.match(text, /^Time to detect: 12\.3 s/m);
    assert.match(text, /^ONE {11}read {3}all keys {4}some keys {4}✗ 1 ok, 1 Unavailable$/m);
    assert.match(text, /^ONE {11}write {2}all keys {4}all keys {5}✓ 2 ok$/m);
    assert.match(text, /^Plan and drill DISAGREE on 1: ONE read \(predicted all, observed some\)$/m);
  });
});
