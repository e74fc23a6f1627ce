import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pack, unpack } from 'msgpackr';
import { dataEqual } from '../../src/storage/equal.ts';
import type { PartitionData } from '../../src/storage/types.ts';

const partition = (over: Partial<PartitionData> = {}): PartitionData => ({
  key: Buffer.from('k1'),
  token: 42n,
  rangeTombstones: [],
  rows: [{ clustering: [Buffer.from([1])], marker: { ts: 10 }, cells: { a: { ts: 10, v: Buffer.from('x') }, s: { cells: [{ path: Buffer.from([0]), cell: { ts: 3, v: Buffer.alloc(0) } }] } } }],
  ...over,
});

test('equal partitions compare equal, including across a msgpack round trip (undefined properties dropped)', () => {
  const a = partition({ deletion: undefined });
  const b = unpack(pack(partition())) as PartitionData;
  b.token = 42n;
  assert.equal(dataEqual(a, partition()), true);
  assert.equal(dataEqual(a, b), true);
});

test('any difference in keys, timestamps, values, tombstones or row counts is seen', () => {
  const base = partition();
  assert.equal(dataEqual(base, partition({ key: Buffer.from('k2') })), false);
  assert.equal(dataEqual(base, partition({ token: 43n })), false);
  assert.equal(dataEqual(base, partition({ deletion: { ts: 1, ldt: 2 } })), false);
  assert.equal(dataEqual(base, partition({ rows: [] })), false);
  const changed = partition();
  (changed.rows[0]!.cells['a'] as { ts: number }).ts = 11;
  assert.equal(dataEqual(base, changed), false);
  const nullValue = partition();
  (nullValue.rows[0]!.cells['a'] as { v: Buffer | null }).v = null;
  assert.equal(dataEqual(base, nullValue), false);
});

test('agrees with a canonical serialisation on random plain data', () => {
  const leaf = fc.oneof(fc.integer(), fc.constant(null), fc.uint8Array({ maxLength: 4 }).map((u) => Buffer.from(u)), fc.bigInt({ min: -5n, max: 5n }));
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('tree'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('tree'), { maxKeys: 3 })),
  }));
  const canon = (v: unknown): string =>
    JSON.stringify(v, function (this: unknown, _k, x: unknown) {
      if (typeof x === 'bigint') return `n${x}`;
      if (x !== null && typeof x === 'object' && (x as { type?: string }).type === 'Buffer') return `b${(x as { data: number[] }).data.join(',')}`;
      if (x !== null && typeof x === 'object' && !Array.isArray(x)) return Object.fromEntries(Object.entries(x).sort(([p], [q]) => (p < q ? -1 : 1)));
      return x;
    });
  fc.assert(fc.property(tree, tree, (a, b) => dataEqual(a, b) === (canon(a) === canon(b))), { numRuns: 2000 });
});
