// The binary internode forms (envelope.ts, partition-codec.ts, wire.ts): every shape of the storage data model
// round-trips exactly, absent optional fields stay absent, truncated or corrupt bytes fail as FrameError only, payloads
// the binary form cannot carry fall back to msgpack, and digests ignore the order cells were inserted in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodePayload, encodePayload, Kind, readEnvelope, writeEnvelope } from '../../src/messaging/envelope.ts';
import { partitionDigest, readFilter, readPartition, writeFilter, writePartition } from '../../src/messaging/partition-codec.ts';
import { FrameError, Reader, Writer } from '../../src/messaging/wire.ts';
import { Verbs } from '../../src/messaging/verbs.ts';
import type { Bound, Cell, ColumnData, PartitionData, ReadFilter, Row, Tombstone } from '../../src/storage/types.ts';
import { withPlainObjects } from '../helpers/plain.ts';

const SEED = Number(process.env['CODEC_SEED'] ?? 20261203);

const buf = fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a));
const num = fc.oneof(fc.integer(), fc.double({ noNaN: true }), fc.constant(1_764_000_000_000_000));
const tombstone: fc.Arbitrary<Tombstone> = fc.record({ ts: num, ldt: num }, { noNullPrototype: true });
const cell: fc.Arbitrary<Cell> = fc.record({ ts: num, v: fc.option(buf, { nil: null }), ttl: num, ldt: num }, { requiredKeys: ['ts', 'v'], noNullPrototype: true });
const column: fc.Arbitrary<ColumnData> = fc.oneof(cell, fc.record({
  deletion: tombstone, cells: fc.array(fc.record({ path: buf, cell }, { noNullPrototype: true }), { maxLength: 3 }),
}, { requiredKeys: ['cells'], noNullPrototype: true }));
const row: fc.Arbitrary<Row> = fc.record({
  clustering: fc.array(buf, { maxLength: 3 }),
  marker: fc.record({ ts: num, ttl: num, ldt: num }, { requiredKeys: ['ts'], noNullPrototype: true }),
  deletion: tombstone,
  cells: fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__'), column, { maxKeys: 4, noNullPrototype: true }),
}, { requiredKeys: ['clustering', 'cells'], noNullPrototype: true });
const bound: fc.Arbitrary<Bound> = fc.record({ prefix: fc.array(buf, { maxLength: 2 }), inclusive: fc.boolean() }, { noNullPrototype: true });
const partition: fc.Arbitrary<PartitionData> = fc.record({
  key: buf,
  token: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  deletion: tombstone,
  rangeTombstones: fc.array(fc.record({ start: bound, end: bound, deletion: tombstone }, { noNullPrototype: true }), { maxLength: 2 }),
  staticRow: row,
  rows: fc.array(row, { maxLength: 3 }),
}, { requiredKeys: ['key', 'token', 'rangeTombstones', 'rows'], noNullPrototype: true });
const filter: fc.Arbitrary<ReadFilter> = fc.record({
  slices: fc.array(fc.record({ start: bound, end: bound }, { noNullPrototype: true }), { maxLength: 2 }), reversed: fc.boolean(), rowLimit: fc.nat(),
}, { requiredKeys: [], noNullPrototype: true });

function roundTrip<T>(value: T, write: (w: Writer, v: T) => void, read: (r: Reader) => T): T {
  const w = new Writer(64);
  write(w, value);
  const bytes = w.take();
  const r = new Reader(bytes);
  const back = read(r);
  assert.equal(r.remaining, 0, 'every byte consumed');
  return back;
}

test('property: partitions and read filters round-trip exactly (absent fields stay absent)', () => {
  fc.assert(fc.property(partition, filter, (p, f) => {
    assert.deepStrictEqual(withPlainObjects(roundTrip(p, (w, v) => writePartition(w, v), readPartition)), p);
    assert.deepStrictEqual(roundTrip(f, writeFilter, readFilter), f);
  }), { numRuns: 400, seed: SEED });
});

test('property: a truncated or bit-flipped envelope fails with FrameError or decodes, never anything else', () => {
  fc.assert(fc.property(partition, fc.nat(), fc.nat(255), (p, at, flip) => {
    const w = new Writer(64);
    writeEnvelope(w, Kind.REQUEST, 7, 'MUTATION', { items: [{ t: { ks: 'ks', table: 't', id: 'id' }, u: p }] }, 1 << 20);
    const body = w.take().subarray(4);
    const cut = body.subarray(0, at % body.length);
    assert.throws(() => readEnvelope(cut), FrameError);
    const corrupt = Buffer.from(body);
    corrupt[at % corrupt.length] ^= flip;
    try {
      readEnvelope(corrupt);
    } catch (err) {
      assert.ok(err instanceof FrameError, `${(err as Error).name}: ${(err as Error).message}`);
    }
  }), { numRuns: 300, seed: SEED });
});

test('envelopes carry kind, id, verb (known or spelled out) and the binary or msgpack payload', () => {
  const p: PartitionData = { key: Buffer.from('k'), token: 5n, rangeTombstones: [], rows: [{ clustering: [], cells: { v: { ts: 1, v: Buffer.from('x') } } }] };
  const cases: Array<[Kind, number, string, unknown]> = [
    [Kind.REQUEST, 1, 'MUTATION', { items: [{ t: { ks: 'ks', table: 't', id: 'u' }, u: p }] }],
    [Kind.RESPONSE, 1, 'MUTATION', true],
    [Kind.REQUEST, 300, 'READ', { t: { ks: 'ks', table: 't', id: 'u' }, key: p.key, token: p.token, filter: { rowLimit: 10 }, now: 17 }],
    [Kind.RESPONSE, 300, 'READ', p],
    [Kind.RESPONSE, 301, 'READ', null],
    [Kind.RESPONSE, 2 ** 40, 'READ_DIGEST', Buffer.alloc(16, 3)],
    [Kind.ONE_WAY, 0, 'GOSSIP', { syn: [1, 2n, 'é'] }],
    [Kind.REQUEST, 9, 'some-test-verb', { anything: [Buffer.from('b')] }],
    [Kind.ERROR, 9, 'MUTATION', { name: 'InvalidRequestError', message: 'unknown table', code: 0x2200 }],
  ];
  const w = new Writer(64);
  for (const [kind, id, verb, payload] of cases) {
    writeEnvelope(w, kind, id, verb, payload, 1 << 20);
    const frame = w.take();
    assert.equal(frame.readUInt32BE(0), frame.length - 4, 'length prefix');
    assert.deepStrictEqual(withPlainObjects(readEnvelope(frame.subarray(4))), { kind, id, verb, payload });
  }
});

test('a payload the binary form cannot carry goes as msgpack; an unencodable one throws and writes nothing', () => {
  // A MUTATION-named message of another shape (a test or bench payload), and a token outside int64.
  const odd = { token: 12n, key: Buffer.from('k') };
  assert.deepStrictEqual(decodePayload(encodePayload('MUTATION', Kind.REQUEST, odd)), odd);
  const wide = { t: { ks: 'k', table: 't', id: 'i' }, key: Buffer.from('k'), token: 2n ** 70n, filter: {}, now: 1 };
  assert.deepStrictEqual(decodePayload(encodePayload('READ', Kind.REQUEST, wide)), wide);
  const w = new Writer(64);
  assert.throws(() => writeEnvelope(w, Kind.REQUEST, 1, 'x', { f: Symbol('no') }, 1 << 20));
  assert.equal(w.length, 0);
  assert.throws(() => writeEnvelope(w, Kind.REQUEST, 1, 'x', Buffer.alloc(2_000), 1_000), RangeError);
  assert.equal(w.length, 0);
});

test('the writer hands out views it never rewrites, across slab changes', () => {
  const w = new Writer(64);
  const taken: Array<[Buffer, string[]]> = [];
  let since: string[] = [];
  for (let i = 0; i < 200; i++) {
    const s = `frame ${i} `.repeat(1 + (i % 7));
    w.string(s);
    since.push(s);
    if (i % 3 === 0) {
      taken.push([w.take(), since]);
      since = [];
    }
  }
  for (const [view, strings] of taken) {
    const r = new Reader(view);
    assert.deepEqual(strings.map(() => r.string()), strings);
    assert.equal(r.remaining, 0);
  }
});

test('strings of every kind round-trip: short ASCII (the fast loops), non-ASCII, around the short length, long', () => {
  const samples = ['', 'C0', 'é', 'naïve', '日本語', 'emoji 🎉', 'x'.repeat(23), 'x'.repeat(24), 'x'.repeat(25), `${'y'.repeat(23)}é`,
    'z'.repeat(200), 'ü'.repeat(5_000), '\u0000\u007f\u0080'];
  const w = new Writer(64);
  for (const s of samples) w.string(s);
  const r = new Reader(w.take());
  assert.deepEqual(samples.map(() => r.string()), samples);
  assert.equal(r.remaining, 0);
});

test('digests: equal for the same data in any cell insertion order, different for different data or none', () => {
  const mk = (cells: Record<string, Cell>): PartitionData => ({ key: Buffer.from('k'), token: 1n, rangeTombstones: [], rows: [{ clustering: [], cells }] });
  const a = { ts: 1, v: Buffer.from('a') };
  const b = { ts: 2, v: Buffer.from('b') };
  const d1 = partitionDigest(mk({ x: a, y: b }));
  assert.deepEqual(partitionDigest(mk({ y: b, x: a })), d1);
  assert.notDeepEqual(partitionDigest(mk({ x: a, y: { ...b, ts: 3 } })), d1);
  assert.notDeepEqual(partitionDigest(undefined), d1);
  assert.notDeepEqual(partitionDigest({ key: Buffer.from('k'), token: 1n, rangeTombstones: [], rows: [] }), partitionDigest(undefined));
  assert.equal(d1.length, 16);
});

test('a traced read or mutation keeps its session id (msgpack, not the binary form)', () => {
  const tr = Buffer.alloc(16, 7);
  const read = { t: { ks: 'ks', table: 't', id: 'x' }, key: Buffer.from('k'), token: 1n, filter: {}, now: 5, tr };
  const items = [{ t: { ks: 'ks', table: 't', id: 'x' }, u: { key: Buffer.from('k'), token: 1n, rangeTombstones: [], rows: [] } }];
  for (const [verb, payload] of [[Verbs.READ.name, read], [Verbs.MUTATION.name, { items, tr }]] as const) {
    const out = decodePayload(encodePayload(verb, Kind.REQUEST, payload)) as { tr?: Buffer };
    assert.ok(Buffer.isBuffer(out.tr) && out.tr.equals(tr), verb);
  }
});
