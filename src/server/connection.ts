// One client socket: decodes frames as they arrive, serves requests concurrently (replies may leave in any order,
// matched by stream id), and coalesces every reply produced in the same tick into one socket write. The protocol
// version, compression and v5 segments that STARTUP negotiates are the WireCodec's business; here, decoding only
// pauses while STARTUP is being answered, since what follows it may be in another format.
import type { Socket } from 'node:net';
import { FrameFlag, type Frame } from '../protocol/frame.ts';
import { Opcode } from '../protocol/messages.ts';
import { decodeFrameRequest } from '../protocol/requests.ts';
import { ProtocolVersion } from '../protocol/versions.ts';
import { WireCodec } from '../protocol/wire.ts';
import { EVENT_STREAM, toCqlError, writeErrorFrame, writeResponseFrame } from '../protocol/responses.ts';
import { BodyWriter } from '../protocol/buffers.ts';
import type { EventMessage, Response } from '../protocol/messages.ts';
import type { CqlError } from '../model/errors.ts';
import type { ConnectionState, RequestHandler } from '../node/handler.ts';

export interface ConnectionOptions {
  maxFrameBytes: number;
  onError?: (err: unknown) => void;
  /** native_transport_idle_timeout: closed after this long without reads or writes; 0 = never. */
  idleTimeoutMs?: number;
  /** A partially received envelope must be complete within this; 0 = never (native-limits.ts). */
  frameReadTimeoutMs?: number;
  /** Told why the connection was closed by a timeout (logged and counted by the server). */
  onTimeout?: (why: 'idle' | 'frame-read') => void;
  /** Told how long each QUERY, PREPARE, EXECUTE and BATCH took, decoded to reply queued (request-metrics.ts). */
  onRequestServed?: (elapsedMs: number) => void;
}

/** The requests timed for onRequestServed: the client's work, not the handshake or event registration. */
const TIMED_OPCODES: ReadonlySet<number> = new Set([Opcode.QUERY, Opcode.PREPARE, Opcode.EXECUTE, Opcode.BATCH]);

export class Connection {
  readonly state: ConnectionState = { started: false, session: {}, events: new Set() };
  private readonly codec: WireCodec;
  private readonly out = new BodyWriter(64 * 1024);
  private pendingFrames = 0;
  private flushScheduled = false;
  private closeAfterFlush = false;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  /** A STARTUP is being answered: bytes after it wait, as they may already be v5 segments. */
  private paused = false;
  /** Armed while a partial envelope is buffered; cleared once nothing partial is left. */
  private frameReadTimer: NodeJS.Timeout | undefined;
  private framesSinceWatch = 0;

  constructor(
    private readonly socket: Socket,
    private readonly handler: RequestHandler,
    private readonly opts: ConnectionOptions,
  ) {
    this.codec = new WireCodec({ maxBodyLength: opts.maxFrameBytes });
    if (socket.remoteAddress !== undefined) this.state.clientAddress = socket.remoteAddress;
    if (socket.remotePort !== undefined) this.state.clientPort = socket.remotePort;
    socket.setNoDelay(true);
    if ((opts.idleTimeoutMs ?? 0) > 0) {
      // Node's socket timeout fires after that long with neither reads nor writes: Cassandra's idle definition.
      socket.setTimeout(opts.idleTimeoutMs!, () => this.timedOut('idle'));
    }
    // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d; system_traces names it as IPv4.
    this.state.clientAddress = socket.remoteAddress?.replace(/^::ffff:/, '');
    if (socket.remotePort !== undefined) this.state.clientPort = socket.remotePort;
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
    this.codec.push(chunk);
    this.pump();
    this.watchPartialFrame();
  }

  /** A slow or stalled sender may not hold a partial envelope (and its buffer) open forever. */
  private watchPartialFrame(): void {
    const limitMs = this.opts.frameReadTimeoutMs ?? 0;
    if (limitMs <= 0 || this.closed) return;
    if (this.codec.bufferedBytes === 0) {
      clearTimeout(this.frameReadTimer);
      this.frameReadTimer = undefined;
    } else if (this.frameReadTimer === undefined || this.framesSinceWatch > 0) {
      // A busy client's chunks often end inside an envelope: the clock restarts with each envelope completed.
      clearTimeout(this.frameReadTimer);
      this.frameReadTimer = setTimeout(() => this.timedOut('frame-read'), limitMs);
      this.frameReadTimer.unref();
    }
    this.framesSinceWatch = 0;
  }

  private timedOut(why: 'idle' | 'frame-read'): void {
    if (this.closed) return;
    this.opts.onTimeout?.(why);
    this.destroy();
  }

  private pump(): void {
    while (!this.paused) {
      const item = this.codec.next();
      if (!item) return;
      if (item.kind === 'error') {
        this.sendError(item.stream, item.error, item.version);
        if (item.fatal) {
          this.closeAfterFlush = true;
          return;
        }
        continue;
      }
      this.serve(item.frame);
    }
  }

  private serve(frame: Frame): void {
    this.framesSinceWatch++;
    let req;
    try {
      req = decodeFrameRequest(frame);
    } catch (e) {
      this.sendError(frame.stream, toCqlError(e), frame.version);
      return;
    }
    const startup = req.opcode === Opcode.STARTUP && !this.state.started;
    if (!this.state.started) this.state.version = frame.version;
    if (startup) this.paused = true;
    this.inFlight++;
    this.state.requestCount = (this.state.requestCount ?? 0) + 1;
    const onServed = this.opts.onRequestServed !== undefined && TIMED_OPCODES.has(req.opcode) ? this.opts.onRequestServed : undefined;
    const startedMs = onServed === undefined ? 0 : performance.now();
    // One then() with both handlers (no finally()): every extra promise per request is another microtask.
    this.handler.handle(this.state, req, (frame.flags & FrameFlag.TRACING) !== 0).then(
      (res) => {
        try {
          if (startup && this.state.started) this.completeStartup(frame, res);
          else {
            writeResponseFrame(this.out, frame.stream, res, frame.version);
            this.scheduleFlush();
          }
        } catch (e) {
          this.sendError(frame.stream, toCqlError(e), frame.version);
        } finally {
          this.settled(startup);
          onServed?.(performance.now() - startedMs);
        }
      },
      (e: unknown) => {
        try {
          this.sendError(frame.stream, toCqlError(e), frame.version);
        } finally {
          this.settled(startup);
          onServed?.(performance.now() - startedMs);
        }
      },
    );
  }

  /** Answers a successful STARTUP in the format it was sent in, then switches to what it negotiated. */
  private completeStartup(frame: Frame, res: Response): void {
    this.flush();
    this.codec.negotiated(frame.version, this.state.compression, () => {
      writeResponseFrame(this.out, frame.stream, res, frame.version);
      this.pendingFrames++;
      this.flush();
    });
  }

  private settled(startup = false): void {
    if (startup) {
      this.paused = false;
      // Resume on a fresh tick: the bytes that waited must not be served inside this request's callback.
      setImmediate(() => this.pump());
    }
    this.inFlight--;
    if (this.inFlight === 0 && this.idleWaiters.length > 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private sendError(stream: number, err: CqlError, version: number): void {
    writeErrorFrame(this.out, stream, err, version);
    this.scheduleFlush();
  }

  sendEvent(event: EventMessage): void {
    if (this.closed || !this.state.events.has(event.type)) return;
    writeResponseFrame(this.out, EVENT_STREAM, { opcode: Opcode.EVENT, event }, this.codec.version ?? ProtocolVersion.V4);
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
    const data = this.codec.encodeOutgoing(this.out.take());
    this.socket.write(data);
    if (this.closeAfterFlush) this.socket.end();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.frameReadTimer);
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
