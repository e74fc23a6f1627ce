// `sibyl stress`'s summary as a script reads it back (tools/stress/summary.ts): the Results block, the latency per
// coordinator DC and rack, and the local-rack replica read share with its per-node table (replica-reads.ts), built
// from the formatters' own output so that the printed form and the parser cannot drift apart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coordinatorBlock, resultsBlock } from '../../src/tools/stress/format.ts';
import { Timing } from '../../src/tools/stress/metrics.ts';
import { replicaReadDeltas, replicaReadsBlock, type ReplicaReadCounts } from '../../src/tools/stress/replica-reads.ts';
import { parseStressSummary } from '../../src/tools/stress/summary.ts';

function timing(latenciesMs: number[], startMs = 0, endMs = 1000): Timing {
  const t = new Timing();
  for (const ms of latenciesMs) {
    t.ops++;
    t.partitions++;
    t.rows++;
    t.latency.recordValue(Math.round(ms * 1000));
  }
  t.startMs = startMs;
  t.endMs = endMs;
  return t;
}

const counts = (local_rack: number, remote_rack: number, remote_dc: number, self: number): ReplicaReadCounts => ({ local_rack, remote_rack, remote_dc, self });
const RACK = new Map([['127.0.72.1', '1a'], ['127.0.72.2', '1a'], ['127.0.72.3', '1b'], ['127.0.72.10', '1c']]);
const locate = (h: string): { dc: string; rack: string } | undefined => {
  const rack = RACK.get(h.replace(/:\d+$/, ''));
  return rack === undefined ? undefined : { dc: 'us-east', rack };
};

test('the Results block, the coordinator table and the local-rack share read back exactly', () => {
  const a = timing(Array.from({ length: 900 }, () => 1).concat(Array.from({ length: 100 }, () => 4)));
  const b = timing(Array.from({ length: 1000 }, () => 2));
  const total = new Timing();
  total.add(a);
  total.add(b);
  const before = new Map([['127.0.72.1', counts(10, 0, 0, 5)], ['127.0.72.3', counts(0, 0, 0, 0)], ['127.0.72.10', counts(0, 0, 0, 0)]]);
  const after = new Map([['127.0.72.1', counts(1010, 0, 0, 505)], ['127.0.72.3', counts(495, 5, 0, 200)], ['127.0.72.10', counts(500, 0, 0, 250)], ['127.0.72.99', counts(7, 7, 7, 7)]]);
  const text = [
    'Results:',
    ...resultsBlock(total, new Map([['READ', total]])).slice(3),
    '',
    ...coordinatorBlock(new Map([['127.0.72.1:9042', a], ['127.0.72.3:9042', b]]), locate),
    ...replicaReadsBlock(replicaReadDeltas(before, after), locate),
    'Client CPU                : 1.0 s',
    'END',
  ].join('\n');
  const s = parseStressSummary(`warm-up lines\n${text}`);
  assert.equal(s.opRate, 2000);
  assert.equal(s.errors, 0);
  assert.equal(s.latency.median, 2.0);
  assert.equal(s.latency.p95, 2.0, '1,900 of the 2,000 at 2 ms or less');
  assert.deepEqual(s.coordinators.map((c) => [c.label, c.ops, c.median, c.p95]), [
    ['us-east', 2000, 2, 2], ['us-east/1a', 1000, 1, 4], ['us-east/1b', 1000, 2, 2],
  ]);
  // 2,000 replica reads, 5 of them for a coordinator in another rack; the host without a before reading is left out.
  assert.equal(s.localRackShare, 0.998);
  assert.deepEqual(s.nodes, [
    { node: '127.0.72.1', location: 'us-east/1a', localRack: 1000, remoteRack: 0, remoteDc: 0, self: 500 },
    { node: '127.0.72.3', location: 'us-east/1b', localRack: 495, remoteRack: 5, remoteDc: 0, self: 200 },
    { node: '127.0.72.10', location: 'us-east/1c', localRack: 500, remoteRack: 0, remoteDc: 0, self: 250 },
  ]);
});

test('a write run has no replica reads: no share line, and the summary says so by leaving it undefined', () => {
  const t = timing([1, 1, 1]);
  const text = ['Results:', ...resultsBlock(t, new Map([['WRITE', t]])).slice(3), ...replicaReadsBlock(new Map([['127.0.72.1', counts(0, 0, 0, 0)]]), locate)].join('\n');
  const s = parseStressSummary(text);
  assert.equal(s.localRackShare, undefined);
  assert.deepEqual(s.nodes, []);
  assert.throws(() => parseStressSummary('no results here'), /no Results: block/);
});
