// MessagingService: a node's internode messaging, as Cassandra's MessagingService. One listening socket per node
// (listen_address:storage_port) accepts peers' outbound connections; this node talks to each peer over its own
// outbound connection (outbound.ts). So a pair of nodes uses two connections, one per direction, and a response
// travels on the responder's outbound connection, like Cassandra's. Peers are named "address:port" of their listening
// socket, learned from the handshake, never from the ephemeral source port.
//
// Every outgoing message passes the NetworkModel (added latency, jitter, loss, partitions) before it reaches the
// socket, and every incoming one is checked against partitions, so tests and the launcher can shape a real cluster's
// network the way sim-network.ts shapes a simulated one.

import { createServer, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { DeadlineTable } from '../cluster/deadlines.ts';
import {
  seededRandom, systemClock, systemTimers, type Clock, type Random, type TimerHandle, type Timers, type Transport,
} from '../cluster/env.ts';
import { DEFAULT_MAX_FRAME_BYTES, decodeBody, encodeFrame, FrameDecoder } from './codec.ts';
import { DelayLine } from './delay-line.ts';
import { Kind, readEnvelope, writeEnvelope, type Envelope } from './envelope.ts';
import { endpointOf, parseEndpoint } from '../model/endpoint.ts';
import { MessagingClosedError, RemoteError, TimeoutError, toWireError, type WireError } from './errors.ts';
import { NetworkModel } from './network-model.ts';
import { OutboundLink } from './outbound.ts';
import { Writer } from './wire.ts';
import {
  DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_MAX_INBOUND_CONNECTIONS, HelloReader, isHello, MAX_PROBATION_CONNECTIONS, noRefusals, PROBATION_MAX_FRAME_BYTES, sameHost,
  type Hello, type InboundRefusal,
} from './inbound-guard.ts';
import { caCertificates, internodeContext, sniffInbound } from './internode-tls.ts';
import type { X509Certificate } from 'node:crypto';
import type { SecureContext } from 'node:tls';
import { GOSSIP_VERB } from './verbs.ts';

export { MessagingClosedError, RemoteError, TimeoutError, type WireError } from './errors.ts';
export { NetworkModel } from './network-model.ts';

import type { Handler, MessagingOptions, MessagingStats } from './messaging-types.ts';

export type { Handler, MessagingOptions, MessagingStats } from './messaging-types.ts';

/** 2: binary envelopes (envelope.ts); 1 was msgpack envelopes naming their sender. */
const PROTOCOL_VERSION = 2;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  to: string;
  verb: string;
  timeoutMs: number;
  deadline: number;
}

// The executor of every request's promise: one function for all of them, where an arrow per request would be a
// closure allocated per message. It runs synchronously inside the Promise constructor, so the captured pair is
// picked up at once.
let capturedResolve: ((value: unknown) => void) | undefined;
let capturedReject: ((err: Error) => void) | undefined;
function capture(resolve: (value: unknown) => void, reject: (err: Error) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

interface Peer {
  link: OutboundLink;
  delay: DelayLine<Buffer>;
}

export { endpointOf, parseEndpoint } from '../model/endpoint.ts';

export class MessagingService {
  readonly self: string;
  readonly network: NetworkModel;
  readonly stats: MessagingStats = {
    sent: 0, received: 0, droppedByModel: 0, droppedPartitioned: 0, timeouts: 0, socketWrites: 0,
    droppedByLink: { 'queue-full': 0, unreachable: 0, backpressure: 0, closed: 0 },
    refusedInbound: noRefusals(),
  };

  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly random: Random;
  private readonly log: (msg: string, err?: unknown) => void;
  private readonly handlers = new Map<string, Handler>();
  private readonly peers = new Map<string, Peer>();
  /** Requests awaiting a response, by id, with one timer for all their timeouts. */
  private readonly pending: DeadlineTable<number, Pending>;
  private readonly inbound = new Set<Socket>();
  /** Inbound connections whose hello came from a non-member (inbound-guard.ts). */
  private readonly probation = new Set<Socket>();
  private readonly hello: Buffer;
  private readonly maxFrameBytes: number;
  private readonly tlsContext: SecureContext | undefined;
  private readonly tlsCas: X509Certificate[];
  /** Frames that cannot be written straight into a link (delayed, queued while connecting, to self). */
  private readonly scratch = new Writer();
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly server: Server,
    private readonly opts: MessagingOptions,
  ) {
    this.self = endpointOf(opts.address, opts.port);
    this.clock = opts.clock ?? systemClock;
    this.timers = opts.timers ?? systemTimers();
    this.random = opts.random ?? seededRandom(randomBytes(4).readUInt32LE(0));
    this.log = opts.logger ?? (() => {});
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.network = new NetworkModel(opts.network);
    this.pending = new DeadlineTable(this.clock, this.timers, (p) => p.deadline, (_id, p) => {
      this.stats.timeouts++;
      p.reject(new TimeoutError(p.to, p.verb, p.timeoutMs));
    });
    const hello: Hello = { hello: 'sibyl', version: PROTOCOL_VERSION, from: this.self };
    this.hello = encodeFrame(hello);
    this.tlsContext = opts.tls === undefined ? undefined : internodeContext(opts.tls);
    this.tlsCas = opts.tls === undefined ? [] : caCertificates(opts.tls.caPem);
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Listens on (address, port); resolves once the socket is bound, rejects if it cannot be (EADDRINUSE...). */
  static async start(opts: MessagingOptions): Promise<MessagingService> {
    const server = createServer({ noDelay: true });
    const service = new MessagingService(server, opts);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: opts.address, port: opts.port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => service.log(`messaging server ${service.self} error`, err));
    return service;
  }

  /** The handler for `verb`; a second registration replaces the first. */
  register(verb: string, handler: Handler): void {
    this.handlers.set(verb, handler);
  }

  /** One-way, best effort. Throws only for a payload that cannot be encoded (a programming error). */
  send(to: string, verb: string, payload: unknown): void {
    this.sendMessage(to, Kind.ONE_WAY, 0, verb, payload);
  }

  /** Sends and waits for the handler's return value; rejects with TimeoutError, RemoteError or MessagingClosedError. */
  request(to: string, verb: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    if (this.closed) return Promise.reject(new MessagingClosedError(`messaging ${this.self} is closed`));
    const id = this.nextId++;
    const promise = new Promise<unknown>(capture);
    const p: Pending = { resolve: capturedResolve!, reject: capturedReject!, to, verb, timeoutMs, deadline: this.clock.now() + timeoutMs };
    this.pending.add(id, p);
    try {
      this.sendMessage(to, Kind.REQUEST, id, verb, payload);
    } catch (err) {
      this.pending.delete(id);
      p.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return promise;
  }

  /** The Gossiper's Transport: one-way messages of one verb. */
  transport<M>(verb: string): Transport<M> {
    return {
      send: (to, msg) => this.send(to, verb, msg),
      onMessage: (handler) => this.register(verb, (payload, from) => { handler(from, payload as M); return undefined; }),
    };
  }

  /** Requests awaiting a response (for metrics and tests). */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Whether the outbound connection to `to` is established right now. */
  isConnected(to: string): boolean {
    return this.peers.get(to)?.link.connected ?? false;
  }

  /** Replaces the outbound connection to `to` with a fresh one on the next message (the peer was marked down). */
  resetConnection(to: string): void {
    this.peers.get(to)?.link.reset();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closedServer = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.inbound) socket.destroy();
    this.inbound.clear();
    for (const peer of this.peers.values()) {
      peer.delay.clear();
      peer.link.close();
    }
    this.peers.clear();
    for (const p of this.pending.drain()) {
      p.reject(new MessagingClosedError(`messaging ${this.self} closed with ${p.verb} to ${p.to} pending`));
    }
    await closedServer;
  }

  // ---- sending ----

  private sendMessage(to: string, kind: Kind, id: number, verb: string, payload: unknown): void {
    if (this.closed) return;
    // Encode now, not after the simulated delay: the caller may mutate the payload once send() returns.
    if (to === this.self) {
      writeEnvelope(this.scratch, kind, id, verb, payload, this.maxFrameBytes);
      this.stats.sent++;
      // Local delivery skips the network, as Cassandra's does, but still copies (decode of the frame) and stays
      // asynchronous so a handler never runs inside its caller's stack.
      const copy = readEnvelope(Buffer.from(this.scratch.take().subarray(4)));
      setImmediate(() => { if (!this.closed) this.receive(this.self, copy); });
      return;
    }
    const peer = this.peer(to);
    // The common case: no network model and nothing delayed ahead on this link. The frame is encoded straight into
    // the link's bytes of this turn: no frame of its own, no copy.
    const direct = this.network.isIdeal && peer.delay.size === 0 ? peer.link.writerIfConnected() : undefined;
    if (direct !== undefined) {
      writeEnvelope(direct, kind, id, verb, payload, this.maxFrameBytes);
      this.stats.sent++;
      peer.link.written();
      return;
    }
    writeEnvelope(this.scratch, kind, id, verb, payload, this.maxFrameBytes);
    const frame = this.scratch.take();
    this.stats.sent++;
    if (this.network.isIdeal) {
      peer.delay.push(frame, 0);
      return;
    }
    const decision = this.network.decide(this.self, to, this.random);
    if (decision.deliver) peer.delay.push(frame, decision.delayMs);
    else if (decision.reason === 'partitioned') this.stats.droppedPartitioned++;
    else this.stats.droppedByModel++;
  }

  private peer(to: string): Peer {
    let peer = this.peers.get(to);
    if (peer !== undefined) return peer;
    const { host, port } = parseEndpoint(to);
    const link = new OutboundLink({
      host,
      port,
      localAddress: this.opts.address,
      hello: this.hello,
      ...(this.tlsContext !== undefined && this.opts.tls !== undefined ? { tls: { context: this.tlsContext, mustEncrypt: () => this.opts.tls!.mustEncrypt(to) } } : {}),
      clock: this.clock,
      timers: this.timers,
      random: this.random,
      maxQueued: this.opts.maxQueued ?? 1024,
      maxBufferedBytes: this.opts.maxBufferedBytes ?? 64 * 1024 * 1024,
      connectTimeoutMs: this.opts.connectTimeoutMs ?? 2000,
      backoffMinMs: this.opts.backoffMinMs ?? 50,
      backoffMaxMs: this.opts.backoffMaxMs ?? 1000,
      onDrop: (count, reason) => { this.stats.droppedByLink[reason] += count; },
      onSocketWrite: () => { this.stats.socketWrites++; },
      logger: (msg, err) => this.log(`${this.self} -> ${to}: ${msg}`, err),
    });
    peer = { link, delay: new DelayLine<Buffer>(this.clock, this.timers, (frame) => link.send(frame)) };
    this.peers.set(to, peer);
    return peer;
  }

  // ---- receiving ----

  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    if (this.inbound.size >= (this.opts.maxInboundConnections ?? DEFAULT_MAX_INBOUND_CONNECTIONS)) {
      this.refuse(socket, 'too-many-connections', `${this.inbound.size} inbound connections already`);
      return;
    }
    this.inbound.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => { /* 'close' follows; a reset by a restarting peer is routine */ });
    socket.once('close', () => this.inbound.delete(socket));
    // One deadline for the TLS handshake and the hello together.
    const handshakeTimer = this.timers.setTimeout(() => {
      if (!socket.destroyed) this.refuse(socket, 'handshake-timeout', 'no handshake in time');
    }, this.opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
    socket.once('close', () => this.timers.clearTimeout(handshakeTimer));
    const tls = this.opts.tls;
    if (tls === undefined || this.tlsContext === undefined) return this.readHello(socket, false, handshakeTimer);
    sniffInbound(socket, this.tlsContext, this.tlsCas, tls,
      (stream, encrypted) => this.readHello(stream, encrypted, handshakeTimer),
      (why, detail) => this.refuse(socket, why, detail));
  }

  private readHello(socket: Socket, encrypted: boolean, handshakeTimer: TimerHandle): void {
    const helloReader = new HelloReader();
    const onHandshakeData = (chunk: Buffer): void => {
      let read: ReturnType<HelloReader['push']>;
      try {
        read = helloReader.push(chunk);
      } catch (err) {
        return this.refuse(socket, 'bad-handshake', 'bad handshake frame', err);
      }
      if (read === undefined) return;
      const from = this.checkHello(socket, read.hello, encrypted);
      if (from === undefined) return;
      this.timers.clearTimeout(handshakeTimer);
      socket.off('data', onHandshakeData);
      this.serveInbound(socket, from, read.rest);
    };
    socket.on('data', onHandshakeData);
  }

  /** The hello's sender, or undefined once the connection has been refused. */
  private checkHello(socket: Socket, body: Buffer, encrypted: boolean): string | undefined {
    let hello: unknown;
    try {
      hello = decodeBody(body);
    } catch (err) {
      this.refuse(socket, 'bad-handshake', 'bad handshake', err);
      return undefined;
    }
    if (!isHello(hello)) {
      this.refuse(socket, 'bad-handshake', 'first frame is not a handshake');
      return undefined;
    }
    if (hello.version !== PROTOCOL_VERSION) {
      this.refuse(socket, 'bad-handshake', `unsupported messaging version ${hello.version}`);
      return undefined;
    }
    if (this.opts.isKnownPeer !== undefined && !sameHost(socket.remoteAddress, hello.from)) {
      this.refuse(socket, 'spoofed-address', `handshake names ${hello.from}`);
      return undefined;
    }
    const tls = this.opts.tls;
    if (!encrypted && tls !== undefined && !tls.optional && tls.mustEncrypt(hello.from)) {
      this.refuse(socket, 'plaintext', `plaintext from ${hello.from}, which must use TLS (internode_encryption)`);
      return undefined;
    }
    if (this.opts.isKnownPeer !== undefined && !this.opts.isKnownPeer(hello.from)) {
      if (this.probation.size >= MAX_PROBATION_CONNECTIONS) {
        this.refuse(socket, 'too-many-connections', `${this.probation.size} connections from non-members already`);
        return undefined;
      }
      this.probation.add(socket);
      socket.once('close', () => this.probation.delete(socket));
    }
    return hello.from;
  }

  /** The envelope stream after a valid hello; `first` is what arrived behind the hello in the same chunks. */
  private serveInbound(socket: Socket, from: string, first: Buffer): void {
    const decoder = new FrameDecoder(this.maxFrameBytes);
    const probationVerbs = this.opts.probationVerbs ?? [GOSSIP_VERB];
    const onData = (chunk: Buffer): void => {
      let bodies: Buffer[];
      const trusted = this.opts.isKnownPeer === undefined || this.opts.isKnownPeer(from);
      decoder.maxFrameBytes = trusted ? this.maxFrameBytes : PROBATION_MAX_FRAME_BYTES;
      try {
        bodies = decoder.pushRaw(chunk);
      } catch (err) {
        return this.closeInbound(socket, from, 'bad frame', err);
      }
      for (const body of bodies) {
        if (socket.destroyed) return;
        let envelope: Envelope;
        // A frame decodes from its own copy: its Buffers (cell values, keys) may be kept (memtables, hints) and
        // must not pin the socket's whole receive chunk.
        try {
          envelope = readEnvelope(Buffer.from(body));
        } catch (err) {
          decoder.fail();
          return this.closeInbound(socket, from, 'bad message', err);
        }
        // Membership is looked up per message: a joining node's connection leaves probation once gossip has it.
        const known = this.opts.isKnownPeer === undefined || this.opts.isKnownPeer(from);
        if (!known && !probationVerbs.includes(envelope.verb)) {
          decoder.fail();
          return this.refuse(socket, 'not-member', `${envelope.verb} from ${from}, not a gossip member or seed`);
        }
        this.receive(from, envelope);
      }
    };
    socket.on('data', onData);
    if (first.length > 0) onData(first);
  }

  private refuse(socket: Socket, why: InboundRefusal, detail: string, err?: unknown): void {
    this.stats.refusedInbound[why]++;
    this.log(`${this.self}: refused inbound connection from ${socket.remoteAddress}:${socket.remotePort}: ${why}: ${detail}`, err);
    socket.destroy();
  }

  private closeInbound(socket: Socket, from: string, why: string, err?: unknown): void {
    this.log(`${this.self}: closing inbound connection from ${from}: ${why}`, err);
    socket.destroy();
  }

  private receive(from: string, envelope: Envelope): void {
    if (from !== this.self && this.network.isPartitioned(from, this.self)) {
      this.stats.droppedPartitioned++;
      return;
    }
    this.stats.received++;
    if (envelope.kind === Kind.RESPONSE || envelope.kind === Kind.ERROR) this.complete(from, envelope);
    else this.dispatch(from, envelope);
  }

  private complete(from: string, envelope: Envelope): void {
    const p = this.pending.get(envelope.id);
    // A late response (after its timeout) or one from the wrong peer is ignored, as Cassandra ignores them.
    if (p === undefined || p.to !== from) return;
    this.pending.delete(envelope.id);
    if (envelope.kind === Kind.ERROR) p.reject(new RemoteError(from, p.verb, envelope.payload as WireError));
    else p.resolve(envelope.payload);
  }

  private dispatch(from: string, envelope: Envelope): void {
    const { verb } = envelope;
    // A one-way message is never answered, whatever id a peer put on it.
    const id = envelope.kind === Kind.ONE_WAY ? 0 : envelope.id;
    const handler = this.handlers.get(verb);
    if (handler === undefined) {
      if (id !== 0) this.respondError(from, verb, id, { name: 'UnknownVerbError', message: `no handler for ${verb}` });
      else this.log(`${this.self}: dropping ${verb} from ${from}: no handler`);
      return;
    }
    let result: unknown;
    try {
      result = handler(envelope.payload, from);
    } catch (err) {
      return this.failed(from, verb, id, err);
    }
    if (isPromiseLike(result)) {
      result.then((value) => this.respond(from, verb, id, value), (err: unknown) => this.failed(from, verb, id, err));
    } else {
      this.respond(from, verb, id, result);
    }
  }

  private respond(to: string, verb: string, id: number, payload: unknown): void {
    if (id === 0 || payload === undefined) return;
    try {
      this.sendMessage(to, Kind.RESPONSE, id, verb, payload);
    } catch (err) {
      // The handler returned something msgpack cannot carry: tell the requester rather than let it time out.
      this.failed(to, verb, id, err);
    }
  }

  private failed(to: string, verb: string, id: number, err: unknown): void {
    if (id === 0) {
      this.log(`${this.self}: ${verb} handler failed for a message from ${to}`, err);
      return;
    }
    this.respondError(to, verb, id, toWireError(err));
  }

  private respondError(to: string, verb: string, id: number, error: WireError): void {
    try {
      this.sendMessage(to, Kind.ERROR, id, verb, error);
    } catch (err) {
      this.log(`${this.self}: could not send the error response for ${verb} to ${to}`, err);
    }
  }
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
