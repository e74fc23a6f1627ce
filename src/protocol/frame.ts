// Incremental splitter of the client byte stream into v4 frames (spec §1-2). It never throws on client input: bad
// input becomes an 'error' item carrying the ERROR frame the connection must send (and whether to close afterwards).
import { ProtocolError } from '../model/errors.ts';

export const HEADER_LENGTH = 9;
export const PROTOCOL_VERSION = 4;
/** The version byte of every response we send. */
export const RESPONSE_VERSION = 0x84;
export const SUPPORTED_VERSIONS_TEXT = '4/v4';
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

export interface Frame {
  version: number;
  flags: number;
  /** Signed 16-bit. */
  stream: number;
  opcode: number;
  /** A view of the decoder's input: valid for as long as it is referenced, never overwritten. */
  body: Buffer;
}

export interface FrameErrorItem {
  kind: 'error';
  /** Stream id to answer on. */
  stream: number;
  /** Version byte of the ERROR frame to send. */
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

export function unsupportedVersionMessage(version: number): string {
  return `Invalid or unsupported protocol version (${version}); supported versions are (${SUPPORTED_VERSIONS_TEXT})`;
}

export class FrameDecoder implements Iterable<DecodedItem> {
  readonly maxBodyLength: number;
  /** Set by the connection once STARTUP negotiated a compression algorithm. */
  compressionNegotiated = false;

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
    if (this.end - this.off < HEADER_LENGTH || this.buf[this.off] !== PROTOCOL_VERSION) return 0;
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
    const version = b[o]!;
    if (version !== PROTOCOL_VERSION) return this.badVersion(version, avail);
    if (avail < HEADER_LENGTH) return undefined;
    const flags = b[o + 1]!;
    const stream = b.readInt16BE(o + 2);
    const opcode = b[o + 4]!;
    const length = b.readUInt32BE(o + 5);
    if (length > this.maxBodyLength) {
      return this.fatal(
        stream,
        `Request is too big: length ${length} exceeds maximum allowed length ${this.maxBodyLength}.`,
      );
    }
    if (avail < HEADER_LENGTH + length) return undefined;
    const start = o + HEADER_LENGTH;
    this.off = start + length;
    if (this.off === this.end) this.release();
    if (flags & FrameFlag.COMPRESSION && !this.compressionNegotiated) {
      return {
        kind: 'error',
        stream,
        version: RESPONSE_VERSION,
        error: new ProtocolError('Received compressed frame while compression was not negotiated'),
        fatal: false,
      };
    }
    return { kind: 'frame', frame: { version, flags, stream, opcode, body: b.subarray(start, start + length) } };
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

  private badVersion(version: number, avail: number): DecodedItem | undefined {
    const low = version & 0x7f;
    // v1/v2 used an 8-byte header with a 1-byte stream id: answer on stream 0 like Cassandra, which cannot trust it.
    if (low === 1 || low === 2 || low === 0) return this.fatal(0, unsupportedVersionMessage(version));
    // Every later layout (3, 5, 0x41, 0x42 ...) has the 9-byte header: answer on the stream the client waits on.
    if (avail < HEADER_LENGTH) return undefined;
    return this.fatal(this.buf.readInt16BE(this.off + 2), unsupportedVersionMessage(version));
  }

  private fatal(stream: number, message: string): FrameErrorItem {
    this.closed = true;
    this.release();
    return { kind: 'error', stream, version: RESPONSE_VERSION, error: new ProtocolError(message), fatal: true };
  }

  private release(): void {
    this.buf = Buffer.alloc(0);
    this.off = 0;
    this.end = 0;
    this.owned = false;
  }
}
