// One connection's byte-level codec, both ways, through the life of the connection: before STARTUP, bare envelopes
// of any supported version; once STARTUP is answered, the version it named — with v3/v4 envelope bodies compressed
// if it asked for that, and for v5 and later every envelope inside checksummed segments (LZ4-compressed if asked).
// It is pure (no socket): the connection pushes bytes in, pulls decoded items out, and passes what it writes
// through encodeOutgoing.
import { ProtocolError } from '../model/errors.ts';
import { bodyCompressor, type BodyCompressor, type CompressionName } from './compression.ts';
import { FrameDecoder, FrameFlag, HEADER_LENGTH, type DecodedItem, type FrameDecoderOptions, type FrameErrorItem } from './frame.ts';
import { encodeSegments, SegmentDecoder, SegmentError } from './segment.ts';
import { usesSegments } from './versions.ts';

export class WireCodec {
  private readonly frames: FrameDecoder;
  private segments: SegmentDecoder | undefined;
  private lz4Segments = false;
  private compressor: BodyCompressor | undefined;
  /** Whether the envelopes now in `frames` came from a self-contained segment (they must then end with it). */
  private inSelfContained = false;
  private failed = false;

  constructor(options: FrameDecoderOptions = {}) {
    this.frames = new FrameDecoder(options);
  }

  /** The version STARTUP fixed, once it is answered. */
  get version(): number | undefined {
    return this.frames.connectionVersion;
  }

  /** Bytes received and not yet decoded: a partial envelope or segment (the connection's frame read timeout). */
  get bufferedBytes(): number {
    return this.frames.buffered + (this.segments?.buffered ?? 0);
  }

  get isClosed(): boolean {
    return this.failed || this.frames.isClosed;
  }

  push(chunk: Buffer): void {
    if (this.isClosed) return;
    if (this.segments) this.segments.push(chunk);
    else this.frames.push(chunk);
  }

  /** The next decoded envelope or error; undefined when more bytes are needed (or after a fatal error). */
  next(): DecodedItem | undefined {
    if (this.isClosed) return undefined;
    for (;;) {
      const item = this.frames.next();
      if (item || !this.segments) return item;
      if (this.frames.buffered > 0 && this.inSelfContained) {
        return this.fatal('A self-contained segment ended inside an envelope');
      }
      let segment;
      try {
        segment = this.segments.next();
      } catch (e) {
        if (e instanceof SegmentError || e instanceof ProtocolError) return this.fatal(e.message);
        throw e;
      }
      if (!segment) return undefined;
      if (segment.selfContained && this.frames.buffered > 0) {
        return this.fatal('A self-contained segment arrived while a large envelope was still incomplete');
      }
      this.inSelfContained = segment.selfContained;
      this.frames.push(segment.payload);
    }
  }

  /**
   * Applies what a successful STARTUP negotiated, in Cassandra's order: `sendReply` must write and flush the READY
   * (or AUTHENTICATE). A v3/v4 reply is already compressed; a v5 reply still goes out bare, and segments start
   * right after it, for the bytes the client sends from then on (including any already received).
   */
  negotiated(version: number, compression: CompressionName | undefined, sendReply: () => void): void {
    this.frames.connectionVersion = version;
    if (!usesSegments(version)) {
      if (compression) {
        const c = bodyCompressor(compression);
        this.compressor = c;
        this.frames.decompress = (body, max) => c.decompress(body, max);
      }
      sendReply();
      return;
    }
    sendReply();
    this.lz4Segments = compression === 'lz4';
    const segments = new SegmentDecoder(this.lz4Segments);
    segments.push(this.frames.takeBuffered());
    this.segments = segments;
  }

  /** Turns whole envelopes, as the connection wrote them, into what goes on the socket. */
  encodeOutgoing(envelopes: Buffer): Buffer {
    if (this.segments) return encodeSegments(envelopes, this.lz4Segments);
    if (this.compressor) return compressEnvelopes(envelopes, this.compressor);
    return envelopes;
  }

  private fatal(message: string): FrameErrorItem {
    this.failed = true;
    return { kind: 'error', stream: 0, version: this.version ?? 4, error: new ProtocolError(message), fatal: true };
  }
}

/** v3/v4 compression: each envelope body replaced by its compressed form, with the COMPRESSION flag. */
function compressEnvelopes(envelopes: Buffer, c: BodyCompressor): Buffer {
  const out: Buffer[] = [];
  for (let pos = 0; pos < envelopes.length; ) {
    const length = envelopes.readUInt32BE(pos + 5);
    const body = c.compress(envelopes.subarray(pos + HEADER_LENGTH, pos + HEADER_LENGTH + length));
    const header = Buffer.from(envelopes.subarray(pos, pos + HEADER_LENGTH));
    header[1] = header[1]! | FrameFlag.COMPRESSION;
    header.writeUInt32BE(body.length, 5);
    out.push(header, body);
    pos += HEADER_LENGTH + length;
  }
  return Buffer.concat(out);
}
