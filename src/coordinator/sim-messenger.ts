// The Messenger of a simulated node: request/response messaging over a SimNetwork, in virtual time. It mirrors
// MessagingService's semantics where the cluster code can observe them: one verb-multiplexed channel per node
// (gossip rides it too, through transport()), payloads serialized with the real internode codec (so a value that
// msgpack would mangle fails here as it would in production), handler errors answered as RemoteError, and
// TimeoutError after timeoutMs of virtual time. Nothing here reads real time or Math.random, so a simulation's trace
// depends on its seed alone.
import type { Timers, TimerHandle, Transport } from '../cluster/env.ts';
import type { SimNetwork } from '../cluster/sim-network.ts';
import { decodePayload, encodePayload, Kind } from '../messaging/envelope.ts';
import { RemoteError, TimeoutError, toWireError, type WireError } from '../messaging/errors.ts';
import type { Messenger } from './cluster.ts';

/** What travels on the simulated wire. The body is already encoded, so nodes never share objects. */
export interface SimFrame {
  verb: string;
  /** 0 for one-way messages, which get no response. */
  id: number;
  isResponse?: boolean;
  /** A response whose handler failed: the body is the WireError. */
  isError?: boolean;
  /** The payload as the internode codec encodes it (envelope.ts), or the WireError of a failed request. */
  body: Buffer;
}

type Handler = (payload: unknown, from: string) => unknown;

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: TimerHandle;
  to: string;
  verb: string;
}

/** A short rendering for SimNetwork's trace: the verb and request id, not the payload. */
export function describeFrame(f: SimFrame): string {
  return f.id === 0 ? f.verb : `${f.verb}#${f.id}${f.isResponse ? '<' : '>'}`;
}

export class SimMessenger implements Messenger {
  private readonly handlers = new Map<string, Handler>();
  private readonly pending = new Map<number, Pending>();
  private readonly transportOut: Transport<SimFrame>;
  private nextId: number;
  private dead = false;

  /**
   * `firstId`: where request ids start. A node restarted on the same address gets ids no earlier incarnation used, so
   * a late answer to a dead process's request can never be taken for the answer to a new one.
   */
  constructor(
    readonly self: string,
    network: SimNetwork<SimFrame>,
    private readonly timers: Timers,
    firstId = 1,
  ) {
    this.nextId = firstId;
    this.transportOut = network.transport(self);
    this.transportOut.onMessage((from, frame) => this.receive(from, frame));
  }

  register(verb: string, handler: Handler): void {
    this.handlers.set(verb, handler);
  }

  /** One-way, best effort. */
  send(to: string, verb: string, payload: unknown): void {
    if (this.dead) return;
    this.transportOut.send(to, { verb, id: 0, body: encodePayload(verb, Kind.ONE_WAY, payload) });
  }

  /**
   * The process is gone (a simulated crash): what it still had running can neither send nor receive, and its
   * pending requests fail, as they would when the real process dies with its connections.
   */
  kill(): void {
    this.dead = true;
    for (const [id, p] of this.pending) {
      this.timers.clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new Error(`${this.self} crashed`));
    }
  }

  request(to: string, verb: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    if (this.dead) return Promise.reject(new Error(`${this.self} crashed`));
    const id = this.nextId++;
    // Encode before the promise exists: an unencodable payload is the caller's bug, reported synchronously-ish.
    let body: Buffer;
    try {
      body = encodePayload(verb, Kind.REQUEST, payload);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return new Promise<unknown>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        if (this.pending.delete(id)) reject(new TimeoutError(to, verb, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, to, verb });
      this.transportOut.send(to, { verb, id, body });
    });
  }

  /** A Transport of one-way messages of one verb, as MessagingService.transport() gives the Gossiper. */
  transport<M>(verb: string): Transport<M> {
    return {
      send: (to, msg) => this.send(to, verb, msg),
      onMessage: (handler) => this.register(verb, (payload, from) => { handler(from, payload as M); return undefined; }),
    };
  }

  get inFlight(): number {
    return this.pending.size;
  }

  private receive(from: string, frame: SimFrame): void {
    if (this.dead) return;
    const decoded = decodePayload(frame.body);
    if (frame.isResponse) {
      const p = this.pending.get(frame.id);
      // A response after its timeout (or to a request of a previous incarnation) has nobody waiting.
      if (p === undefined || p.to !== from || p.verb !== frame.verb) return;
      this.pending.delete(frame.id);
      this.timers.clearTimeout(p.timer);
      if (frame.isError === true) p.reject(new RemoteError(from, p.verb, decoded as WireError));
      else p.resolve(decoded);
      return;
    }
    const handler = this.handlers.get(frame.verb);
    if (handler === undefined) {
      this.fail(from, frame, { name: 'UnknownVerbError', message: `no handler for ${frame.verb}` });
      return;
    }
    let result: unknown;
    try {
      result = handler(decoded, from);
    } catch (err) {
      this.fail(from, frame, toWireError(err));
      return;
    }
    if (result instanceof Promise) {
      result.then((v: unknown) => this.respond(from, frame, v), (err: unknown) => this.fail(from, frame, toWireError(err)));
    } else {
      this.respond(from, frame, result);
    }
  }

  private respond(to: string, req: SimFrame, value: unknown): void {
    // As in MessagingService: one-way messages and handlers returning undefined get no response.
    if (req.id === 0 || value === undefined || this.dead) return;
    let body: Buffer;
    try {
      body = encodePayload(req.verb, Kind.RESPONSE, value);
    } catch (err) {
      this.fail(to, req, toWireError(err));
      return;
    }
    this.transportOut.send(to, { verb: req.verb, id: req.id, isResponse: true, body });
  }

  private fail(to: string, req: SimFrame, error: WireError): void {
    if (req.id === 0 || this.dead) return;
    this.transportOut.send(to, { verb: req.verb, id: req.id, isResponse: true, isError: true, body: encodePayload(req.verb, Kind.ERROR, error) });
  }
}
