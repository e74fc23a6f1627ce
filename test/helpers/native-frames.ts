// Hand-built native protocol v4 frames, for tests that must send what no driver would (malformed SASL responses).
import { connect, type Socket } from 'node:net';

export function v4Frame(stream: number, opcode: number, body: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUInt8(0x04, 0);
  header.writeInt16BE(stream, 2);
  header.writeUInt8(opcode, 4);
  header.writeUInt32BE(body.length, 5);
  return Buffer.concat([header, body]);
}

export function startupBody(): Buffer {
  const k = Buffer.from('CQL_VERSION');
  const v = Buffer.from('3.0.0');
  const b = Buffer.alloc(2 + 2 + k.length + 2 + v.length);
  let o = b.writeUInt16BE(1, 0);
  o = b.writeUInt16BE(k.length, o);
  o += k.copy(b, o);
  o = b.writeUInt16BE(v.length, o);
  v.copy(b, o);
  return b;
}

/** [bytes]: an int length (or -1 for null) and the bytes. */
export function bytesBody(token: Buffer | null): Buffer {
  const len = Buffer.alloc(4);
  len.writeInt32BE(token === null ? -1 : token.length);
  return token === null ? len : Buffer.concat([len, token]);
}

export interface ReceivedFrame {
  stream: number;
  opcode: number;
  body: Buffer;
}

/** A raw v4 client: send frames, await replies by count. */
export class RawClient {
  private buf = Buffer.alloc(0);
  readonly frames: ReceivedFrame[] = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      while (this.buf.length >= 9 && this.buf.length >= 9 + this.buf.readUInt32BE(5)) {
        const len = this.buf.readUInt32BE(5);
        this.frames.push({ stream: this.buf.readInt16BE(2), opcode: this.buf[4]!, body: this.buf.subarray(9, 9 + len) });
        this.buf = this.buf.subarray(9 + len);
      }
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => { /* closed by the node */ });
    socket.on('close', () => { for (const w of this.waiters.splice(0)) w(); });
  }

  static open(host: string, localAddress: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port: 9042, localAddress });
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  send(frame: Buffer): void {
    this.socket.write(frame);
  }

  /** Waits until `count` frames have arrived in all (or the socket closed, or `ms` passed). */
  async until(count: number, ms = 10_000): Promise<ReceivedFrame[]> {
    const end = Date.now() + ms;
    while (this.frames.length < count && !this.socket.destroyed && Date.now() < end) {
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 100); });
    }
    return this.frames;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** An ERROR body's code and message. */
export function errorOf(body: Buffer): { code: number; message: string } {
  const len = body.readUInt16BE(4);
  return { code: body.readInt32BE(0), message: body.subarray(6, 6 + len).toString('utf8') };
}
