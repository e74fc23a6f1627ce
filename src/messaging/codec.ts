// Internode framing: every message on a TCP stream is [u32 big-endian body length][body]. The handshake's body is
// msgpack (below); the messages after it are envelopes (envelope.ts), binary for the hot verbs. This file is pure
// logic (bytes in, values out) so it can be tested byte by byte without sockets.
//
// msgpack, for the handshake and for payloads without a binary form (gossip, schema):
// Encoding choices, and why:
// - `useRecords: false`: msgpackr's record extension shares object "structures" between the packer and the
//   unpacker. Two processes do not share that state, so a record written by one would be unreadable by the other.
//   Plain msgpack maps cost a few bytes per key and are always self-describing.
// - bigint: tokens are signed 64-bit, which msgpack's int64 carries; `useBigIntExtension` also carries larger ones
//   (varint-sized) instead of throwing. int64 values decode as bigint (msgpackr's default), so a bigint comes back a
//   bigint even when small, and a JS number stays a number.
// - Buffer: msgpack bin. `copyBuffers` makes every decoded Buffer its own allocation: without it a value would be a
//   view into the socket's receive chunk and keep the whole chunk alive as long as the value lives (hints, caches).
// - A JS Map encodes as a msgpack map and decodes as a plain object (keys become strings). Messages are plain data
//   (see cluster/gossip-state.ts), so this is documented rather than worked around with a process-global extension,
//   which would also change how storage (the other msgpackr user) encodes.

import { C1, Packr, RESERVE_START_SPACE } from 'msgpackr';
import { FrameError } from './wire.ts';

export { FrameError } from './wire.ts';

/** Upper bound on one frame's body. A length above it means garbage or a hostile peer: the link is closed. */
export const DEFAULT_MAX_FRAME_BYTES = 128 * 1024 * 1024;

const HEADER_BYTES = 4;

const packr = new Packr({ useRecords: false, useBigIntExtension: true, copyBuffers: true, int64AsType: 'bigint' });

/** msgpack body of one value (no length prefix). Throws for values msgpack cannot carry (functions, symbols). */
export function encodeBody(value: unknown): Buffer {
  return packr.pack(value);
}

/** Decodes exactly one msgpack value; trailing bytes or a truncated value are FrameErrors. */
export function decodeBody(body: Buffer): unknown {
  let value: unknown;
  try {
    value = packr.unpack(body) as unknown;
  } catch (err) {
    throw new FrameError(`undecodable frame body (${body.length} bytes): ${(err as Error).message}`);
  }
  // msgpackr hands back a marker object for 0xc1, the byte msgpack never uses, instead of failing.
  if (value === C1) throw new FrameError('frame body is the never-used msgpack byte 0xc1');
  return value;
}

/**
 * One complete frame: length prefix + body, in a single buffer so a frame is one socket write. msgpackr reserves the
 * header's 4 bytes in front of the body, which saves copying every message once. The result is a view into a
 * packing slab that msgpackr never rewrites (it starts a new slab when one fills), so it may be queued safely.
 */
export function encodeFrame(value: unknown, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Buffer {
  const frame = packr.pack(value, RESERVE_START_SPACE | HEADER_BYTES);
  const length = frame.length - HEADER_BYTES;
  if (length > maxFrameBytes) {
    throw new RangeError(`message of ${length} bytes exceeds the ${maxFrameBytes}-byte frame limit`);
  }
  frame.writeUInt32BE(length, 0);
  return frame;
}

/**
 * Incremental decoder: feed it whatever the socket delivers (any fragmentation, several frames per chunk) and it
 * returns the values completed so far. Chunks are only concatenated once a whole frame is available, so a large
 * frame arriving in many small pieces costs one copy, not one per piece.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Total bytes (header + body) of the frame being assembled, once its header is known. */
  private need = 0;
  private failed = false;

  /** May be changed between pushes (an inbound connection on probation has a smaller limit, inbound-guard.ts). */
  constructor(public maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /** Bytes held for an incomplete frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Returns the msgpack values of every frame completed by `chunk`; throws FrameError (and stays failed) on garbage. */
  push(chunk: Buffer): unknown[] {
    const bodies = this.pushRaw(chunk);
    try {
      return bodies.map(decodeBody);
    } catch (err) {
      this.fail();
      throw err;
    }
  }

  /**
   * The bodies of every frame completed by `chunk`, as views into the received bytes (copy what must outlive them:
   * a view would keep the whole socket chunk alive). Throws FrameError (and stays failed) on a bad length.
   */
  pushRaw(chunk: Buffer): Buffer[] {
    if (this.failed) throw new FrameError('decoder already failed');
    if (chunk.length === 0) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Buffer[] = [];
    try {
      this.drain(out);
    } catch (err) {
      this.fail();
      throw err;
    }
    return out;
  }

  /** Marks the stream as unusable: a frame failed to decode, so what follows cannot be trusted to be framed. */
  fail(): void {
    this.failed = true;
    this.chunks = [];
    this.buffered = 0;
  }

  private drain(out: Buffer[]): void {
    for (;;) {
      if (this.need === 0) {
        if (this.buffered < HEADER_BYTES) return;
        const length = this.peekLength();
        // A zero-length body cannot hold a msgpack value; anything above the cap is not a frame we would send.
        if (length === 0 || length > this.maxFrameBytes) {
          throw new FrameError(`bad frame length ${length} (limit ${this.maxFrameBytes})`);
        }
        this.need = HEADER_BYTES + length;
      }
      if (this.buffered < this.need) return;
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      let offset = 0;
      // Parse every complete frame in the joined buffer before re-examining the chunk list.
      while (this.need > 0 && all.length - offset >= this.need) {
        out.push(all.subarray(offset + HEADER_BYTES, offset + this.need));
        offset += this.need;
        this.need = 0;
        if (all.length - offset >= HEADER_BYTES) {
          const length = all.readUInt32BE(offset);
          if (length === 0 || length > this.maxFrameBytes) {
            throw new FrameError(`bad frame length ${length} (limit ${this.maxFrameBytes})`);
          }
          this.need = HEADER_BYTES + length;
        }
      }
      const rest = all.subarray(offset);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
    }
  }

  /** The u32 length at the front of the buffered bytes, which may straddle chunks. */
  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length >= HEADER_BYTES) return first.readUInt32BE(0);
    const head = Buffer.concat(this.chunks, this.buffered).subarray(0, HEADER_BYTES);
    return head.readUInt32BE(0);
  }
}
