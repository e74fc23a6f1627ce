// One client socket: decodes frames as they arrive, serves requests concurrently (replies may leave in any order,
// matched by stream id), and coalesces every reply produced in the same tick into one socket write.
import type { Socket } from 'node:net';
import { FrameDecoder, type Frame } from '../protocol/frame.ts';
import { decodeFrameRequest } from '../protocol/requests.ts';
import { encodeEvent, toCqlError, writeErrorFrame, writeResponseFrame } from '../protocol/responses.ts';
import { BodyWriter } from '../protocol/buffers.ts';
import type { EventMessage } from '../protocol/messages.ts';
import type { CqlError } from '../model/errors.ts';
import type { ConnectionState, RequestHandler } from '../node/handler.ts';

export interface ConnectionOptions {
  maxFrameBytes: number;
  onError?: (err: unknown) => void;
}

export class Connection {
  readonly state: ConnectionState = { started: false, session: {}, events: new Set() };
  private readonly decoder: FrameDecoder;
  private readonly out = new BodyWriter(64 * 1024);
  private pendingFrames = 0;
  private flushScheduled = false;
  private closeAfterFlush = false;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly handler: RequestHandler,
    opts: ConnectionOptions,
  ) {
    this.decoder = new FrameDecoder({ maxBodyLength: opts.maxFrameBytes });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.destroy());
  }

  get busy(): number {
    return this.inFlight;
  }

  /** Resolves once no request is in flight (for graceful shutdown). */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private onData(chunk: Buffer): void {
    this.decoder.push(chunk);
    for (let item = this.decoder.next(); item; item = this.decoder.next()) {
      if (item.kind === 'error') {
        this.sendError(item.stream, item.error, item.version);
        if (item.fatal) {
          this.closeAfterFlush = true;
          break;
        }
        continue;
      }
      this.serve(item.frame);
    }
  }

  private serve(frame: Frame): void {
    let req;
    try {
      req = decodeFrameRequest(frame);
    } catch (e) {
      this.sendError(frame.stream, toCqlError(e));
      return;
    }
    this.inFlight++;
    // One then() with both handlers (no finally()): every extra promise per request is another microtask.
    this.handler.handle(this.state, req).then(
      (res) => {
        try {
          writeResponseFrame(this.out, frame.stream, res);
          this.scheduleFlush();
        } catch (e) {
          this.sendError(frame.stream, toCqlError(e));
        } finally {
          this.settled();
        }
      },
      (e: unknown) => {
        try {
          this.sendError(frame.stream, toCqlError(e));
        } finally {
          this.settled();
        }
      },
    );
  }

  private settled(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.idleWaiters.length > 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private sendError(stream: number, err: CqlError, version?: number): void {
    writeErrorFrame(this.out, stream, err, version);
    this.scheduleFlush();
  }

  sendEvent(event: EventMessage): void {
    if (this.closed || !this.state.events.has(event.type)) return;
    this.out.writeRaw(encodeEvent(event));
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    this.pendingFrames++;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pendingFrames === 0 || this.closed) return;
    this.pendingFrames = 0;
    const data = this.out.take();
    this.socket.write(data);
    if (this.closeAfterFlush) this.socket.end();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
  }

  /** Closes the socket after in-flight replies are written. */
  async close(): Promise<void> {
    await this.idle();
    this.flush();
    this.socket.end();
    this.closed = true;
  }
}
