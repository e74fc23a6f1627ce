// UUIDs: text form, random (v4) and time-based (v1) generation, and the timeuuid timestamp.
import { randomBytes } from 'node:crypto';
import { InvalidRequestError } from '../errors.ts';

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function tryParseUuid(text: string): Buffer | undefined {
  if (!UUID_RE.test(text)) return undefined;
  return Buffer.from(text.replace(/-/g, ''), 'hex');
}

export function parseUuid(text: string): Buffer {
  const b = tryParseUuid(text);
  if (!b) throw new InvalidRequestError(`Unable to make UUID from '${text}'`);
  return b;
}

export function uuidToString(buf: Buffer): string {
  const h = buf.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export const uuidVersion = (buf: Buffer): number => buf[6]! >> 4;

export function randomUuid(): Buffer {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return b;
}

/** 100 ns intervals between the Gregorian reform (1582-10-15, the v1 epoch) and the Unix epoch. */
const GREGORIAN_OFFSET = 0x01b21dd213814000n;

/** A v1 UUID from a 60-bit count of 100 ns ticks since the Unix epoch and 8 clock-seq/node bytes. */
export function makeTimeUuid(unixTicks: bigint, clockSeqAndNode: Buffer): Buffer {
  const ts = BigInt.asUintN(60, unixTicks + GREGORIAN_OFFSET);
  const out = Buffer.alloc(16);
  out.writeUInt32BE(Number(ts & 0xffffffffn), 0);
  out.writeUInt16BE(Number((ts >> 32n) & 0xffffn), 4);
  out.writeUInt16BE(Number((ts >> 48n) & 0x0fffn) | 0x1000, 6);
  clockSeqAndNode.copy(out, 8, 0, 8);
  return out;
}

/** 100 ns ticks since the Unix epoch encoded in a v1 UUID (may be negative for pre-1970 uuids). */
export function timeuuidTicks(buf: Buffer): bigint {
  const hi = (buf.readUInt16BE(6) & 0x0fff) * 0x10000 + buf.readUInt16BE(4);
  const ts = (BigInt(hi) << 32n) | BigInt(buf.readUInt32BE(0));
  return ts - GREGORIAN_OFFSET;
}

export function timeuuidToMs(buf: Buffer): number {
  const t = timeuuidTicks(buf);
  // Floor division so pre-epoch uuids round towards the past like Java's Math.floorDiv.
  const q = t / 10000n;
  return Number(t % 10000n < 0n ? q - 1n : q);
}

// minTimeuuid/maxTimeuuid use the extreme signed-byte clock-seq/node values Cassandra's UUIDGen uses so that
// every real timeuuid of the same millisecond sorts between them.
const MIN_CLOCK_SEQ_AND_NODE = Buffer.from('8080808080808080', 'hex');
const MAX_CLOCK_SEQ_AND_NODE = Buffer.from('7f7f7f7f7f7f7f7f', 'hex');

export const minTimeuuid = (ms: number): Buffer => makeTimeUuid(BigInt(ms) * 10000n, MIN_CLOCK_SEQ_AND_NODE);
export const maxTimeuuid = (ms: number): Buffer => makeTimeUuid(BigInt(ms) * 10000n + 9999n, MAX_CLOCK_SEQ_AND_NODE);

/**
 * v1 generator whose uuids strictly increase (by timestamp) within the process: when more than one uuid is asked
 * for in the same 100 ns tick, or the clock steps back, it borrows the next tick, as Cassandra's UUIDGen does.
 */
export class TimeUuidGenerator {
  private lastTicks = -1n;
  private readonly clockSeqAndNode: Buffer;

  constructor(clockSeqAndNode?: Buffer) {
    const b = clockSeqAndNode ? Buffer.from(clockSeqAndNode) : randomBytes(8);
    b[0] = (b[0]! & 0x3f) | 0x80; // RFC 4122 variant
    // A random node must set the multicast bit so it can never collide with a real MAC address.
    if (!clockSeqAndNode) b[2] = b[2]! | 0x01;
    this.clockSeqAndNode = b;
  }

  /** Strictly increasing 100 ns ticks since the Unix epoch, starting from `ms`. */
  nextTicks(ms: number): bigint {
    let t = BigInt(ms) * 10000n;
    if (t <= this.lastTicks) t = this.lastTicks + 1n;
    this.lastTicks = t;
    return t;
  }

  next(ms: number): Buffer {
    return makeTimeUuid(this.nextTicks(ms), this.clockSeqAndNode);
  }
}

export const defaultTimeUuidGenerator = new TimeUuidGenerator();
