// Property tests of the connection codec after STARTUP: whatever bytes a client sends on a v5 connection (bare or
// LZ4 segments) or a compressed v3/v4 one, WireCodec + decodeFrameRequest yield envelopes or CqlErrors — never
// another exception, never an endless loop — and corrupt segments end the connection. Fixed seeds: a failure
// replays as is.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CqlError } from '../../src/model/errors.ts';
import { bodyCompressor, type CompressionName } from '../../src/protocol/compression.ts';
import { Opcode } from '../../src/protocol/messages.ts';
import { decodeFrameRequest } from '../../src/protocol/requests.ts';
import { encodeSegments } from '../../src/protocol/segment.ts';
import { WireCodec } from '../../src/protocol/wire.ts';
import { frame } from './helpers.ts';

/** A codec past a successful STARTUP in `version` with `compression`. */
function negotiatedCodec(version: number, compression: CompressionName | undefined): WireCodec {
  const c = new WireCodec({ maxBodyLength: 1 << 20 });
  c.negotiated(version, compression, () => undefined);
  return c;
}

/** Feeds input in chunks; returns how many envelopes were served and every error met. */
function feed(c: WireCodec, input: Buffer, chunk: number): { served: number; errors: unknown[]; fatal: boolean } {
  let served = 0;
  let fatal = false;
  const errors: unknown[] = [];
  let guard = 0;
  for (let off = 0; off < input.length; off += chunk) {
    c.push(input.subarray(off, off + chunk));
    for (let item = c.next(); item; item = c.next()) {
      assert.ok(++guard < 10_000, 'the codec keeps yielding without consuming input');
      if (item.kind === 'error') {
        errors.push(item.error);
        fatal ||= item.fatal;
        continue;
      }
      try {
        decodeFrameRequest(item.frame);
        served++;
      } catch (e) {
        errors.push(e);
      }
    }
  }
  return { served, errors, fatal };
}

const body = fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a));
const opcode = fc.constantFrom(Opcode.OPTIONS, Opcode.QUERY, Opcode.PREPARE, Opcode.EXECUTE, Opcode.BATCH, Opcode.REGISTER, 0x42);
const envelopes = (version: number) =>
  fc.array(fc.record({ opcode, body, stream: fc.integer({ min: 0, max: 32767 }) }), { minLength: 1, maxLength: 4 })
    .map((es) => Buffer.concat(es.map((e) => frame(e.opcode, e.body, { version, stream: e.stream }))));

const flips = fc.array(fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }), { maxLength: 3 });

function flip(b: Buffer, fs: Array<{ at: number; bit: number }>): Buffer {
  const out = Buffer.from(b);
  for (const f of fs) if (out.length > 0) out[f.at % out.length]! ^= 1 << f.bit;
  return out;
}

function onlyCqlErrors(errors: unknown[]): void {
  for (const e of errors) assert.ok(e instanceof CqlError, `non-CQL error: ${String(e)} ${(e as Error)?.stack ?? ''}`);
}

describe('wire codec fuzzing', () => {
  for (const lz4 of [false, true]) {
    it(`v5${lz4 ? ' LZ4' : ''}: intact segments serve every envelope; any flipped bit fails with CqlErrors only`, () => {
      fc.assert(
        fc.property(envelopes(5), flips, fc.integer({ min: 1, max: 97 }), (envs, fs, chunk) => {
          const wire = encodeSegments(envs, lz4);
          const clean = feed(negotiatedCodec(5, lz4 ? 'lz4' : undefined), wire, chunk);
          onlyCqlErrors(clean.errors);
          assert.equal(clean.fatal, false, 'intact segments never end the connection');
          const hurt = feed(negotiatedCodec(5, lz4 ? 'lz4' : undefined), flip(wire, fs), chunk);
          onlyCqlErrors(hurt.errors);
          // Both CRCs cover every byte of a segment, so any flipped bit ends the connection at that segment.
          if (fs.length > 0 && !flip(wire, fs).equals(wire)) assert.ok(hurt.fatal, 'a corrupt segment ends the connection');
        }),
        { numRuns: 1500, seed: lz4 ? 4242 : 2424 },
      );
    });
  }

  it('v5: random bytes where segments are due fail with CqlErrors only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), fc.boolean(), (data, lz4) => {
        onlyCqlErrors(feed(negotiatedCodec(5, lz4 ? 'lz4' : undefined), Buffer.from(data), 13).errors);
      }),
      { numRuns: 3000, seed: 77 },
    );
  });

  for (const name of ['lz4', 'snappy'] as const) {
    it(`v4 ${name}: compressed bodies, intact or corrupt, fail with CqlErrors only`, () => {
      const c = bodyCompressor(name);
      fc.assert(
        fc.property(fc.array(fc.record({ opcode, body, stream: fc.nat(32767) }), { minLength: 1, maxLength: 3 }), flips, (es, fs) => {
          const wire = Buffer.concat(es.map((e) => frame(e.opcode, flip(c.compress(e.body), fs), { stream: e.stream, flags: 0x01 })));
          onlyCqlErrors(feed(negotiatedCodec(4, name), wire, 31).errors);
        }),
        { numRuns: 2000, seed: name === 'lz4' ? 11 : 12 },
      );
    });
  }

  it('v3 and v5 request bodies of random bytes fail with CqlErrors only', () => {
    fc.assert(
      fc.property(fc.constantFrom(3, 5), opcode, body, (version, op, b) => {
        onlyCqlErrors(feed(new WireCodec(), frame(op, b, { version }), 64).errors);
      }),
      { numRuns: 3000, seed: 5 },
    );
  });
});
