// The linearizability checker on histories whose answer is known: hand-made linearizable and broken ones, the
// indeterminate (`info`) cases, and a property: a history built from a real sequential register by stretching each
// operation's instant into an overlapping interval is always linearizable, and corrupting one read makes it not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkHistory, type HistoryEntry, type RegisterOp, type RegisterValue } from './checker.ts';
import { HistoryRecorder } from './recorder.ts';

const read = (client: number, at: [number, number], value: RegisterValue, key = 'k'): HistoryEntry =>
  ({ client, key, op: { kind: 'read' }, invokeMs: at[0], completeMs: at[1], outcome: 'ok', result: value });
const write = (client: number, at: [number, number], value: RegisterValue, key = 'k'): HistoryEntry =>
  ({ client, key, op: { kind: 'write', value }, invokeMs: at[0], completeMs: at[1], outcome: 'ok' });
const cas = (client: number, at: [number, number], expected: RegisterValue, value: RegisterValue, applied: boolean,
  observed?: RegisterValue): HistoryEntry =>
  ({ client, key: 'k', op: { kind: 'cas', expected, value }, invokeMs: at[0], completeMs: at[1], outcome: 'ok',
    result: applied, observed });
const info = (e: HistoryEntry): HistoryEntry => ({ ...e, outcome: 'info', completeMs: undefined, result: undefined });

describe('linearizability checker: hand-made histories', () => {
  it('accepts a sequential history and the empty one', () => {
    assert.equal(checkHistory([]).linearizable, true);
    assert.equal(checkHistory([read(1, [0, 1], null), write(1, [2, 3], 'a'), read(2, [4, 5], 'a')]).linearizable, true);
  });

  it('accepts either value for a read concurrent with a write', () => {
    for (const seen of ['a', null]) {
      assert.equal(checkHistory([write(1, [0, 10], 'a'), read(2, [2, 5], seen)]).linearizable, true, String(seen));
    }
  });

  it('rejects a stale read after the write completed', () => {
    const r = checkHistory([write(1, [0, 1], 'a'), read(2, [2, 3], null)]);
    assert.equal(r.linearizable, false);
    assert.equal(r.key, 'k');
    assert.match(r.explanation!, /no linearization/);
  });

  it('rejects a value read back and forth (a then b then a, with one write each)', () => {
    const h = [write(1, [0, 100], 'a'), write(2, [0, 100], 'b'), read(3, [10, 11], 'a'), read(3, [12, 13], 'b'),
      read(3, [14, 15], 'a')];
    assert.equal(checkHistory(h).linearizable, false);
  });

  it('rejects two applied INSERT IF NOT EXISTS on one key, accepts one winner and one loser', () => {
    assert.equal(checkHistory([cas(1, [0, 10], null, 'a', true), cas(2, [0, 10], null, 'b', true)]).linearizable, false);
    assert.equal(checkHistory([cas(1, [0, 10], null, 'a', true), cas(2, [0, 10], null, 'b', false, 'a')]).linearizable,
      true);
  });

  it('rejects a loser that reports a value nobody wrote as the current one', () => {
    assert.equal(checkHistory([cas(1, [0, 10], null, 'a', true), cas(2, [0, 10], null, 'b', false, 'z')]).linearizable,
      false);
  });

  it('rejects a lost update: two increments by CAS both applied from the same value', () => {
    const h = [write(1, [0, 1], 0), cas(1, [2, 10], 0, 1, true), cas(2, [2, 10], 0, 1, true)];
    assert.equal(checkHistory(h).linearizable, false);
  });

  it('an indeterminate write may show up later, or never', () => {
    const lost = info(write(1, [0, 1], 'a'));
    assert.equal(checkHistory([lost, read(2, [50, 51], 'a')]).linearizable, true);
    assert.equal(checkHistory([lost, read(2, [50, 51], null)]).linearizable, true);
    // …but not before it was invoked.
    assert.equal(checkHistory([{ ...lost, invokeMs: 60 }, read(2, [50, 51], 'a')]).linearizable, false);
  });

  it('an indeterminate write cannot appear, disappear and appear again', () => {
    const h = [info(write(1, [0, 1], 'a')), read(2, [10, 11], 'a'), read(2, [12, 13], null), read(2, [14, 15], 'a')];
    assert.equal(checkHistory(h).linearizable, false);
  });

  it('leaves out failed operations', () => {
    const failed: HistoryEntry = { ...write(1, [0, 1], 'a'), outcome: 'fail' };
    assert.equal(checkHistory([failed, read(2, [5, 6], null)]).linearizable, true);
    assert.equal(checkHistory([failed, read(2, [5, 6], 'a')]).linearizable, false);
  });

  it('checks keys independently', () => {
    const h = [write(1, [0, 1], 'a', 'x'), read(2, [2, 3], null, 'y'), read(2, [4, 5], 'a', 'x')];
    assert.equal(checkHistory(h).linearizable, true);
    const bad = checkHistory([...h, read(2, [6, 7], 'a', 'y')]);
    assert.equal(bad.linearizable, false);
    assert.equal(bad.key, 'y');
  });

  it('the recorder closes every operation and refuses an unfinished history', () => {
    let now = 0;
    const rec = new HistoryRecorder(() => now++);
    const w = rec.invoke(1, 'k', { kind: 'write', value: 1 });
    const r = rec.invoke(2, 'k', { kind: 'read' });
    assert.throws(() => rec.history(), /2 operations still open/);
    rec.ok(w);
    rec.ok(r, 1);
    assert.equal(checkHistory(rec.history()).linearizable, true);
  });
});

// A sequential register run: each operation gets an instant; its interval is stretched around it by random amounts,
// which keeps the instant a valid linearization point, so the history must check as linearizable.
interface PlannedOp { client: number; op: RegisterOp; spreadBefore: number; spreadAfter: number; indeterminate: boolean }

const opArb: fc.Arbitrary<RegisterOp> = fc.oneof(
  fc.constant<RegisterOp>({ kind: 'read' }),
  fc.integer({ min: 0, max: 3 }).map((value): RegisterOp => ({ kind: 'write', value })),
  fc.tuple(fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }), fc.integer({ min: 0, max: 3 }))
    .map(([expected, value]): RegisterOp => ({ kind: 'cas', expected, value })),
);
const planArb = fc.array(fc.record({
  client: fc.integer({ min: 1, max: 5 }),
  op: opArb,
  spreadBefore: fc.integer({ min: 0, max: 40 }),
  spreadAfter: fc.integer({ min: 0, max: 40 }),
  indeterminate: fc.integer({ min: 0, max: 9 }).map((d) => d === 0),
}), { minLength: 1, maxLength: 40 });

function runSequentially(plan: readonly PlannedOp[]): HistoryEntry[] {
  let state: RegisterValue = null;
  return plan.map((p, i): HistoryEntry => {
    const at = i * 10;
    const base = { client: p.client, key: 'k', op: p.op, invokeMs: at - p.spreadBefore };
    let result: RegisterValue | boolean | undefined;
    let observed: RegisterValue | undefined;
    if (p.op.kind === 'read') result = state;
    else if (p.op.kind === 'write') state = p.op.value;
    else {
      result = state === p.op.expected;
      if (result) state = p.op.value;
      else observed = state;
    }
    if (p.indeterminate) return { ...base, outcome: 'info' };
    return { ...base, completeMs: at + p.spreadAfter, outcome: 'ok', result, observed };
  });
}

describe('linearizability checker: properties', () => {
  it('accepts every history stretched from a sequential run', () => {
    fc.assert(fc.property(planArb, (plan) => checkHistory(runSequentially(plan)).linearizable), { numRuns: 300 });
  });

  it('rejects such a history once a completed read returns a value never written', () => {
    fc.assert(fc.property(planArb, fc.nat(), (plan, pick) => {
      const h = runSequentially(plan);
      const reads = h.map((e, i) => (e.op.kind === 'read' && e.outcome === 'ok' ? i : -1)).filter((i) => i >= 0);
      if (reads.length === 0) return true;
      const i = reads[pick % reads.length];
      h[i] = { ...h[i], result: 99 };
      return !checkHistory(h).linearizable;
    }), { numRuns: 300 });
  });

  it('checks a long concurrent history quickly (5 clients, 2,000 operations)', () => {
    const plan = fc.sample(planArb, { numRuns: 60, seed: 42 }).flat().slice(0, 2000);
    const started = performance.now();
    const r = checkHistory(runSequentially(plan.map((p) => ({ ...p, indeterminate: false }))));
    assert.equal(r.linearizable, true);
    assert.ok(performance.now() - started < 10_000, 'took over 10 s');
  });
});
