// The on-disk value encoding of rows and partition headers: a compact hand-written binary format, because msgpack
// (generic maps with string keys) was the largest single cost of both the read and the write path.
//
// Every value starts with a tag byte. Tags 0x01/0x02 are this format; msgpack encodes the old Row/Header objects
// as maps (0x80–0x8f, 0xde, 0xdf), which no tag here collides with, so values written by earlier versions still
// decode through the msgpack fallback. Layouts (varuint = LEB128, f64 = little-endian double, which carries any
// JS number losslessly, so timestamps in µs and second counts round-trip exactly):
//
//   row     = 0x01 body
//   header  = 0x02 hflags(1: deletion, 2: static row) [deletion] varuint(#rts) rt* [body]
//   body    = flags(1: marker, 2: deletion) varuint(#clustering) bytes* [liveness] [deletion] varuint(#cols) col*
//   liveness= lflags(1: ttl, 2: ldt) f64(ts) [f64(ttl)] [f64(ldt)]
//   deletion= f64(ts) f64(ldt)
//   col     = bytes(utf8 name) kind(0: cell, 1: complex) (cell | complex)
//   cell    = cflags(1: tombstone, 2: ttl, 4: ldt) f64(ts) [f64(ttl)] [f64(ldt)] [bytes(value) unless tombstone]
//   complex = has-deletion(0/1) [deletion] varuint(#elements) (bytes(path) cell)*
//   rt      = bound bound deletion;  bound = inclusive(0/1) varuint(#prefix) bytes*;  bytes = varuint(len) raw
import { Packr } from 'msgpackr';
import type { Bound, Cell, ColumnData, ComplexCell, ComplexColumn, LivenessInfo, RangeTombstone, Row, Tombstone } from './types.ts';
import { emptyCells } from './types.ts';

/** What the header key of a partition holds. */
export interface Header {
  deletion?: Tombstone;
  rangeTombstones: RangeTombstone[];
  staticRow?: Row;
}

const TAG_ROW = 0x01;
const TAG_HEADER = 0x02;
const legacy = new Packr({ useRecords: false });

/** Encoder with one reusable scratch buffer: callers must hand the result to LMDB (which copies) before reuse. */
export class Encoder {
  buf: Buffer;
  pos = 0;

  constructor(size = 4096, private readonly slow = false) {
    this.buf = slow ? Buffer.allocUnsafeSlow(size) : Buffer.allocUnsafe(size);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const size = Math.max(this.buf.length * 2, this.pos + n);
    const next = this.slow ? Buffer.allocUnsafeSlow(size) : Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }
  varuint(n: number): void {
    this.ensure(5);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
  }
  f64(n: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(n, this.pos);
    this.pos += 8;
  }
  bytes(b: Uint8Array): void {
    this.varuint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  string(s: string): void {
    // Column names are nearly always ASCII: write them directly, else through the UTF-8 encoder.
    const n = s.length;
    let ascii = n < 128;
    for (let i = 0; ascii && i < n; i++) if (s.charCodeAt(i) > 0x7f) ascii = false;
    if (ascii) {
      this.ensure(n + 1);
      this.buf[this.pos++] = n;
      for (let i = 0; i < n; i++) this.buf[this.pos++] = s.charCodeAt(i);
    } else {
      this.bytes(Buffer.from(s, 'utf8'));
    }
  }
  result(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

const enc = new Encoder();

function writeDeletion(e: Encoder, d: Tombstone): void {
  e.f64(d.ts);
  e.f64(d.ldt);
}

function writeCell(e: Encoder, c: Cell): void {
  const tomb = c.v === null;
  e.byte((tomb ? 1 : 0) | (c.ttl !== undefined ? 2 : 0) | (c.ldt !== undefined ? 4 : 0));
  e.f64(c.ts);
  if (c.ttl !== undefined) e.f64(c.ttl);
  if (c.ldt !== undefined) e.f64(c.ldt);
  if (!tomb) e.bytes(c.v!);
}

function writeBody(e: Encoder, r: Row): void {
  e.byte((r.marker ? 1 : 0) | (r.deletion ? 2 : 0));
  const cl = r.clustering;
  e.varuint(cl.length);
  for (let i = 0; i < cl.length; i++) e.bytes(cl[i]);
  const m = r.marker;
  if (m) {
    e.byte((m.ttl !== undefined ? 1 : 0) | (m.ldt !== undefined ? 2 : 0));
    e.f64(m.ts);
    if (m.ttl !== undefined) e.f64(m.ttl);
    if (m.ldt !== undefined) e.f64(m.ldt);
  }
  if (r.deletion) writeDeletion(e, r.deletion);
  let n = 0;
  for (const _ in r.cells) n++;
  e.varuint(n);
  for (const name in r.cells) {
    const d = r.cells[name];
    e.string(name);
    if ((d as ComplexColumn).cells !== undefined) {
      const cc = d as ComplexColumn;
      e.byte(1);
      e.byte(cc.deletion ? 1 : 0);
      if (cc.deletion) writeDeletion(e, cc.deletion);
      e.varuint(cc.cells.length);
      for (const el of cc.cells) {
        e.bytes(el.path);
        writeCell(e, el.cell);
      }
    } else {
      e.byte(0);
      writeCell(e, d as Cell);
    }
  }
}

function writeBound(e: Encoder, b: Bound): void {
  e.byte(b.inclusive ? 1 : 0);
  e.varuint(b.prefix.length);
  for (const p of b.prefix) e.bytes(p);
}

/** The encoded row, valid until the next encode call. */
export function encodeRow(r: Row): Buffer {
  enc.pos = 0;
  enc.byte(TAG_ROW);
  writeBody(enc, r);
  return enc.result();
}

/**
 * Appends a row as `varuint(length) row` to an encoder (the commit log entry: mutation-codec.ts) without encoding it
 * elsewhere first; returns where the row's own bytes lie. Two bytes are kept for the length, the usual size.
 */
export function appendRowBytes(e: Encoder, r: Row): [number, number] {
  e.ensure(2);
  const at = e.pos;
  e.pos += 2;
  e.byte(TAG_ROW);
  writeBody(e, r);
  let start = at + 2;
  const n = e.pos - start;
  const width = n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
  if (width !== 2) {
    e.ensure(width - 2);
    e.buf.copyWithin(at + width, start, e.pos);
    e.pos += width - 2;
    start = at + width;
  }
  let v = n;
  let o = at;
  while (v >= 0x80) {
    e.buf[o++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  e.buf[o] = v;
  return [start, start + n];
}

/** The encoded header, valid until the next encode call. */
export function encodeHeader(h: Header): Buffer {
  enc.pos = 0;
  enc.byte(TAG_HEADER);
  enc.byte((h.deletion ? 1 : 0) | (h.staticRow ? 2 : 0));
  if (h.deletion) writeDeletion(enc, h.deletion);
  enc.varuint(h.rangeTombstones.length);
  for (const rt of h.rangeTombstones) {
    writeBound(enc, rt.start);
    writeBound(enc, rt.end);
    writeDeletion(enc, rt.deletion);
  }
  if (h.staticRow) writeBody(enc, h.staticRow);
  return enc.result();
}

// Column names repeat in every row: a small cache keyed by length and edge bytes (verified byte by byte) turns
// them back into the same strings without decoding UTF-8 each time. The internode reader uses it too (keyspace,
// table and column names, table ids: in every replica write and read).
const nameCache = new Map<number, { bytes: Buffer; name: string }>();

/** buf.toString('utf8', start, start + n), the same string object again for names seen before. */
export function columnName(buf: Buffer, start: number, n: number): string {
  if (n === 0 || n > 64) return buf.toString('utf8', start, start + n);
  const key = n * 65536 + buf[start] * 256 + buf[start + n - 1];
  const hit = nameCache.get(key);
  if (hit !== undefined) {
    const b = hit.bytes;
    let same = true;
    for (let i = 1; i < n - 1; i++) {
      if (b[i] !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return hit.name;
  }
  const name = buf.toString('utf8', start, start + n);
  if (nameCache.size < 4096) nameCache.set(key, { bytes: Buffer.from(buf.subarray(start, start + n)), name });
  return name;
}

/** Reads from one private copy of the stored bytes: decoded values are views into it, so they stay valid. */
class Decoder {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  byte(): number {
    return this.buf[this.pos++];
  }
  varuint(): number {
    let b = this.buf[this.pos++];
    if (b < 0x80) return b;
    let n = b & 0x7f;
    let shift = 7;
    do {
      b = this.buf[this.pos++];
      n += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b >= 0x80);
    return n;
  }
  f64(): number {
    const n = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return n;
  }
  bytes(): Buffer {
    const n = this.varuint();
    const start = this.pos;
    this.pos += n;
    return this.buf.subarray(start, this.pos);
  }
  string(): string {
    const n = this.varuint();
    const start = this.pos;
    this.pos += n;
    return columnName(this.buf, start, n);
  }
}

function readDeletion(d: Decoder): Tombstone {
  return { ts: d.f64(), ldt: d.f64() };
}

function readCell(d: Decoder): Cell {
  const f = d.byte();
  const ts = d.f64();
  // Objects get their properties in one fixed order so V8 keeps one shape per kind of cell.
  const c: Cell = { ts, v: null };
  if (f & 2) c.ttl = d.f64();
  if (f & 4) c.ldt = d.f64();
  if (!(f & 1)) c.v = d.bytes();
  return c;
}

function readBody(d: Decoder): Row {
  const flags = d.byte();
  const nc = d.varuint();
  const clustering: Buffer[] = new Array<Buffer>(nc);
  for (let i = 0; i < nc; i++) clustering[i] = d.bytes();
  let marker: LivenessInfo | undefined;
  if (flags & 1) {
    const lf = d.byte();
    marker = { ts: d.f64() };
    if (lf & 1) marker.ttl = d.f64();
    if (lf & 2) marker.ldt = d.f64();
  }
  const deletion = flags & 2 ? readDeletion(d) : undefined;
  const cells: Record<string, ColumnData> = emptyCells();
  const n = d.varuint();
  for (let i = 0; i < n; i++) {
    const name = d.string();
    if (d.byte() === 1) {
      const del = d.byte() === 1 ? readDeletion(d) : undefined;
      const m = d.varuint();
      const els: ComplexCell[] = new Array<ComplexCell>(m);
      for (let j = 0; j < m; j++) {
        const path = d.bytes();
        els[j] = { path, cell: readCell(d) };
      }
      cells[name] = del ? { deletion: del, cells: els } : { cells: els };
    } else {
      cells[name] = readCell(d);
    }
  }
  const row: Row = { clustering, cells };
  if (marker) row.marker = marker;
  if (deletion) row.deletion = deletion;
  return row;
}

function readBound(d: Decoder): Bound {
  const inclusive = d.byte() === 1;
  const n = d.varuint();
  const prefix: Buffer[] = new Array<Buffer>(n);
  for (let i = 0; i < n; i++) prefix[i] = d.bytes();
  return { prefix, inclusive };
}

/** A private copy of bytes lmdb-js may overwrite (its reusable get buffer reports the value's size as `length`). */
function copyOf(b: Uint8Array): Buffer {
  const len = b.length;
  const out = Buffer.allocUnsafe(len);
  out.set(len === b.byteLength ? b : new Uint8Array(b.buffer, b.byteOffset, len));
  return out;
}

/** Decodes a stored row; `own` says the bytes are a private copy (else they are copied first). */
export function decodeRow(b: Uint8Array, own = false): Row {
  if (b[0] !== TAG_ROW) return legacy.unpack(own ? b : copyOf(b)) as Row;
  const d = new Decoder(own ? (b as Buffer) : copyOf(b));
  d.pos = 1;
  return readBody(d);
}

export function decodeHeader(b: Uint8Array, own = false): Header {
  if (b[0] !== TAG_HEADER) return legacy.unpack(own ? b : copyOf(b)) as Header;
  const d = new Decoder(own ? (b as Buffer) : copyOf(b));
  d.pos = 1;
  const flags = d.byte();
  const h: Header = { rangeTombstones: [] };
  if (flags & 1) h.deletion = readDeletion(d);
  const n = d.varuint();
  for (let i = 0; i < n; i++) {
    const start = readBound(d);
    const end = readBound(d);
    h.rangeTombstones.push({ start, end, deletion: readDeletion(d) });
  }
  if (flags & 2) h.staticRow = readBody(d);
  return h;
}
