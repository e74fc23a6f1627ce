// Byte-level writing and reading for the internode binary codecs. Pure logic: no sockets, no timers.
//
// Writer appends into a slab and hands out what was written as a view (take()), so many frames share one allocation
// and a link's whole turn of frames is one contiguous buffer, written with one syscall. A slab is never written again
// once a view of it has been taken (the socket may still hold that view), so a new slab starts when one is used up.
//
// Reader decodes from one buffer with every read bounds-checked: the bytes come off the network and a truncated or
// hostile frame must fail as a FrameError, never read past its end or allocate what a length field claims.

import { columnName } from '../storage/codec.ts';

/** Thrown for a stream that cannot be a valid sequence of frames; the connection must be closed. */
export class FrameError extends Error {
  override readonly name = 'FrameError';
}

const SLAB_BYTES = 64 * 1024;

export class Writer {
  private buf: Buffer;
  /** Where the bytes not yet taken begin. */
  private start = 0;
  pos = 0;

  constructor(private readonly slabBytes = SLAB_BYTES) {
    this.buf = Buffer.allocUnsafe(slabBytes);
  }

  /** Bytes written and not yet taken. */
  get length(): number {
    return this.pos - this.start;
  }

  /** Room for n more bytes; what is not yet taken moves to the new slab when the current one is too small. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const pending = this.pos - this.start;
    const next = Buffer.allocUnsafe(Math.max(this.slabBytes, 2 * (pending + n)));
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = pending;
  }

  /** Everything written since the last take(), as a view; the writer goes on after it. */
  take(): Buffer {
    const out = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    // Less than a small frame's room left: start afresh rather than split the next frame across slabs.
    if (this.buf.length - this.pos < 512) {
      this.buf = Buffer.allocUnsafe(this.slabBytes);
      this.start = this.pos = 0;
    }
    return out;
  }

  /**
   * A position to come back to: counted from the first byte not yet taken, since ensure() may move those bytes to a
   * new slab between mark() and its use.
   */
  mark(): number {
    return this.pos - this.start;
  }

  /** Forgets what was written after `mark`, to write it another way (or not at all). */
  rewind(mark: number): void {
    this.pos = this.start + mark;
  }

  /** Bytes written since `mark`. */
  since(mark: number): number {
    return this.pos - this.start - mark;
  }

  /** Overwrites 4 bytes at `mark` (a length prefix reserved with u32(0)). */
  u32AtMark(mark: number, v: number): void {
    this.buf.writeUInt32BE(v, this.start + mark);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  /** Unsigned LEB128: lengths and counts, one byte when small. */
  varint(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`varint out of range: ${v}`);
    this.ensure(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  /** Any JS number, exactly (timestamps in µs exceed 32 bits). */
  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  /** A signed 64-bit integer (tokens); RangeError beyond it. */
  i64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
  }

  bytes(b: Buffer): void {
    this.varint(b.length);
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  raw(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  string(s: string): void {
    // Short ASCII strings (column names, keyspace and table names) are copied in a loop: a call into buf.write
    // costs ~50 ns whatever the length, the loop a few ns for a name of a few characters.
    if (s.length <= SHORT_STRING && this.asciiString(s)) return;
    // UTF-8 is at most 3 bytes per UTF-16 unit; the length prefix is written once the real size is known.
    const max = s.length * 3;
    this.ensure(5 + max);
    const lengthBytes = max < 0x80 ? 1 : max < 0x4000 ? 2 : 5;
    const written = this.buf.write(s, this.pos + lengthBytes, 'utf8');
    if (lengthBytes === 1) {
      this.buf[this.pos] = written;
    } else if (lengthBytes === 2) {
      this.buf[this.pos] = (written & 0x7f) | 0x80;
      this.buf[this.pos + 1] = written >>> 7;
    } else {
      // Five bytes of LEB128 (padded with continuation bytes) so the value can be written in place.
      let v = written;
      for (let i = 0; i < 4; i++, v >>>= 7) this.buf[this.pos + i] = (v & 0x7f) | 0x80;
      this.buf[this.pos + 4] = v;
    }
    this.pos += lengthBytes + written;
  }

  /** Writes `s` (shorter than 0x80) if it is all ASCII; false, having written nothing that counts, if it is not. */
  private asciiString(s: string): boolean {
    const n = s.length;
    this.ensure(1 + n);
    const buf = this.buf;
    const at = this.pos + 1;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return false;
      buf[at + i] = c;
    }
    buf[this.pos] = n;
    this.pos = at + n;
    return true;
  }
}

/** Strings up to this length take the ASCII loops of Writer.string / Reader.string. */
const SHORT_STRING = 24;

export class Reader {
  pos: number;

  constructor(
    private readonly buf: Buffer,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new FrameError(`truncated frame: ${n} bytes needed at ${this.pos}, ${this.end - this.pos} left`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  varint(): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
    }
    throw new FrameError('varint longer than 8 bytes');
  }

  /** A count of items that each take at least `minBytes`: refused when the frame cannot hold that many. */
  count(minBytes = 1): number {
    const n = this.varint();
    if (n * minBytes > this.end - this.pos) throw new FrameError(`count ${n} exceeds the frame`);
    return n;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  i64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A length-prefixed byte string, as a view into the frame (the frame is its own copy; see FrameDecoder). */
  bytes(): Buffer {
    const n = this.varint();
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** The rest of the frame, as a view. */
  rest(): Buffer {
    const out = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return out;
  }

  string(): string {
    const n = this.varint();
    this.need(n);
    const buf = this.buf;
    const start = this.pos;
    this.pos += n;
    // Names (keyspace, table, table id, columns) repeat in every message: the same string back from a small cache,
    // without building it again.
    return columnName(buf, start, n);
  }
}
