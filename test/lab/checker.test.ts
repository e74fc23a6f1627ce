// The lab workload's checker on hand-made histories: clean ones pass, each kind of anomaly is reported.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkHistory } from './checker.ts';
import type { Op } from './workload.ts';

const w = (key: number, value: number, startMs: number, endMs: number, type: Op['type'] = 'ok'): Op => ({ process: 0, f: 'write', key, value, type, startMs, endMs });
const r = (key: number, value: number | null, startMs: number, endMs: number, type: Op['type'] = 'ok'): Op => ({ process: 1, f: 'read', key, value, type, startMs, endMs });

test('a linear history with concurrent reads passes', () => {
  const h = [w(0, 1, 0, 10), r(0, null, 5, 8), r(0, 1, 5, 12), w(0, 2, 20, 30), r(0, 1, 25, 28), r(0, 2, 31, 33)];
  const res = checkHistory(h, [r(0, 2, 100, 101)]);
  assert.deepEqual(res.findings, []);
  assert.equal(res.ok, 6);
});

test('a read older than an acknowledged write is stale; a value never written is impossible', () => {
  const h = [w(0, 1, 0, 10), w(0, 2, 20, 30), r(0, 1, 31, 35), r(0, 7, 40, 41), r(0, null, 50, 51)];
  const kinds = checkHistory(h, [r(0, 2, 100, 101)]).findings.map((f) => f.kind);
  assert.deepEqual(kinds, ['stale-read', 'impossible-read', 'stale-read']);
});

test('an acknowledged write missing from the final read is lost; an indeterminate one is not', () => {
  const h = [w(0, 1, 0, 10), w(0, 2, 20, 30, 'info'), w(1, 1, 0, 10), w(1, 2, 20, 30)];
  const res = checkHistory(h, [r(0, 1, 100, 101), r(1, 1, 100, 101)]);
  assert.deepEqual(res.findings.map((f) => [f.kind, f.key]), [['lost-write', 1]]);
  assert.equal(res.indeterminate, 1);
  assert.deepEqual(checkHistory(h, [r(0, 2, 100, 101), r(1, 2, 100, 101)]).findings, [], 'reading an indeterminate write is allowed');
});

test('a key whose final read failed cannot be vouched for', () => {
  const res = checkHistory([w(3, 1, 0, 1)], [r(3, null, 5, 6, 'fail')]);
  assert.equal(res.findings[0]?.kind, 'lost-write');
});
