// Property tests: whatever bytes a client sends, FrameDecoder + decodeFrameRequest either decode them or fail with a
// CqlError — never another exception type, never an endless loop.
import { Consistency } from '../../src/model/consistency.ts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CqlError } from '../../src/model/errors.ts';
import { FrameDecoder } from '../../src/protocol/frame.ts';
import { Opcode, UNSET, type BoundValue, type QueryParameters, type Request } from '../../src/protocol/messages.ts';
import { decodeFrameRequest } from '../../src/protocol/requests.ts';
import { requestFrame } from './helpers.ts';

const bytes = fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a));
const value: fc.Arbitrary<BoundValue> = fc.oneof(bytes, fc.constant(null), fc.constant(UNSET));
const cl = fc.constantFrom(...Object.values(Consistency));
const text = fc.string({ maxLength: 20, unit: 'grapheme' });

const params: fc.Arbitrary<QueryParameters> = fc
  .record({
    consistency: cl,
    values: fc.array(value, { maxLength: 5 }),
    skipMetadata: fc.boolean(),
    named: fc.boolean(),
    pageSize: fc.option(fc.integer({ min: 1, max: 100000 }), { nil: undefined }),
    pagingState: fc.option(bytes, { nil: undefined }),
    serialConsistency: fc.option(fc.constantFrom(8, 9), { nil: undefined }),
    timestamp: fc.option(fc.integer({ min: -(2 ** 52), max: 2 ** 53 - 1 }), { nil: undefined }),
  })
  .map(({ named, ...p }) => {
    const out: QueryParameters = { consistency: p.consistency, values: p.values, skipMetadata: p.skipMetadata };
    if (named && p.values.length > 0) out.names = p.values.map((_, i) => `n${i}`);
    if (p.pageSize !== undefined) out.pageSize = p.pageSize;
    if (p.pagingState !== undefined) out.pagingState = p.pagingState;
    if (p.serialConsistency !== undefined) out.serialConsistency = p.serialConsistency;
    if (p.timestamp !== undefined) out.timestamp = p.timestamp;
    return out;
  });

const request: fc.Arbitrary<Request> = fc.oneof(
  fc.dictionary(text, text, { maxKeys: 4 }).map((options): Request => ({ opcode: Opcode.STARTUP, options })),
  fc.constant<Request>({ opcode: Opcode.OPTIONS }),
  fc.record({ query: text, params }).map((r): Request => ({ opcode: Opcode.QUERY, ...r })),
  text.map((query): Request => ({ opcode: Opcode.PREPARE, query })),
  fc.record({ id: bytes, params }).map((r): Request => ({ opcode: Opcode.EXECUTE, ...r })),
  fc.subarray(['TOPOLOGY_CHANGE', 'STATUS_CHANGE', 'SCHEMA_CHANGE']).map((events): Request => ({ opcode: Opcode.REGISTER, events })),
  fc.option(bytes, { nil: null }).map((token): Request => ({ opcode: Opcode.AUTH_RESPONSE, token })),
  fc
    .record({
      type: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
      children: fc.array(
        fc.record({ q: fc.oneof(text, bytes), values: fc.array(value, { maxLength: 3 }) }),
        { maxLength: 4 },
      ),
      consistency: cl,
      timestamp: fc.option(fc.nat(), { nil: undefined }),
    })
    .map(({ children, timestamp, ...b }): Request => ({
      opcode: Opcode.BATCH,
      batch: {
        ...b,
        ...(timestamp !== undefined ? { timestamp } : {}),
        children: children.map((c) => (typeof c.q === 'string' ? { query: c.q, values: c.values } : { id: c.q, values: c.values })),
      },
    })),
);

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; data: Uint8Array }
  | { kind: 'delete'; at: number; n: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.constantFrom(0, 0xff, 0x7f, 0x80, 0xfe, 1, 2) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), data: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 6 }) }),
);

function mutate(buf: Buffer, muts: Mutation[]): Buffer {
  let b = Buffer.from(buf);
  for (const m of muts) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === 'flip') b[at]! ^= 1 << m.bit;
    else if (m.kind === 'set') b[at] = m.byte;
    else if (m.kind === 'truncate') b = b.subarray(0, at);
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), m.data, b.subarray(at)]);
    else b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.n)]);
  }
  return b;
}

/** Feeds input in the given chunk sizes; returns decoded requests. Throws only what the codec throws. */
function run(input: Buffer, chunkSizes: number[]): { decoded: Request[]; errors: unknown[] } {
  const d = new FrameDecoder({ maxBodyLength: 1 << 20 });
  const decoded: Request[] = [];
  const errors: unknown[] = [];
  let off = 0;
  let i = 0;
  let guard = 0;
  while (off < input.length) {
    const n = Math.max(1, chunkSizes.length ? chunkSizes[i++ % chunkSizes.length]! : input.length);
    d.push(input.subarray(off, off + n));
    off += n;
    for (let item = d.next(); item !== undefined; item = d.next()) {
      assert.ok(++guard < 10_000, 'decoder keeps yielding items without consuming input');
      if (item.kind === 'error') {
        errors.push(item.error);
        continue;
      }
      try {
        decoded.push(decodeFrameRequest(item.frame));
      } catch (e) {
        errors.push(e);
      }
    }
  }
  return { decoded, errors };
}

function plain(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (_k, v: unknown) => (v === UNSET ? '<unset>' : v)));
}

function assertOnlyCqlErrors(errors: unknown[]): void {
  for (const e of errors) assert.ok(e instanceof CqlError, `non-CQL error: ${String(e)} ${(e as Error)?.stack ?? ''}`);
}

describe('protocol fuzzing', () => {
  it('valid frames decode back to the same requests under any chunking', () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 5 }), (reqs, chunks) => {
        const input = Buffer.concat(reqs.map((r, i) => requestFrame(r, { stream: i })));
        const { decoded, errors } = run(input, chunks);
        assert.deepEqual(errors, []);
        assert.equal(decoded.length, reqs.length);
        decoded.forEach((d, i) => assert.deepEqual(plain(d), plain(reqs[i])));
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated valid frames only ever fail with CqlError (10,000 cases)', () => {
    fc.assert(
      fc.property(
        fc.array(request, { minLength: 1, maxLength: 3 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 32 }), { maxLength: 4 }),
        fc.integer({ min: 0, max: 0xff }),
        (reqs, muts, chunks, flags) => {
          const input = Buffer.concat(reqs.map((r, i) => requestFrame(r, { stream: i, flags: flags & 0x06 })));
          assertOnlyCqlErrors(run(mutate(input, muts), chunks).errors);
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it('random bytes with a valid-looking header only ever fail with CqlError', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0x10 }),
        fc.integer({ min: 0, max: 0xff }),
        fc.uint8Array({ maxLength: 200 }),
        (opcode, flags, body) => {
          const h = Buffer.alloc(9);
          h[0] = 4;
          h[1] = flags;
          h[4] = opcode;
          h.writeUInt32BE(body.length, 5);
          assertOnlyCqlErrors(run(Buffer.concat([h, body]), [7]).errors);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('pure random streams only ever fail with CqlError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        assertOnlyCqlErrors(run(Buffer.from(data), [3]).errors);
      }),
      { numRuns: 3000 },
    );
  });
});
