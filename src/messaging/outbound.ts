// One outbound TCP connection to one peer, as Cassandra's OutboundConnection: lazily connected on the first message,
// reconnected with jittered exponential backoff, with a bounded queue while it is not connected. Messages are
// best-effort: whatever cannot be sent soon (queue full, connect failed, link broke) is dropped and counted, and the
// requester's timeout (or gossip's next round) deals with the loss. Holding messages for an unreachable peer would
// only grow memory and deliver stale mutations late.
//
// The first frame on every connection is the handshake (built by the service), so the acceptor learns our listen
// address rather than the ephemeral source port.

import { Socket } from 'node:net';
import { connect as tlsConnect, type SecureContext } from 'node:tls';
import { outboundTlsOptions } from './internode-tls.ts';
import type { Clock, Random, TimerHandle, Timers } from '../cluster/env.ts';
import { Writer } from './wire.ts';

export type DropReason = 'queue-full' | 'unreachable' | 'backpressure' | 'closed';

export interface OutboundOptions {
  host: string;
  port: number;
  /** Source IP of the connection: the node's own listen address, so peers see a distinct IP per node. */
  localAddress: string | undefined;
  /** The handshake frame written before anything else on each new connection. */
  hello: Buffer;
  /** Internode TLS: whether this peer must be reached encrypted is asked at each connection attempt (gossip may have
   * learnt its data centre since the last one). */
  tls?: { context: SecureContext; mustEncrypt: () => boolean };
  clock: Clock;
  timers: Timers;
  random: Random;
  /** Messages held while connecting; beyond it new messages are dropped. */
  maxQueued: number;
  /** Bytes the socket may buffer unsent before new messages are dropped (a stalled peer). */
  maxBufferedBytes: number;
  connectTimeoutMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
  onDrop: (count: number, reason: DropReason) => void;
  onSocketWrite: () => void;
  logger: (msg: string, err?: unknown) => void;
}

type State = 'idle' | 'connecting' | 'connected' | 'backoff' | 'closed';

export class OutboundLink {
  private state: State = 'idle';
  private socket: Socket | undefined;
  private queue: Buffer[] = [];
  /** Consecutive failed connection attempts; drives the backoff and resets on success. */
  private failures = 0;
  private retryAt = 0;
  private retryTimer: TimerHandle | undefined;
  /** Frames written since the last flush: they leave together, in one socket write, once per event-loop turn. */
  private readonly out = new Writer();
  private flushScheduled = false;
  private readonly flushNow = (): void => this.flush();

  constructor(private readonly opts: OutboundOptions) {}

  get connected(): boolean {
    return this.state === 'connected';
  }

  /**
   * Where to encode a frame straight into this turn's outgoing bytes (then call written()), when the link is up and
   * not backed up; otherwise undefined, and the frame goes through send(), which queues or drops it.
   */
  writerIfConnected(): Writer | undefined {
    if (this.state !== 'connected' || this.socket!.writableLength + this.out.length > this.opts.maxBufferedBytes) return undefined;
    return this.out;
  }

  /** Frames were appended to writerIfConnected()'s writer. */
  written(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushNow);
    }
  }

  send(frame: Buffer): void {
    switch (this.state) {
      case 'connected': return this.write(frame);
      case 'closed': return this.opts.onDrop(1, 'closed');
      default:
        if (this.queue.length >= this.opts.maxQueued) return this.opts.onDrop(1, 'queue-full');
        this.queue.push(frame);
        if (this.state === 'idle') this.connect();
        else if (this.state === 'backoff' && this.retryTimer === undefined) this.scheduleRetry();
    }
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.retryTimer !== undefined) this.opts.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.dropQueue('closed');
    this.socket?.destroy();
    this.socket = undefined;
  }

  /**
   * Drops the current connection (the peer was convicted), as Cassandra interrupts its outbound connections to a
   * node it marks down. A connection to an unreachable peer is stuck behind the kernel's retransmission backoff
   * (seconds, doubling), so after a partition heals it could stay silent long after the network is back; a fresh
   * connection attempt goes through our own connect timeout and backoff instead. The next message reconnects.
   */
  reset(): void {
    if (this.state !== 'connected' && this.state !== 'connecting') return;
    const socket = this.socket;
    this.socket = undefined;
    this.out.take();
    this.state = 'idle';
    this.failures = 0;
    socket?.destroy();
    if (this.queue.length > 0) this.connect();
  }

  private write(frame: Buffer): void {
    const socket = this.socket!;
    if (socket.writableLength + this.out.length > this.opts.maxBufferedBytes) return this.opts.onDrop(1, 'backpressure');
    // Coalesce everything written in one event-loop turn into one socket write, as Cassandra's outbound connection
    // flushes what producers queued since its last flush. setImmediate, not nextTick: it runs after every I/O
    // callback of this turn, so the replies to a whole batch of incoming requests (from several connections) share
    // one syscall, where nextTick would write once per callback. On loopback a write also runs the receiver's TCP
    // input path, so each syscall saved is worth several microseconds.
    this.out.raw(frame);
    this.written();
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.out.length === 0) return;
    // take() hands the bytes over for good (the writer never rewrites them), so the socket may keep them queued.
    const bytes = this.out.take();
    // The link broke (or closed) since these were written: they are lost, as those in the socket's buffer are.
    if (this.state !== 'connected' || this.socket === undefined) return;
    this.opts.onSocketWrite();
    this.socket.write(bytes);
  }

  private connect(): void {
    const { host, port, localAddress } = this.opts;
    this.state = 'connecting';
    const tls = this.opts.tls !== undefined && this.opts.tls.mustEncrypt() ? this.opts.tls : undefined;
    const target = { host, port, ...(localAddress !== undefined ? { localAddress } : {}) };
    // A TLS link is usable once its handshake is done and the acceptor's certificate checked: 'secureConnect'.
    const socket = tls === undefined ? new Socket() : tlsConnect({ ...target, ...outboundTlsOptions(tls.context) });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(this.opts.connectTimeoutMs);
    socket.once('timeout', () => socket.destroy(new Error(`connect timeout after ${this.opts.connectTimeoutMs} ms`)));
    socket.once(tls === undefined ? 'connect' : 'secureConnect', () => {
      if (this.socket !== socket) return;
      socket.setTimeout(0);
      socket.setKeepAlive(true, 10_000);
      this.state = 'connected';
      this.failures = 0;
      this.write(this.opts.hello);
      const queued = this.queue;
      this.queue = [];
      for (const frame of queued) this.write(frame);
    });
    // The peer never writes on this connection, but reading lets us see its FIN and notice a closed peer at once.
    socket.on('data', () => {});
    socket.on('error', (err) => {
      if (this.socket === socket && this.state === 'connecting') {
        this.opts.logger(`connect to ${host}:${port}${tls ? ' (TLS)' : ''} failed: ${(err as NodeJS.ErrnoException).code ?? err.message}`);
      }
    });
    socket.once('close', () => this.onClose(socket));
    if (tls === undefined) socket.connect(target);
  }

  private onClose(socket: Socket): void {
    if (this.socket !== socket || this.state === 'closed') return;
    this.socket = undefined;
    this.out.take();
    if (this.state === 'connecting') {
      // Unreachable: what waited for this attempt is dropped; later messages trigger the next attempt after backoff.
      this.failures++;
      this.dropQueue('unreachable');
      const backoff = Math.min(this.opts.backoffMaxMs, this.opts.backoffMinMs * 2 ** Math.min(this.failures - 1, 20));
      this.retryAt = this.opts.clock.now() + backoff * (0.5 + this.opts.random.next() * 0.5);
      this.state = 'backoff';
    } else {
      // An established link broke (peer restarted or crashed): frames in the socket buffer are lost. Reconnect at
      // once on the next message; a restarted peer is usually back.
      this.state = 'idle';
      if (this.queue.length > 0) this.connect();
    }
  }

  private scheduleRetry(): void {
    const wait = Math.max(0, this.retryAt - this.opts.clock.now());
    this.retryTimer = this.opts.timers.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.state === 'backoff' && this.queue.length > 0) this.connect();
    }, Math.ceil(wait));
  }

  private dropQueue(reason: DropReason): void {
    if (this.queue.length > 0) this.opts.onDrop(this.queue.length, reason);
    this.queue = [];
  }
}
