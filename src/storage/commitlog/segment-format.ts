// The commit log's file format. A segment is `CommitLog-1-<id>.log`: a header, then entries appended one after the
// other, each framed so that replay can tell a complete entry from a damaged one:
//
//   header = "SBCL" version(1 byte) 000000 id(u64 BE) crc32(previous 16 bytes, u32 BE)           20 bytes
//   entry  = length(u32 BE) crc32(length bytes, u32 BE) payload(length bytes) crc32(payload, u32 BE)
//
// The length has its own checksum so that a damaged length is never trusted to skip ahead. A file is only ever
// appended to, so the last entry of the newest segment can be incomplete after a crash (a torn tail); anything else
// that does not check out is corruption.
import { crc32 } from './crc32.ts';

export const SEGMENT_VERSION = 1;
export const HEADER_SIZE = 20;
/** Bytes an entry adds around its payload. */
export const ENTRY_OVERHEAD = 12;
const MAGIC = Buffer.from('SBCL', 'latin1');
const NAME = /^CommitLog-(\d+)-(\d+)\.log$/;

export function segmentFileName(id: number): string {
  return `CommitLog-${SEGMENT_VERSION}-${id}.log`;
}

/** The id of a segment file name, undefined for other files (and for other versions' segments). */
export function parseSegmentFileName(name: string): number | undefined {
  const m = NAME.exec(name);
  if (!m || Number(m[1]) !== SEGMENT_VERSION) return undefined;
  const id = Number(m[2]);
  return Number.isSafeInteger(id) ? id : undefined;
}

export function encodeSegmentHeader(id: number): Buffer {
  const b = Buffer.alloc(HEADER_SIZE);
  MAGIC.copy(b, 0);
  b[4] = SEGMENT_VERSION;
  b.writeBigUInt64BE(BigInt(id), 8);
  b.writeUInt32BE(crc32(b, 0, 16), 16);
  return b;
}

/** Writes a framed entry at `pos` (the caller made room: payload + ENTRY_OVERHEAD); returns the end offset. */
export function writeEntry(buf: Buffer, pos: number, payload: Uint8Array): number {
  buf.writeUInt32BE(payload.length, pos);
  buf.writeUInt32BE(crc32(buf, pos, pos + 4), pos + 4);
  buf.set(payload, pos + 8);
  const end = pos + 8 + payload.length;
  buf.writeUInt32BE(crc32(payload), end);
  return end + 4;
}

export interface SegmentEntry {
  /** Offset of the entry's first byte in the file. */
  offset: number;
  /** Offset just after it: the position a flush must pass to make the entry's data clean. */
  end: number;
  payload: Buffer;
}

export interface SegmentDamage {
  offset: number;
  reason: string;
  /** Where the next intact entry starts, if any does. */
  resumeAt?: number;
}

export interface ScannedSegment {
  /** The id in the header (undefined when the header itself is damaged). */
  id?: number;
  entries: SegmentEntry[];
  /** Damaged places in file order; the last one has no resumeAt when nothing intact follows it. */
  damage: SegmentDamage[];
}

function checkHeader(buf: Buffer): { id?: number; reason?: string } {
  if (buf.length < HEADER_SIZE) return { reason: `segment header incomplete (${buf.length} of ${HEADER_SIZE} bytes)` };
  if (!buf.subarray(0, 4).equals(MAGIC)) return { reason: 'not a commit log segment header' };
  if (buf.readUInt32BE(16) !== crc32(buf, 0, 16)) return { reason: 'segment header checksum mismatch' };
  return { id: Number(buf.readBigUInt64BE(8)) };
}

/** Why no intact entry starts at `pos`, or undefined when one does. */
function entryProblem(buf: Buffer, pos: number): string | undefined {
  const left = buf.length - pos;
  if (left < 8) return `entry header incomplete (${left} bytes left)`;
  const len = buf.readUInt32BE(pos);
  if (buf.readUInt32BE(pos + 4) !== crc32(buf, pos, pos + 4)) return 'entry length checksum mismatch';
  if (len === 0) return 'empty entry';
  if (len + ENTRY_OVERHEAD > left) return `entry truncated (${len + ENTRY_OVERHEAD} bytes, ${left} left in the file)`;
  const end = pos + 8 + len;
  if (buf.readUInt32BE(end) !== crc32(buf, pos + 8, end)) return 'entry checksum mismatch';
  return undefined;
}

/** The next offset after `from` where an intact entry starts (every offset is tried: nothing marks entry starts). */
function resync(buf: Buffer, from: number): number | undefined {
  for (let q = from; q + ENTRY_OVERHEAD < buf.length; q++) {
    const len = buf.readUInt32BE(q);
    if (len === 0 || len + ENTRY_OVERHEAD > buf.length - q) continue;
    if (entryProblem(buf, q) === undefined) return q;
  }
  return undefined;
}

/** Reads every intact entry of a segment file's bytes, and where it is damaged. */
export function scanSegment(buf: Buffer): ScannedSegment {
  const header = checkHeader(buf);
  const entries: SegmentEntry[] = [];
  const damage: SegmentDamage[] = [];
  let pos = HEADER_SIZE;
  if (header.reason !== undefined) {
    const resumeAt = buf.length > HEADER_SIZE ? resync(buf, HEADER_SIZE) : undefined;
    damage.push({ offset: 0, reason: header.reason, ...(resumeAt !== undefined ? { resumeAt } : {}) });
    if (resumeAt === undefined) return { entries, damage };
    pos = resumeAt;
  }
  while (pos < buf.length) {
    const problem = entryProblem(buf, pos);
    if (problem === undefined) {
      const len = buf.readUInt32BE(pos);
      const end = pos + len + ENTRY_OVERHEAD;
      entries.push({ offset: pos, end, payload: buf.subarray(pos + 8, pos + 8 + len) });
      pos = end;
      continue;
    }
    const resumeAt = resync(buf, pos + 1);
    damage.push({ offset: pos, reason: problem, ...(resumeAt !== undefined ? { resumeAt } : {}) });
    if (resumeAt === undefined) break;
    pos = resumeAt;
  }
  return { ...(header.id !== undefined ? { id: header.id } : {}), entries, damage };
}

/** A torn tail: damage at the end of the file with nothing intact after it (a write cut short by a crash). */
export function isTornTail(s: ScannedSegment): boolean {
  return s.damage.length === 1 && s.damage[0]!.resumeAt === undefined;
}
