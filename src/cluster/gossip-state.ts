// What gossip carries: each node's versioned view of every endpoint, and the plain-data messages that reconcile
// those views. Everything on the wire is arrays and plain objects (no Maps, no classes), so msgpackr can encode a
// message as it is.
//
// Ordering. A node's state is stamped with its generation (chosen at start-up and bumped on every restart, so a
// restarted node always supersedes its previous life) and, inside a generation, with versions from one counter the
// node increments on every change: each heartbeat and each application-state update takes the next version. So
// (generation, version) totally orders everything a node ever said about itself, and "newer" needs no clocks.

/** The application-state keys Sibyl gossips; names follow Cassandra's ApplicationState. */
export const AppState = {
  STATUS: 'STATUS',
  DC: 'DC',
  RACK: 'RACK',
  TOKENS: 'TOKENS',
  SCHEMA: 'SCHEMA',
  HOST_ID: 'HOST_ID',
  RELEASE_VERSION: 'RELEASE_VERSION',
  RPC_ADDRESS: 'RPC_ADDRESS',
  NATIVE_ADDRESS_AND_PORT: 'NATIVE_ADDRESS_AND_PORT',
  INTERNAL_ADDRESS_AND_PORT: 'INTERNAL_ADDRESS_AND_PORT',
  RPC_READY: 'RPC_READY',
  LOAD: 'LOAD',
  /** removenode: the host id of the node coordinating the removal of this (dead) endpoint. */
  REMOVAL_COORDINATOR: 'REMOVAL_COORDINATOR',
} as const;
export type AppStateKey = (typeof AppState)[keyof typeof AppState];

/** STATUS values. Cassandra appends details after a comma ("shutdown,true", "LEAVING,<token>"). */
export const Status = {
  NORMAL: 'NORMAL',
  /** Bootstrapping ("BOOT,<first token>"): the node's tokens are pending, it receives writes but serves no reads. */
  BOOT: 'BOOT',
  /** Replacing a dead node ("BOOT_REPLACE,<its address>"): pending with the dead node's tokens, as BOOT. */
  BOOT_REPLACE: 'BOOT_REPLACE',
  LEAVING: 'LEAVING',
  LEFT: 'LEFT',
  /** removenode under way for this dead endpoint ("removing,<host id>"): its ranges move to their next owners. */
  REMOVING: 'removing',
  /** removenode done ("removed,<host id>,<expire time>"): the endpoint's tokens leave every ring. */
  REMOVED: 'removed',
  SHUTDOWN: 'shutdown',
} as const;

/**
 * STATUS values of a node that is not serving and must not be marked up just because its heartbeat is still
 * circulating: it announced it stopped or left.
 */
const DEAD_STATUSES: ReadonlySet<string> = new Set(['shutdown', 'LEFT', 'removed', 'removing', 'hibernate']);

export function isDeadStatus(status: string | undefined): boolean {
  if (status === undefined) return false;
  const comma = status.indexOf(',');
  return DEAD_STATUSES.has(comma < 0 ? status : status.slice(0, comma));
}

/** One endpoint as a digest: enough to tell who has the newer information. */
export interface GossipDigest {
  endpoint: string;
  generation: number;
  maxVersion: number;
}

export interface WireAppState {
  key: string;
  value: string;
  version: number;
}

/** Part or all of an endpoint's state: the heartbeat always, plus the application states a peer lacks. */
export interface WireEndpointState {
  endpoint: string;
  generation: number;
  heartbeat: number;
  states: WireAppState[];
}

/**
 * The three-way exchange, as Cassandra does it: A sends SYN (digests of everything it knows); B answers ACK with
 * the states A is missing plus digests of what B wants; A answers ACK2 with those. ECHO confirms a peer is
 * reachable before it is marked up; SHUTDOWN is a leaving node's last word.
 */
export type GossipMessage =
  | { kind: 'syn'; cluster: string; digests: GossipDigest[] }
  | { kind: 'ack'; digests: GossipDigest[]; states: WireEndpointState[] }
  | { kind: 'ack2'; states: WireEndpointState[] }
  | { kind: 'echo' }
  | { kind: 'echo-reply' }
  | { kind: 'shutdown'; state: WireEndpointState };

/** A read-only copy handed to listeners and callers, so they cannot mutate gossip's own view. */
export interface EndpointSnapshot {
  endpoint: string;
  generation: number;
  heartbeat: number;
  alive: boolean;
  states: Record<string, string>;
}

interface VersionedValue {
  value: string;
  version: number;
}

/** One node's local view of an endpoint (itself included). */
export class EndpointState {
  readonly endpoint: string;
  generation: number;
  heartbeat: number;
  readonly states = new Map<string, VersionedValue>();
  alive = false;

  constructor(endpoint: string, generation: number, heartbeat: number) {
    this.endpoint = endpoint;
    this.generation = generation;
    this.heartbeat = heartbeat;
  }

  static fromWire(wire: WireEndpointState): EndpointState {
    const state = new EndpointState(wire.endpoint, wire.generation, wire.heartbeat);
    for (const s of wire.states) state.states.set(s.key, { value: s.value, version: s.version });
    return state;
  }

  get(key: string): string | undefined {
    return this.states.get(key)?.value;
  }

  /** The highest version this state carries: what a digest advertises. */
  maxVersion(): number {
    let max = this.heartbeat;
    for (const v of this.states.values()) if (v.version > max) max = v.version;
    return max;
  }

  isDead(): boolean {
    return isDeadStatus(this.get(AppState.STATUS));
  }

  digest(): GossipDigest {
    return { endpoint: this.endpoint, generation: this.generation, maxVersion: this.maxVersion() };
  }

  /** The heartbeat plus every application state newer than `version` (all of them for version -1). */
  toWire(afterVersion = -1): WireEndpointState {
    const states: WireAppState[] = [];
    for (const [key, v] of this.states) if (v.version > afterVersion) states.push({ key, value: v.value, version: v.version });
    return { endpoint: this.endpoint, generation: this.generation, heartbeat: this.heartbeat, states };
  }

  snapshot(): EndpointSnapshot {
    const states: Record<string, string> = {};
    for (const [key, v] of this.states) states[key] = v.value;
    return { endpoint: this.endpoint, generation: this.generation, heartbeat: this.heartbeat, alive: this.alive, states };
  }
}
