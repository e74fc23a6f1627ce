// A bare native-protocol client for end-to-end tests of the wire itself (version negotiation, compression, v5
// segments), where a driver would hide what is on the socket. Requests are built by the caller; this only frames
// them as the connection's state requires and splits what comes back into envelopes.
import { connect, type Socket } from 'node:net';
import { bodyCompressor, type BodyCompressor, type CompressionName } from '../../src/protocol/compression.ts';
import { BodyWriter } from '../../src/protocol/buffers.ts';
import { Opcode } from '../../src/protocol/messages.ts';
import { encodeSegments, SegmentDecoder } from '../../src/protocol/segment.ts';

export interface Envelope {
  /** The version byte, direction bit included (0x84 ...). */
  version: number;
  flags: number;
  stream: number;
  opcode: number;
  /** Inflated when it came compressed. */
  body: Buffer;
}

export class RawClient {
  private pending: Buffer = Buffer.alloc(0);
  private envelopes: Envelope[] = [];
  private waiters: Array<() => void> = [];
  private segments: SegmentDecoder | undefined;
  private lz4Segments = false;
  private compressor: BodyCompressor | undefined;
  /** Raw bytes received, for tests that look at the wire itself. */
  readonly received: Buffer[] = [];
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(host: string, port = 9042): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Sends bytes exactly as given. */
  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Sends one request envelope, compressed or framed as the negotiated state says. */
  send(version: number, opcode: number, body: Buffer, stream: number, flags = 0): void {
    let b = body;
    let f = flags;
    if (this.compressor && body.length > 0) {
      b = this.compressor.compress(body);
      f |= 0x01;
    }
    const env = Buffer.alloc(9 + b.length);
    env[0] = version;
    env[1] = f;
    env.writeInt16BE(stream, 2);
    env[4] = opcode;
    env.writeUInt32BE(b.length, 5);
    b.copy(env, 9);
    this.socket.write(this.segments ? encodeSegments(env, this.lz4Segments) : env);
  }

  /** Sends and waits for the envelope answering on the same stream. */
  async request(version: number, opcode: number, body: Buffer, stream: number, timeoutMs = 10_000): Promise<Envelope> {
    this.send(version, opcode, body, stream);
    return this.next(timeoutMs, stream);
  }

  /** STARTUP; on READY, switches to what it negotiated (as a driver does) and resolves with the READY. */
  async startup(version: number, compression?: CompressionName, stream = 0): Promise<Envelope> {
    const w = new BodyWriter(64);
    w.writeStringMap({ CQL_VERSION: '3.0.0', ...(compression ? { COMPRESSION: compression } : {}) });
    const reply = await this.request(version, Opcode.STARTUP, Buffer.from(w.take()), stream);
    if (reply.opcode === Opcode.READY) {
      if (version >= 5) {
        this.lz4Segments = compression === 'lz4';
        this.segments = new SegmentDecoder(this.lz4Segments);
        if (this.pending.length > 0) this.segments.push(this.pending);
        this.pending = Buffer.alloc(0);
      } else if (compression) {
        this.compressor = bodyCompressor(compression);
      }
    }
    return reply;
  }

  /** The next envelope (on `stream`, if given), or an error after timeoutMs or when the server closes. */
  async next(timeoutMs = 10_000, stream?: number): Promise<Envelope> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.envelopes.findIndex((e) => stream === undefined || e.stream === stream);
      if (i >= 0) return this.envelopes.splice(i, 1)[0]!;
      if (this.closed) throw new Error('connection closed by the server');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no envelope${stream === undefined ? '' : ` on stream ${stream}`} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Resolves once the server has closed the connection (rejects after timeoutMs). */
  async waitClosed(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error(`still open after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.received.push(chunk);
    if (this.segments) {
      this.segments.push(chunk);
      for (let s = this.segments.next(); s; s = this.segments.next()) this.pending = Buffer.concat([this.pending, s.payload]);
    } else {
      this.pending = Buffer.concat([this.pending, chunk]);
    }
    this.split();
    this.wake();
  }

  private split(): void {
    for (;;) {
      const p = this.pending;
      // Version 1 and 2 answers have an 8-byte header with a 1-byte stream id.
      const old = p.length > 0 && (p[0]! & 0x7f) < 3;
      const hl = old ? 8 : 9;
      if (p.length < hl) return;
      const length = p.readUInt32BE(hl - 4);
      if (p.length < hl + length) return;
      let body = p.subarray(hl, hl + length);
      if (p[1]! & 0x01 && this.compressor) body = this.compressor.decompress(body, 1 << 28);
      this.envelopes.push({ version: p[0]!, flags: p[1]!, stream: old ? p[2]! : p.readInt16BE(2), opcode: p[hl - 5]!, body });
      this.pending = p.subarray(hl + length);
    }
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
