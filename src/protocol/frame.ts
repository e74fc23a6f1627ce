// Incremental splitter of the client byte stream into envelopes (the 9-byte-header "frames" of v3/v4, spec §1-2;
// v5's envelopes inside segments, see segment.ts). It never throws on client input: bad input becomes an 'error'
// item carrying the ERROR the connection must send (and whether to close afterwards).
import { ProtocolError } from '../model/errors.ts';
import { Opcode } from './messages.ts';
import {
  betaWithoutFlagMessage, isBetaVersion, isSupportedVersion, ProtocolVersion, refusalVersion,
  unsupportedVersionMessage, usesSegments, versionName,
} from './versions.ts';

export const HEADER_LENGTH = 9;
/** The version a v4-only client of ours (cqlsh) speaks, and the default of the encoders. */
export const PROTOCOL_VERSION = ProtocolVersion.V4;
/** Spec maximum (256 MiB). */
export const SPEC_MAX_BODY_LENGTH = 256 * 1024 * 1024;
/** Like Cassandra's native_transport_max_frame_size default. */
export const DEFAULT_MAX_BODY_LENGTH = 16 * 1024 * 1024;

export const FrameFlag = {
  COMPRESSION: 0x01,
  TRACING: 0x02,
  CUSTOM_PAYLOAD: 0x04,
  WARNING: 0x08,
  USE_BETA: 0x10,
} as const;

/** The direction bit of the version byte: set on responses. */
const RESPONSE_BIT = 0x80;

const OPCODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Opcode).map(([k, v]) => [v, k]));

export interface Frame {
  /** Protocol version (3 to 6), without the direction bit. */
  version: number;
  flags: number;
  /** Signed 16-bit. */
  stream: number;
  opcode: number;
  /** A view of the decoder's input (or the decompressed body): valid while referenced, never overwritten. */
  body: Buffer;
}

export interface FrameErrorItem {
  kind: 'error';
  /** Stream id to answer on. */
  stream: number;
  /** Protocol version to write the ERROR in (1 and 2 mean the 8-byte header of those versions). */
  version: number;
  error: ProtocolError;
  /** Close the connection once the ERROR frame is written; the decoder ignores all further input. */
  fatal: boolean;
}

export type DecodedItem = { kind: 'frame'; frame: Frame } | FrameErrorItem;

export interface FrameDecoderOptions {
  /** Largest accepted body length; larger frames are a fatal protocol error. */
  maxBodyLength?: number;
}

/** Decompresses a body whose envelope has the COMPRESSION flag (v3/v4 once STARTUP negotiated an algorithm). */
export type BodyDecompressor = (body: Buffer, maxLength: number) => Buffer;

export class FrameDecoder implements Iterable<DecodedItem> {
  readonly maxBodyLength: number;
  /**
   * The version STARTUP fixed for the connection; until then every supported version is accepted (the OPTIONS
   * before STARTUP may use any). Envelopes of another version afterwards are refused, as Cassandra does.
   */
  connectionVersion: number | undefined;
  /** Set by the connection once STARTUP negotiated a compression algorithm (v3/v4 only). */
  decompress: BodyDecompressor | undefined;

  private buf: Buffer = Buffer.alloc(0);
  private off = 0;
  private end = 0;
  /** Whether buf was allocated here (and may be appended to in place past `end`). */
  private owned = false;
  private closed = false;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxBodyLength = Math.min(options.maxBodyLength ?? DEFAULT_MAX_BODY_LENGTH, SPEC_MAX_BODY_LENGTH);
  }

  /** True after a fatal error: everything pushed afterwards is dropped. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes received but not yet consumed as a frame. */
  get buffered(): number {
    return this.end - this.off;
  }

  /** Hands over the bytes not yet consumed (when the stream switches to v5 segments) and forgets them. */
  takeBuffered(): Buffer {
    const rest = this.buf.subarray(this.off, this.end);
    this.release();
    return rest;
  }

  /** Compatibility switch for callers that only need "compression is on" (the body is then taken as is). */
  set compressionNegotiated(on: boolean) {
    this.decompress = on ? (body) => body : undefined;
  }

  push(chunk: Buffer): void {
    if (this.closed || chunk.length === 0) return;
    if (this.off === this.end) {
      // Nothing pending: decode straight from the caller's chunk, so frames inside it are zero-copy.
      this.buf = chunk;
      this.off = 0;
      this.end = chunk.length;
      this.owned = false;
      return;
    }
    const pending = this.end - this.off;
    if (this.owned && this.end + chunk.length <= this.buf.length) {
      // Writing past `end` cannot touch bodies already handed out: they all lie before `off`.
      chunk.copy(this.buf, this.end);
      this.end += chunk.length;
      return;
    }
    let cap = Math.max(4096, pending + chunk.length, 2 * pending);
    const wanted = this.expectedFrameLength();
    if (wanted > cap) cap = wanted;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, this.off, this.end);
    chunk.copy(next, pending);
    this.buf = next;
    this.off = 0;
    this.end = pending + chunk.length;
    this.owned = true;
  }

  /** Total length of the frame being accumulated, when its header is known and valid; 0 otherwise. */
  private expectedFrameLength(): number {
    if (this.end - this.off < HEADER_LENGTH || !isSupportedVersion(this.buf[this.off]!)) return 0;
    const len = this.buf.readUInt32BE(this.off + 5);
    return len <= this.maxBodyLength ? HEADER_LENGTH + len : 0;
  }

  /** The next complete item, or undefined when more bytes are needed. */
  next(): DecodedItem | undefined {
    if (this.closed) return undefined;
    const avail = this.end - this.off;
    if (avail < 1) return undefined;
    const b = this.buf;
    const o = this.off;
    const versionByte = b[o]!;
    if (!isSupportedVersion(versionByte & ~RESPONSE_BIT)) return this.badVersion(versionByte, avail);
    if (avail < HEADER_LENGTH) return undefined;
    const version = versionByte & ~RESPONSE_BIT;
    const flags = b[o + 1]!;
    const stream = b.readInt16BE(o + 2);
    const opcode = b[o + 4]!;
    const length = b.readUInt32BE(o + 5);
    if (length > this.maxBodyLength) {
      return this.fatal(stream, version, `Request is too big: length ${length} exceeds maximum allowed length ${this.maxBodyLength}.`);
    }
    if (isBetaVersion(version) && !(flags & FrameFlag.USE_BETA)) return this.fatal(stream, version, betaWithoutFlagMessage(version));
    if (avail < HEADER_LENGTH + length) return undefined;
    const start = o + HEADER_LENGTH;
    this.off = start + length;
    if (this.off === this.end) this.release();
    const body = b.subarray(start, start + length);
    const refusal = this.refusal(versionByte, flags, stream, opcode);
    if (refusal) return refusal;
    if (flags & FrameFlag.COMPRESSION && !usesSegments(version)) return this.decompressed(version, flags, stream, opcode, body);
    return { kind: 'frame', frame: { version, flags, stream, opcode, body } };
  }

  /** A complete envelope that must be answered with an error rather than served (the connection goes on). */
  private refusal(versionByte: number, flags: number, stream: number, opcode: number): FrameErrorItem | undefined {
    const version = versionByte & ~RESPONSE_BIT;
    const fixed = this.connectionVersion;
    if (fixed !== undefined && version !== fixed) {
      const msg = `Invalid message version. Got ${versionName(version)} but previous messages on this connection had version ${versionName(fixed)}`;
      return this.error(stream, fixed, msg);
    }
    if (versionByte & RESPONSE_BIT) {
      return this.error(stream, version, `Wrong protocol direction (expected REQUEST, got RESPONSE) for opcode ${opcode} (${OPCODE_NAMES[opcode] ?? opcode})`);
    }
    if (flags & FrameFlag.COMPRESSION && !usesSegments(version) && !this.decompress) {
      return this.error(stream, version, 'Received compressed frame while compression was not negotiated');
    }
    return undefined;
  }

  private decompressed(version: number, flags: number, stream: number, opcode: number, body: Buffer): DecodedItem {
    try {
      const plain = this.decompress!(body, this.maxBodyLength);
      return { kind: 'frame', frame: { version, flags: flags & ~FrameFlag.COMPRESSION, stream, opcode, body: plain } };
    } catch (e) {
      return this.error(stream, version, e instanceof Error ? e.message : String(e));
    }
  }

  *[Symbol.iterator](): Iterator<DecodedItem> {
    for (let item = this.next(); item !== undefined; item = this.next()) yield item;
  }

  /** Drains every complete item into an array (convenient in tests and for simple callers). */
  drain(): DecodedItem[] {
    const out: DecodedItem[] = [];
    for (let item = this.next(); item !== undefined; item = this.next()) out.push(item);
    return out;
  }

  private badVersion(versionByte: number, avail: number): DecodedItem | undefined {
    const low = versionByte & 0x7f;
    // v1/v2 used an 8-byte header with a 1-byte stream id: answer at once, on stream 0, in that old layout.
    if (low === 1 || low === 2 || low === 0) return this.fatal(0, refusalVersion(low), unsupportedVersionMessage(low));
    // Every later layout (0x41, 0x42, 7 ...) has the 9-byte header: answer on the stream the client waits on.
    if (avail < HEADER_LENGTH) return undefined;
    return this.fatal(this.buf.readInt16BE(this.off + 2), refusalVersion(low), unsupportedVersionMessage(low));
  }

  private error(stream: number, version: number, message: string): FrameErrorItem {
    return { kind: 'error', stream, version, error: new ProtocolError(message), fatal: false };
  }

  private fatal(stream: number, version: number, message: string): FrameErrorItem {
    this.closed = true;
    this.release();
    return { kind: 'error', stream, version, error: new ProtocolError(message), fatal: true };
  }

  private release(): void {
    this.buf = Buffer.alloc(0);
    this.off = 0;
    this.end = 0;
    this.owned = false;
  }
}
