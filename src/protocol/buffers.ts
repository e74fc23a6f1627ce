// Primitive codec of native protocol v4 (spec §3): a bounds-checked reader and a growable writer.
// The reader is fed untrusted client bytes, so every failure must surface as a ProtocolError (never a RangeError),
// which the connection turns into an ERROR 0x000A frame instead of crashing.
import { ProtocolError, ServerError } from '../model/errors.ts';
import { parseInet as parseInetText, inetToCompactString } from '../model/values/codec.ts';
import { UNSET, type BoundValue } from './messages.ts';
import { toConsistencyLevel, type ConsistencyLevel } from '../model/consistency.ts';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

export interface InetAddress {
  address: string;
  port: number;
}

export class BodyReader {
  pos: number;
  readonly end: number;

  constructor(
    readonly buf: Buffer,
    offset = 0,
    end = buf.length,
  ) {
    this.pos = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): number {
    const p = this.pos;
    if (n > this.end - p) {
      throw new ProtocolError(`Not enough bytes to read ${what} (need ${n}, have ${this.end - p})`);
    }
    this.pos = p + n;
    return p;
  }

  readByte(): number {
    return this.buf[this.need(1, 'a byte')]!;
  }

  readShort(): number {
    const p = this.need(2, 'a short');
    return (this.buf[p]! << 8) | this.buf[p + 1]!;
  }

  readInt(): number {
    return this.buf.readInt32BE(this.need(4, 'an int'));
  }

  /** A [long] as a JS number; values outside the safe-integer range cannot be represented exactly, so they are refused. */
  readLong(): number {
    const v = this.readLongBig();
    if (v > MAX_SAFE || v < MIN_SAFE) throw new ProtocolError(`Long value ${v} is out of the supported range`);
    return Number(v);
  }

  readLongBig(): bigint {
    return this.buf.readBigInt64BE(this.need(8, 'a long'));
  }

  private utf8(start: number, end: number): string {
    const b = this.buf;
    // Most identifiers and CQL text are ASCII; latin1 slicing of pure ASCII is the same string and avoids the decoder.
    let i = start;
    while (i < end && b[i]! < 0x80) i++;
    if (i === end) return b.toString('latin1', start, end);
    try {
      return utf8Decoder.decode(b.subarray(start, end));
    } catch {
      throw new ProtocolError('Cannot decode string as UTF8');
    }
  }

  readString(): string {
    const n = this.readShort();
    const p = this.need(n, 'a [string]');
    return this.utf8(p, p + n);
  }

  readLongString(): string {
    const n = this.readInt();
    if (n < 0) throw new ProtocolError(`Invalid [long string] length ${n}`);
    const p = this.need(n, 'a [long string]');
    return this.utf8(p, p + n);
  }

  readStringList(): string[] {
    const n = this.readShort();
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = this.readString();
    return out;
  }

  /** [bytes]; the result shares memory with the frame (no copy). */
  readBytes(): Buffer | null {
    const n = this.readInt();
    if (n < 0) return null;
    const p = this.need(n, '[bytes]');
    return this.buf.subarray(p, p + n);
  }

  readShortBytes(): Buffer {
    const n = this.readShort();
    const p = this.need(n, '[short bytes]');
    return this.buf.subarray(p, p + n);
  }

  readValue(): BoundValue {
    const n = this.readInt();
    if (n >= 0) {
      const p = this.need(n, 'a [value]');
      return this.buf.subarray(p, p + n);
    }
    if (n === -1) return null;
    if (n === -2) return UNSET;
    throw new ProtocolError(`Invalid [value] length ${n}`);
  }

  readStringMap(): Record<string, string> {
    const n = this.readShort();
    // Keys come from the client: a null-prototype object keeps "__proto__" an ordinary key.
    const out = Object.create(null) as Record<string, string>;
    for (let i = 0; i < n; i++) {
      const k = this.readString();
      out[k] = this.readString();
    }
    return out;
  }

  readStringMultimap(): Record<string, string[]> {
    const n = this.readShort();
    const out = Object.create(null) as Record<string, string[]>;
    for (let i = 0; i < n; i++) {
      const k = this.readString();
      out[k] = this.readStringList();
    }
    return out;
  }

  readBytesMap(): Map<string, Buffer | null> {
    const n = this.readShort();
    const out = new Map<string, Buffer | null>();
    for (let i = 0; i < n; i++) {
      const k = this.readString();
      out.set(k, this.readBytes());
    }
    return out;
  }

  readUuid(): Buffer {
    const p = this.need(16, 'a [uuid]');
    return this.buf.subarray(p, p + 16);
  }

  readInet(): InetAddress {
    const size = this.readByte();
    if (size !== 4 && size !== 16) throw new ProtocolError(`Invalid IP address length ${size}`);
    const p = this.need(size, 'an [inet] address');
    const address = formatInet(this.buf.subarray(p, p + size));
    return { address, port: this.readInt() };
  }

  readConsistency(): ConsistencyLevel {
    const c = this.readShort();
    const cl = toConsistencyLevel(c);
    if (cl === undefined) throw new ProtocolError(`Unknown code ${c} for a consistency level`);
    return cl;
  }
}

const INITIAL_CAPACITY = 64 * 1024;

/**
 * Appends into a slab that is handed out piecewise: take() returns the bytes written since the previous take() as a
 * view of the slab, and later writes go after it. Taken views are never overwritten (a full slab is replaced, not
 * compacted), so they can be passed to socket.write() while the writer keeps encoding the next replies.
 */
export class BodyWriter {
  buf: Buffer;
  /** Absolute write position in buf. */
  pos = 0;
  /** Start of the message being built. */
  private start = 0;

  constructor(initialCapacity = INITIAL_CAPACITY) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialCapacity));
  }

  /** Bytes written since the last take(). */
  get length(): number {
    return this.pos - this.start;
  }

  /** Make room for n more bytes; afterwards buf[pos .. pos+n) is writable. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const used = this.pos - this.start;
    let cap = this.buf.length;
    while (cap < used + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = used;
  }

  /** Detach what was written since the previous take(). */
  take(): Buffer {
    const out = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    return out;
  }

  /** Drop what was written since the previous take() (e.g. an encoding failed halfway). */
  discard(): void {
    this.pos = this.start;
  }

  /** Position relative to the current message, for patching later with patchInt(). */
  mark(): number {
    return this.pos - this.start;
  }

  /** Forget everything written after mark (used to roll back a frame whose encoding failed). */
  truncate(mark: number): void {
    this.pos = this.start + mark;
  }

  /** ORs bits into a byte already written (a frame header's flags, once the body says which apply). */
  patchOrByte(mark: number, bits: number): void {
    this.buf[this.start + mark] = this.buf[this.start + mark]! | bits;
  }

  patchInt(mark: number, v: number): void {
    this.buf.writeInt32BE(v, this.start + mark);
  }

  writeByte(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
  }

  writeShort(v: number): void {
    this.ensure(2);
    const b = this.buf;
    const p = this.pos;
    b[p] = (v >>> 8) & 0xff;
    b[p + 1] = v & 0xff;
    this.pos = p + 2;
  }

  writeInt(v: number): void {
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = (v >>> 24) & 0xff;
    b[p + 1] = (v >>> 16) & 0xff;
    b[p + 2] = (v >>> 8) & 0xff;
    b[p + 3] = v & 0xff;
    this.pos = p + 4;
  }

  writeLong(v: number | bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64BE(typeof v === 'bigint' ? v : BigInt(v), this.pos);
    this.pos += 8;
  }

  /** Writes UTF-8 after a length prefix of prefixBytes (2 or 4), without measuring the string first. */
  private writeUtf8(s: string, prefixBytes: 2 | 4, max: number, what: string): void {
    // A UTF-16 code unit never needs more than 3 UTF-8 bytes, so short strings skip the byteLength pass.
    this.ensure(prefixBytes + (s.length <= 4096 ? s.length * 3 : Buffer.byteLength(s)));
    const n = this.buf.write(s, this.pos + prefixBytes, 'utf8');
    if (n > max) throw new ServerError(`${what} too long: ${n} bytes`);
    if (prefixBytes === 2) this.writeShort(n);
    else this.writeInt(n);
    this.pos += n;
  }

  writeString(s: string): void {
    this.writeUtf8(s, 2, 0xffff, '[string]');
  }

  writeLongString(s: string): void {
    this.writeUtf8(s, 4, 0x7fffffff, '[long string]');
  }

  writeStringList(list: readonly string[]): void {
    this.writeShort(list.length);
    for (const s of list) this.writeString(s);
  }

  writeRaw(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    // For the tiny cells that dominate rows (ints, uuids, short text), a loop beats the native copy's call overhead.
    if (n <= 32) for (let i = 0; i < n; i++) buf[p++] = b[i]!;
    else {
      buf.set(b, p);
      p += n;
    }
    this.pos = p;
  }

  writeBytes(b: Uint8Array | null): void {
    if (b === null) return this.writeInt(-1);
    this.writeInt(b.length);
    this.writeRaw(b);
  }

  writeShortBytes(b: Uint8Array): void {
    if (b.length > 0xffff) throw new ServerError(`[short bytes] too long: ${b.length} bytes`);
    this.writeShort(b.length);
    this.writeRaw(b);
  }

  writeValue(v: BoundValue): void {
    if (v === UNSET) return this.writeInt(-2);
    this.writeBytes(v);
  }

  writeStringMap(m: Readonly<Record<string, string>>): void {
    const keys = Object.keys(m);
    this.writeShort(keys.length);
    for (const k of keys) {
      this.writeString(k);
      this.writeString(m[k]!);
    }
  }

  writeStringMultimap(m: Readonly<Record<string, readonly string[]>>): void {
    const keys = Object.keys(m);
    this.writeShort(keys.length);
    for (const k of keys) {
      this.writeString(k);
      this.writeStringList(m[k]!);
    }
  }

  writeBytesMap(m: ReadonlyMap<string, Uint8Array | null>): void {
    this.writeShort(m.size);
    for (const [k, v] of m) {
      this.writeString(k);
      this.writeBytes(v);
    }
  }

  writeUuid(u: Uint8Array): void {
    if (u.length !== 16) throw new ServerError(`[uuid] must be 16 bytes, got ${u.length}`);
    this.writeRaw(u);
  }

  writeInet(address: string, port: number): void {
    const bytes = parseInet(address);
    this.writeByte(bytes.length);
    this.writeRaw(bytes);
    this.writeInt(port);
  }

  writeConsistency(c: number): void {
    this.writeShort(c);
  }
}

/** IPv4 dotted quad or IPv6 text (with '::' and an optional embedded dotted quad) → 4 or 16 bytes. */
export function parseInet(address: string): Buffer {
  const b = parseInetText(address);
  if (!b) throw new ServerError(`Invalid IP address '${address}'`);
  return b;
}

/** 4 or 16 address bytes → text (IPv6 in the compressed RFC 5952 form). */
export function formatInet(b: Uint8Array): string {
  return inetToCompactString(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
