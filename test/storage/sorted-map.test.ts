// The memtable's ordered map against a sorted array: random inserts, overwrites and deletes, then point lookups and
// bounded ascending/descending cursors over random ranges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SortedMap, head } from '../../src/storage/memtable/sorted-map.ts';

type Op = { kind: 'set'; k: string; v: number } | { kind: 'del'; k: string };

const unit = fc.constantFrom('a', 'b', 'c', '\u0000', '\u00ff', 'z');
const key = fc.string({ unit, minLength: 0, maxLength: 4 });
// Keys around and past the six code units a node compares as a number (sorted-map.ts head): equal heads, prefixes.
const longKey = fc.oneof(fc.string({ unit, minLength: 5, maxLength: 9 }), fc.string({ unit: fc.constantFrom('a', '\u0000'), maxLength: 8 }));
const opOf = (k: fc.Arbitrary<string>): fc.Arbitrary<Op> => fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), k, v: fc.integer() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('del' as const), k }) },
);
const op = opOf(key);

function collect(c: { done: boolean; key: string; value: number | undefined; advance(): void }): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (; !c.done; c.advance()) out.push([c.key, c.value!]);
  return out;
}

const sameAsSortedArray = (ops: Op[], probe: string, lo: string | null, hi: string | null, tailMax?: number): void => {
    const m = new SortedMap<number>(tailMax);
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
};

test('SortedMap behaves like a sorted array (fast-check, seed printed on failure)', () => {
  fc.assert(fc.property(fc.array(op, { maxLength: 600 }), key, fc.option(key), fc.option(key), (o, p, l, h) => sameAsSortedArray(o, p, l, h)), { seed: 20260417, numRuns: 300 });
});

test('SortedMap orders keys longer than the compared head, and keys with equal heads (fast-check)', () => {
  fc.assert(fc.property(fc.array(opOf(longKey), { maxLength: 600 }), longKey, fc.option(longKey), fc.option(longKey), (o, p, l, h) => sameAsSortedArray(o, p, l, h)),
    { seed: 20261203, numRuns: 300 });
});

test('SortedMap with small sorted runs: merges, keys deleted and added again, cursors between writes (fast-check)', () => {
  fc.assert(fc.property(fc.array(op, { maxLength: 600 }), key, fc.option(key), fc.option(key), fc.integer({ min: 1, max: 9 }),
    (ops, probe, lo, hi, tailMax) => sameAsSortedArray(ops, probe, lo, hi, tailMax)), { seed: 20261204, numRuns: 300 });
  // A cursor made between writes sorts the tail early; one made before later writes keeps the order it saw.
  const m = new SortedMap<number>(3);
  for (let i = 0; i < 20; i++) m.set(String.fromCharCode(97 + ((i * 7) % 20)), i);
  const early = m.ascending();
  m.delete('c');
  m.set('c', 100);
  for (let i = 0; i < 10; i++) m.set(`z${i}`, i);
  const seen = collect(early).map(([k]) => k);
  assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => String.fromCharCode(97 + i)));
  assert.equal(m.get('c'), 100);
  assert.deepEqual(collect(m.ascending('b', 'e')), [['b', 3], ['c', 100], ['d', 9]]);
  assert.equal(m.size, 30);
});

test('head orders keys as the strings do, shorter keys padded', () => {
  const keys = ['', '\u0000', 'a', 'a\u0000', 'ab', 'abcdef', 'abcdef\u0000', 'abcdeg', '\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff'];
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) assert.ok(head(keys[i]!) <= head(keys[j]!), `${JSON.stringify(keys[i])} ${JSON.stringify(keys[j])}`);
  }
  assert.equal(head('abcdef'), head('abcdef\u0000'));
});

test('SortedMap keeps order across many runs', () => {
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
