// The memtable's ordered map against a sorted array: random inserts, overwrites and deletes, then point lookups and
// bounded ascending/descending cursors over random ranges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SortedMap } from '../../src/storage/memtable/sorted-map.ts';

type Op = { kind: 'set'; k: string; v: number } | { kind: 'del'; k: string };

const key = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\u0000', '\u00ff', 'z'), minLength: 0, maxLength: 4 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), k: key, v: fc.integer() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('del' as const), k: key }) },
);

function collect(c: { done: boolean; key: string; value: number | undefined; advance(): void }): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (; !c.done; c.advance()) out.push([c.key, c.value!]);
  return out;
}

test('SortedMap behaves like a sorted array (fast-check, seed printed on failure)', () => {
  fc.assert(fc.property(fc.array(op, { maxLength: 600 }), key, fc.option(key), fc.option(key), (ops, probe, lo, hi) => {
    const m = new SortedMap<number>();
    const model = new Map<string, number>();
    for (const o of ops) {
      if (o.kind === 'set') {
        m.set(o.k, o.v);
        model.set(o.k, o.v);
      } else {
        assert.equal(m.delete(o.k), model.delete(o.k));
      }
    }
    const sorted = [...model.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    assert.equal(m.size, model.size);
    assert.deepEqual([...m.entries()], sorted);
    assert.equal(m.get(probe), model.get(probe));
    const l = lo ?? undefined;
    const h = hi ?? undefined;
    const inRange = sorted.filter(([k]) => (l === undefined || k >= l) && (h === undefined || k < h));
    assert.deepEqual(collect(m.ascending(l, h)), inRange);
    assert.deepEqual(collect(m.descending(l, h)), [...inRange].reverse());
  }), { seed: 20260417, numRuns: 300 });
});

test('SortedMap keeps order across many splits', () => {
  const m = new SortedMap<number>();
  const n = 20_000;
  for (let i = 0; i < n; i++) m.set(String((i * 7919) % n).padStart(6, '0'), i);
  assert.equal(m.size, n);
  let prev = '';
  let count = 0;
  for (const [k] of m.entries()) {
    assert.ok(k > prev);
    prev = k;
    count++;
  }
  assert.equal(count, n);
  assert.deepEqual(collect(m.descending('000010', '000013')).map(([k]) => k), ['000012', '000011', '000010']);
});
