// Cluster membership by gossip, the way Cassandra does it, as a sans-I/O state machine: the owner calls tick(now)
// once per gossip interval and receive(from, msg) for each inbound message; the gossiper answers through the
// injected Transport and reads time only from the injected Clock. Nothing here schedules, sleeps or touches a socket,
// so the simulator (sim-network.ts) can run a whole cluster deterministically from a seed.
//
// Each round a node bumps its own heartbeat, then starts a SYN/ACK/ACK2 exchange with one random live peer, maybe
// with one unreachable peer (to notice it coming back) and maybe with a seed (so partitioned islands of the cluster
// find each other through the seeds). A peer is marked down when the phi-accrual failure detector convicts it, and
// up again only after it answers an ECHO, so second-hand gossip about a dead node cannot resurrect it.

import type { Clock, Random, TimerHandle, Timers, Transport } from './env.ts';
import { pick } from './env.ts';
import { FailureDetector, type FailureDetectorOptions } from './failure-detector.ts';
import {
  AppState, EndpointState, Status, type AppStateKey, type EndpointSnapshot, type GossipDigest, type GossipMessage,
  type WireEndpointState,
} from './gossip-state.ts';

export * from './gossip-state.ts';

/**
 * A remote generation this far beyond the one we hold is taken as corruption, not a restart. Generations are
 * start-up times in seconds, so this is a year, as in Cassandra.
 */
const MAX_GENERATION_DIFFERENCE = 86400 * 365;

export interface GossipListener {
  /** An endpoint seen for the first time. */
  onJoin?(endpoint: string, state: EndpointSnapshot): void;
  /** An application state of a known endpoint changed (also fired per changed key after a restart). */
  onChange?(endpoint: string, key: string, value: string): void;
  /** An endpoint answered an echo and is considered up. */
  onAlive?(endpoint: string, state: EndpointSnapshot): void;
  /** An endpoint was convicted by the failure detector, or announced shutdown. */
  onDead?(endpoint: string, state: EndpointSnapshot): void;
  /** A known endpoint came back with a higher generation: it restarted. */
  onRestart?(endpoint: string, state: EndpointSnapshot): void;
}

export interface GossiperOptions {
  /** This node's listen address; also its identity in gossip. */
  address: string;
  seeds: readonly string[];
  /**
   * Must exceed every generation this address used before (Cassandra: seconds since the epoch at start-up, and
   * one more than the stored value if the clock went backwards). Peers treat a higher generation as a restart.
   */
  generation: number;
  /** Nodes of another cluster that share a seed are ignored. */
  clusterName?: string;
  transport: Transport<GossipMessage>;
  clock: Clock;
  random: Random;
  /** How often the owner calls tick(); only used to pace echo retries. Default 1000. */
  intervalMs?: number;
  failureDetector?: FailureDetector | FailureDetectorOptions;
  initialStates?: Partial<Record<AppStateKey, string>>;
}

export class Gossiper {
  readonly address: string;
  readonly clusterName: string;
  readonly failureDetector: FailureDetector;
  private readonly seeds: readonly string[];
  private readonly transport: Transport<GossipMessage>;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly intervalMs: number;
  private readonly endpointStates = new Map<string, EndpointState>();
  private readonly self: EndpointState;
  private readonly listeners: GossipListener[] = [];
  /** Echo requests in flight, by endpoint, with the time sent, so one is not re-sent every message. */
  private readonly pendingEchoes = new Map<string, number>();
  private version = 0;
  private stopped = false;

  constructor(options: GossiperOptions) {
    this.address = options.address;
    this.clusterName = options.clusterName ?? 'Test Cluster';
    this.seeds = options.seeds.filter((s) => s !== options.address);
    this.transport = options.transport;
    this.clock = options.clock;
    this.random = options.random;
    this.intervalMs = options.intervalMs ?? 1000;
    const fd = options.failureDetector;
    this.failureDetector = fd instanceof FailureDetector ? fd : new FailureDetector(fd);
    this.failureDetector.onConvict((endpoint) => this.convict(endpoint));
    this.self = new EndpointState(this.address, options.generation, this.nextVersion());
    this.self.alive = true;
    this.endpointStates.set(this.address, this.self);
    for (const [key, value] of Object.entries(options.initialStates ?? {})) {
      if (value !== undefined) this.self.states.set(key, { value, version: this.nextVersion() });
    }
    this.transport.onMessage((from, msg) => this.receive(from, msg));
  }

  private nextVersion(): number {
    return ++this.version;
  }

  /** Registers a listener; returns a function that unregisters it. */
  subscribe(listener: GossipListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  private emit<K extends keyof GossipListener>(event: K, ...args: Parameters<NonNullable<GossipListener[K]>>): void {
    for (const listener of this.listeners.slice()) {
      const fn = listener[event] as ((...a: typeof args) => void) | undefined;
      fn?.apply(listener, args);
    }
  }

  setApplicationState(key: AppStateKey, value: string): void {
    this.setApplicationStates({ [key]: value });
  }

  /** Several keys at once; they get consecutive versions, so peers usually see them in the same round. */
  setApplicationStates(states: Partial<Record<AppStateKey, string>>): void {
    for (const [key, value] of Object.entries(states)) {
      if (value !== undefined) this.self.states.set(key, { value, version: this.nextVersion() });
    }
  }

  get generation(): number {
    return this.self.generation;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** One gossip round. */
  tick(now: number = this.clock.now()): void {
    if (this.stopped) return;
    this.self.heartbeat = this.nextVersion();
    const live = this.liveMembers();
    const unreachable = this.unreachableMembers();
    let gossipedToSeed = false;
    const target = pick(this.random, live);
    if (target !== undefined) {
      this.sendSyn(target);
      gossipedToSeed = this.seeds.includes(target);
    }
    // Probing the unreachable is how a recovered node or healed partition is noticed; the more of the cluster is
    // down, the more often it is worth a message.
    if (unreachable.length > 0 && this.random.next() < unreachable.length / (live.length + 1)) {
      this.sendSyn(pick(this.random, unreachable)!);
    }
    if (!gossipedToSeed || live.length < this.seeds.length) this.maybeGossipToSeed(live.length, unreachable.length);
    this.statusCheck(now);
  }

  /**
   * One SYN to every live member now, outside the rounds: used when a state that clients wait on changes (the schema
   * version, which drivers poll in system.peers after each DDL and which the Java driver's 2 s request timeout
   * covers). Left to the rounds, a change reaches a given node only after about log2(N) seconds; this way each peer
   * asks for it in the ACK it answers with.
   */
  announce(): void {
    if (this.stopped) return;
    for (const endpoint of this.liveMembers()) this.sendSyn(endpoint);
  }

  /** Always to a seed while we know no live peer; otherwise with probability seeds / known peers. */
  private maybeGossipToSeed(liveCount: number, unreachableCount: number): void {
    if (this.seeds.length === 0) return;
    if (liveCount === 0 || this.random.next() < this.seeds.length / (liveCount + unreachableCount)) {
      this.sendSyn(pick(this.random, this.seeds)!);
    }
  }

  private sendSyn(to: string): void {
    const digests: GossipDigest[] = [];
    for (const state of this.endpointStates.values()) digests.push(state.digest());
    this.transport.send(to, { kind: 'syn', cluster: this.clusterName, digests });
  }

  private statusCheck(now: number): void {
    for (const endpoint of this.endpointStates.keys()) {
      if (endpoint !== this.address) this.failureDetector.interpret(endpoint, now);
    }
  }

  private convict(endpoint: string): void {
    const state = this.endpointStates.get(endpoint);
    if (state !== undefined && state.alive && endpoint !== this.address) this.markDead(state);
  }

  receive(from: string, msg: GossipMessage, now: number = this.clock.now()): void {
    if (this.stopped) return;
    switch (msg.kind) {
      case 'syn':
        if (msg.cluster === this.clusterName) this.onSyn(from, msg.digests);
        return;
      case 'ack':
        this.applyStates(msg.states, now);
        if (msg.digests.length > 0) {
          const states = this.statesFor(msg.digests);
          if (states.length > 0) this.transport.send(from, { kind: 'ack2', states });
        }
        return;
      case 'ack2':
        this.applyStates(msg.states, now);
        return;
      case 'echo':
        this.transport.send(from, { kind: 'echo-reply' });
        return;
      case 'echo-reply':
        this.onEchoReply(from);
        return;
      case 'shutdown':
        this.onShutdown(from, msg.state, now);
        return;
    }
  }

  /**
   * Compares the sender's digests with our view: for each endpoint, whoever holds the newer (generation, version)
   * sends it. Endpoints the sender does not mention at all are sent in full, which is how a new node learns the
   * whole cluster from its first answered SYN rather than only after someone gossips to it.
   */
  private onSyn(from: string, digests: readonly GossipDigest[]): void {
    const requests: GossipDigest[] = [];
    const states: WireEndpointState[] = [];
    const mentioned = new Set<string>();
    for (const d of digests) {
      mentioned.add(d.endpoint);
      const local = this.endpointStates.get(d.endpoint);
      if (local === undefined || d.generation > local.generation) {
        requests.push({ endpoint: d.endpoint, generation: d.generation, maxVersion: 0 });
      } else if (d.generation < local.generation) {
        states.push(local.toWire());
      } else {
        const localMax = local.maxVersion();
        if (d.maxVersion > localMax) requests.push({ endpoint: d.endpoint, generation: d.generation, maxVersion: localMax });
        else if (d.maxVersion < localMax) states.push(local.toWire(d.maxVersion));
      }
    }
    for (const [endpoint, local] of this.endpointStates) if (!mentioned.has(endpoint)) states.push(local.toWire());
    this.transport.send(from, { kind: 'ack', digests: requests, states });
  }

  /** What a peer asked for in its ACK: everything newer than its digest, all of it if it has an older generation. */
  private statesFor(requests: readonly GossipDigest[]): WireEndpointState[] {
    const out: WireEndpointState[] = [];
    for (const d of requests) {
      const local = this.endpointStates.get(d.endpoint);
      if (local === undefined || local.generation < d.generation) continue;
      if (local.generation > d.generation) out.push(local.toWire());
      else if (local.maxVersion() > d.maxVersion) out.push(local.toWire(d.maxVersion));
    }
    return out;
  }

  private applyStates(states: readonly WireEndpointState[], now: number): void {
    for (const remote of states) this.applyState(remote, now);
  }

  private applyState(remote: WireEndpointState, now: number): void {
    // Nobody knows our own state better than we do.
    if (remote.endpoint === this.address) return;
    const local = this.endpointStates.get(remote.endpoint);
    if (local === undefined) return this.majorChange(undefined, remote, now);
    if (remote.generation > local.generation) {
      if (remote.generation > local.generation + MAX_GENERATION_DIFFERENCE) return;
      return this.majorChange(local, remote, now);
    }
    if (remote.generation < local.generation) return;
    const heartbeatAdvanced = remote.heartbeat > local.heartbeat;
    if (heartbeatAdvanced) {
      local.heartbeat = remote.heartbeat;
      this.failureDetector.report(local.endpoint, now);
    }
    for (const s of remote.states) {
      const current = local.states.get(s.key);
      if (current !== undefined && current.version >= s.version) continue;
      local.states.set(s.key, { value: s.value, version: s.version });
      this.emit('onChange', local.endpoint, s.key, s.value);
    }
    if (local.isDead()) {
      if (local.alive) this.markDead(local);
    } else if (heartbeatAdvanced && !local.alive) {
      this.requestEcho(local.endpoint, now);
    }
  }

  /** A new endpoint, or a known one with a new generation: the remote state replaces ours wholesale. */
  private majorChange(previous: EndpointState | undefined, remote: WireEndpointState, now: number): void {
    const state = EndpointState.fromWire(remote);
    this.endpointStates.set(state.endpoint, state);
    // The old arrival history belongs to the previous life; a fresh window starts with this heartbeat.
    this.failureDetector.remove(state.endpoint);
    this.failureDetector.report(state.endpoint, now);
    // A quick restart that we never noticed as down stays up; anything else must answer an echo first.
    state.alive = previous !== undefined && previous.alive && !state.isDead();
    if (previous === undefined) {
      this.emit('onJoin', state.endpoint, state.snapshot());
    } else {
      this.emit('onRestart', state.endpoint, state.snapshot());
      for (const [key, v] of state.states) {
        if (previous.get(key) !== v.value) this.emit('onChange', state.endpoint, key, v.value);
      }
    }
    if (state.isDead()) {
      if (previous?.alive === true) this.emit('onDead', state.endpoint, state.snapshot());
    } else if (!state.alive) {
      this.requestEcho(state.endpoint, now);
    }
  }

  private requestEcho(endpoint: string, now: number): void {
    const sent = this.pendingEchoes.get(endpoint);
    if (sent !== undefined && now - sent < this.intervalMs) return;
    this.pendingEchoes.set(endpoint, now);
    this.transport.send(endpoint, { kind: 'echo' });
  }

  private onEchoReply(from: string): void {
    if (!this.pendingEchoes.delete(from)) return;
    const state = this.endpointStates.get(from);
    if (state === undefined || state.alive || state.isDead()) return;
    state.alive = true;
    this.emit('onAlive', from, state.snapshot());
  }

  private onShutdown(from: string, remote: WireEndpointState, now: number): void {
    if (remote.endpoint !== from) return;
    this.applyState(remote, now);
    const state = this.endpointStates.get(from);
    if (state === undefined) return;
    // Its silence from now on is expected, not evidence: start the detector afresh for its next life.
    this.failureDetector.remove(from);
    this.pendingEchoes.delete(from);
    if (state.alive) this.markDead(state);
  }

  private markDead(state: EndpointState): void {
    state.alive = false;
    this.pendingEchoes.delete(state.endpoint);
    this.emit('onDead', state.endpoint, state.snapshot());
  }

  /**
   * Graceful stop: STATUS becomes shutdown and every live peer is told directly, so they mark this node down now
   * instead of waiting ~20 s for the failure detector. Afterwards the gossiper ignores ticks and messages.
   */
  shutdown(): void {
    if (this.stopped) return;
    this.setApplicationState(AppState.STATUS, `${Status.SHUTDOWN},true`);
    this.self.heartbeat = this.nextVersion();
    const state = this.self.toWire();
    for (const peer of this.liveMembers()) this.transport.send(peer, { kind: 'shutdown', state });
    this.stopped = true;
  }

  /**
   * Rewrites another endpoint's state as if it had said so itself, under a newer generation (Cassandra's
   * forceNewerGenerationUnsafe in advertiseRemoving / advertiseTokenRemoved / assassinateEndpoint): every peer takes
   * the whole state as the newest, and the endpoint itself, being dead, cannot contradict it. Only for an endpoint
   * this node knows and that is not this node; returns whether it was done.
   */
  advertiseOnBehalf(endpoint: string, states: Partial<Record<AppStateKey, string>>): boolean {
    const state = this.endpointStates.get(endpoint);
    if (state === undefined || endpoint === this.address || this.stopped) return false;
    state.generation += 1;
    let version = state.maxVersion();
    for (const [key, value] of Object.entries(states)) {
      if (value !== undefined) state.states.set(key, { value, version: ++version });
    }
    state.heartbeat = ++version;
    this.failureDetector.remove(endpoint);
    this.pendingEchoes.delete(endpoint);
    for (const key of Object.keys(states)) this.emit('onChange', endpoint, key, state.get(key) ?? '');
    if (state.alive && state.isDead()) this.markDead(state);
    this.announce();
    return true;
  }

  /** The raw view of every endpoint (this node included): generation, heartbeat and versioned states, for gossipinfo. */
  dump(): Array<{ endpoint: string; generation: number; heartbeat: number; states: WireEndpointState['states'] }> {
    return [...this.endpointStates.values()].map((s) => {
      const w = s.toWire();
      return { endpoint: s.endpoint, generation: w.generation, heartbeat: w.heartbeat, states: w.states };
    });
  }

  /**
   * Gossips again after shutdown() (nodetool enablegossip), under a new generation as after a restart, so that every
   * peer takes this node's states afresh and marks it up once it answers an echo.
   */
  restart(generation: number, states: Partial<Record<AppStateKey, string>>): void {
    if (!this.stopped) return;
    this.self.generation = generation;
    this.setApplicationStates(states);
    this.self.heartbeat = this.nextVersion();
    this.stopped = false;
    this.announce();
  }

  // Queries.

  isAlive(endpoint: string): boolean {
    return this.endpointStates.get(endpoint)?.alive ?? false;
  }

  /** Every endpoint known, this node included. */
  endpoints(): string[] {
    return [...this.endpointStates.keys()];
  }

  /** Peers currently up (not this node). */
  liveMembers(): string[] {
    const out: string[] = [];
    for (const [endpoint, state] of this.endpointStates) if (state.alive && endpoint !== this.address) out.push(endpoint);
    return out;
  }

  /** Known peers currently down. */
  unreachableMembers(): string[] {
    const out: string[] = [];
    for (const [endpoint, state] of this.endpointStates) if (!state.alive && endpoint !== this.address) out.push(endpoint);
    return out;
  }

  state(endpoint: string): EndpointSnapshot | undefined {
    return this.endpointStates.get(endpoint)?.snapshot();
  }

  getApplicationState(endpoint: string, key: AppStateKey): string | undefined {
    return this.endpointStates.get(endpoint)?.get(key);
  }
}

/**
 * Drives a gossiper from Timers: tick every intervalMs until stopped. The first tick is after `initialDelayMs`,
 * which simulations randomise so nodes do not gossip in lockstep.
 */
export function startGossipLoop(
  gossiper: Gossiper, clock: Clock, timers: Timers, intervalMs = 1000, initialDelayMs = 0,
): { stop(): void } {
  let handle: TimerHandle | undefined;
  let running = true;
  const run = (): void => {
    if (!running) return;
    gossiper.tick(clock.now());
    if (gossiper.isStopped) { running = false; return; }
    handle = timers.setTimeout(run, intervalMs);
  };
  handle = timers.setTimeout(run, initialDelayMs);
  return {
    stop(): void {
      running = false;
      if (handle !== undefined) timers.clearTimeout(handle);
    },
  };
}
