// Cluster membership as the rest of the node sees it: who the peers are (from gossip), where they live (DC/rack),
// which tokens they own (the ring), whether they are up, and which schema version they run. Turns gossip changes
// into client events (STATUS_CHANGE / TOPOLOGY_CHANGE) and into the rows of system.peers.
import { Gossiper, AppState, Status, isDeadStatus, type AppStateKey, type GossipMessage, type EndpointSnapshot } from './gossip.ts';
import type { Clock, Random, Transport } from './env.ts';
import { TokenRing, type RingEndpoint } from './ring.ts';
import type { PeerNodeInfo } from '../schema/system_tables.ts';
import { parseEndpoint } from '../model/endpoint.ts';

/** What a node announces about itself in gossip. */
export interface LocalNode {
  /** Internode endpoint "ip:storage_port": the node's identity in gossip and messaging. */
  endpoint: string;
  hostId: string;
  dataCenter: string;
  rack: string;
  tokens: string[];
  rpcAddress: string;
  nativePort: number;
  releaseVersion: string;
}

export interface MembershipEvents {
  onUp?(peer: PeerView): void;
  onDown?(peer: PeerView): void;
  onJoin?(peer: PeerView): void;
  onSchema?(peer: PeerView): void;
  onRingChange?(): void;
}

/** What is known of one peer. */
export interface PeerView {
  endpoint: string;
  address: string;
  storagePort: number;
  hostId: string;
  dataCenter: string;
  rack: string;
  tokens: string[];
  rpcAddress: string;
  nativePort: number;
  schemaVersion: string;
  releaseVersion: string;
  alive: boolean;
  status: string;
  load?: number;
}

/**
 * A peer as the ring needs it, kept across restarts (node/node-core.ts saves them when the ring changes): the same
 * facts a node announces about itself.
 */
export type SavedPeer = LocalNode;

/** An endpoint's address and port (the shared parser, under the names membership uses). */
export function splitEndpoint(endpoint: string): { address: string; port: number } {
  const { host, port } = parseEndpoint(endpoint);
  return { address: host, port };
}

function peerOf(s: EndpointSnapshot): PeerView | undefined {
  const st = s.states;
  const tokens = st[AppState.TOKENS];
  if (!st[AppState.HOST_ID] || !st[AppState.DC] || !st[AppState.RACK] || !tokens) return undefined;
  const { address, port } = splitEndpoint(s.endpoint);
  const native = st[AppState.NATIVE_ADDRESS_AND_PORT] ?? `${address}:9042`;
  const n = splitEndpoint(native);
  return {
    endpoint: s.endpoint, address, storagePort: port, hostId: st[AppState.HOST_ID], dataCenter: st[AppState.DC],
    rack: st[AppState.RACK], tokens: tokens.split(',').filter(Boolean), rpcAddress: n.address, nativePort: n.port,
    schemaVersion: st[AppState.SCHEMA] ?? '', releaseVersion: st[AppState.RELEASE_VERSION] ?? '4.0.11',
    alive: s.alive && !isDeadStatus(st[AppState.STATUS] ?? ''), status: st[AppState.STATUS] ?? '',
    load: st[AppState.LOAD] !== undefined ? Number(st[AppState.LOAD]) : undefined,
  };
}

/** Whether a gossiped STATUS says the node is bootstrapping (its tokens pending). */
const statusIs = (status: string, name: string): boolean => status === name || status.startsWith(`${name},`);
export const isJoiningStatus = (status: string): boolean => statusIs(status, Status.BOOT) || statusIs(status, Status.BOOT_REPLACE);
/**
 * Whether a gossiped STATUS says the node's ranges are moving to the nodes that will own them: it is
 * decommissioning, or (dead) being removed by removenode — Cassandra adds both to its leaving endpoints.
 */
export const isLeavingStatus = (status: string): boolean => statusIs(status, Status.LEAVING) || statusIs(status, Status.REMOVING);
/** Whether a gossiped STATUS says the node is out of the ring: decommissioned, removed, or assassinated. */
export const hasLeftRing = (status: string): boolean => statusIs(status, Status.LEFT) || statusIs(status, Status.REMOVED);
/** The address a replacing node takes the place of ("BOOT_REPLACE,<address>"), if it is one. */
export const replacedAddress = (status: string): string | undefined =>
  (status.startsWith(`${Status.BOOT_REPLACE},`) ? status.slice(Status.BOOT_REPLACE.length + 1) : undefined);
/** The ring-relevant class of a status: whether the node is in the ring, joining it or leaving it. */
const ringClass = (status: string): string =>
  (isJoiningStatus(status) ? 'joining' : isLeavingStatus(status) ? 'leaving' : hasLeftRing(status) ? 'left' : 'normal');

/**
 * Drops from a ring's endpoints a dead one whose tokens another endpoint claims: the node a replacement took the
 * place of (replace_address_first_boot), until its removal reaches this node by gossip. Two live claimants (or two
 * dead ones neither of which was replaced) stay, and the ring refuses them as before.
 */
function withoutReplaced(endpoints: Array<RingEndpoint & { alive: boolean }>, replaced: ReadonlySet<string>): RingEndpoint[] {
  const claimedBy = new Map<bigint, RingEndpoint & { alive: boolean }>();
  let conflict = false;
  for (const e of endpoints) for (const t of e.tokens) {
    if (claimedBy.has(t)) conflict = true;
    else claimedBy.set(t, e);
  }
  const strip = ({ alive: _alive, ...e }: RingEndpoint & { alive: boolean }): RingEndpoint => e;
  if (!conflict) return endpoints.map(strip);
  const loses = (e: RingEndpoint & { alive: boolean }): boolean => e.tokens.some((t) => {
    const other = endpoints.find((o) => o !== e && o.tokens.includes(t));
    return other !== undefined && !e.alive && (other.alive || replaced.has(e.address));
  });
  return endpoints.filter((e) => !loses(e)).map(strip);
}

export class Membership {
  readonly gossiper: Gossiper;
  private ringCache?: TokenRing;
  /** The ring with the bootstrapping nodes' tokens too (null: nobody is joining), for pending replicas. */
  private pendingCache?: TokenRing | null;
  /** This node is bootstrapping: its tokens are not in the ring yet (they are pending). */
  private localJoining: boolean;
  /** This node is decommissioning (leaving) or has left the ring. */
  private localLeaving = false;
  private localLeft = false;
  /** The address this node is replacing (replace_address_first_boot), while it streams. */
  private localReplacing: string | undefined;
  /** Addresses seen replaced by another node (BOOT_REPLACE): once the replacement is NORMAL they lose its tokens. */
  private readonly replacedAddresses = new Set<string>();
  private readonly known = new Map<string, PeerView>();

  constructor(
    readonly local: LocalNode,
    opts: {
      seeds: string[]; generation: number; clusterName: string; transport: Transport<GossipMessage>; clock: Clock; random: Random;
      schemaVersion: string; phiConvictThreshold?: number;
      /** Starts without tokens, to bootstrap: startJoining() gossips them once chosen. */
      joining?: boolean;
    },
    private readonly events: MembershipEvents = {},
  ) {
    const { address, port } = splitEndpoint(local.endpoint);
    this.localJoining = opts.joining === true;
    this.gossiper = new Gossiper({
      address: local.endpoint,
      seeds: opts.seeds.filter((s) => s !== local.endpoint),
      generation: opts.generation,
      clusterName: opts.clusterName,
      transport: opts.transport,
      clock: opts.clock,
      random: opts.random,
      failureDetector: { phiConvictThreshold: opts.phiConvictThreshold ?? 8 },
      initialStates: {
        [AppState.STATUS]: this.localJoining ? Status.BOOT : Status.NORMAL,
        [AppState.DC]: local.dataCenter,
        [AppState.RACK]: local.rack,
        [AppState.TOKENS]: local.tokens.join(','),
        [AppState.HOST_ID]: local.hostId,
        [AppState.SCHEMA]: opts.schemaVersion,
        [AppState.RELEASE_VERSION]: local.releaseVersion,
        [AppState.RPC_ADDRESS]: local.rpcAddress,
        [AppState.NATIVE_ADDRESS_AND_PORT]: `${local.rpcAddress}:${local.nativePort}`,
        [AppState.INTERNAL_ADDRESS_AND_PORT]: `${address}:${port}`,
      },
    });
    this.gossiper.subscribe({
      onJoin: (ep, s) => this.update(ep, s, 'join'),
      onAlive: (ep, s) => this.update(ep, s, 'alive'),
      onDead: (ep, s) => this.update(ep, s, 'dead'),
      onRestart: (ep, s) => this.update(ep, s, 'restart'),
      onChange: (ep, key) => {
        const s = this.gossiper.state(ep);
        if (s) this.update(ep, s, key === AppState.SCHEMA ? 'schema' : key === AppState.TOKENS ? 'tokens' : 'change');
      },
    });
  }

  private update(endpoint: string, s: EndpointSnapshot, why: string): void {
    const before = this.known.get(endpoint);
    const p = peerOf(s);
    if (!p) return;
    this.known.set(endpoint, p);
    const replacing = replacedAddress(p.status);
    if (replacing !== undefined) this.replacedAddresses.add(replacing);
    if (!before || before.tokens.join() !== p.tokens.join() || before.dataCenter !== p.dataCenter || before.rack !== p.rack
      || ringClass(before.status) !== ringClass(p.status)) {
      this.ringCache = undefined;
      this.pendingCache = undefined;
      this.events.onRingChange?.();
    }
    // A bootstrapping node is announced to clients (NEW_NODE) once it has joined, as Cassandra announces it.
    if (!isJoiningStatus(p.status) && (!before || isJoiningStatus(before.status))) this.events.onJoin?.(p);
    if (before && before.alive && !p.alive) this.events.onDown?.(p);
    else if ((!before || !before.alive) && p.alive) this.events.onUp?.(p);
    // A restart the failure detector never noticed (back within the detection time) is still a comeback: the node
    // may have missed writes, so listeners (hint replay) hear about it as an "up".
    else if (why === 'restart' && before && before.alive && p.alive) this.events.onUp?.(p);
    if (why === 'schema' || (before && before.schemaVersion !== p.schemaVersion)) this.events.onSchema?.(p);
  }

  /**
   * The ring as it was when the node last ran (Cassandra's system.peers): peers taken as known but down until gossip
   * hears from them, so a restarted node routes by the real ring from its first request, rather than by a ring of
   * itself alone, which would have it take and serve writes for ranges it does not own. Call before gossip starts.
   */
  restorePeers(saved: readonly SavedPeer[]): void {
    for (const p of saved) {
      if (p.endpoint === this.local.endpoint || this.known.has(p.endpoint) || p.tokens.length === 0) continue;
      const { address, port } = splitEndpoint(p.endpoint);
      this.known.set(p.endpoint, { ...p, address, storagePort: port, schemaVersion: '', alive: false, status: Status.NORMAL });
    }
    this.ringCache = undefined;
    this.pendingCache = undefined;
  }

  /** What restorePeers() takes: every peer in the ring (not left, not joining), as it is now. */
  savedPeers(): SavedPeer[] {
    return this.peers().filter((p) => ringClass(p.status) === 'normal' || ringClass(p.status) === 'leaving').map((p) => ({
      endpoint: p.endpoint, hostId: p.hostId, dataCenter: p.dataCenter, rack: p.rack, tokens: p.tokens, rpcAddress: p.rpcAddress,
      nativePort: p.nativePort, releaseVersion: p.releaseVersion,
    }));
  }

  /** Peers (not this node) with complete gossip state. */
  peers(): PeerView[] {
    return [...this.known.values()];
  }

  peer(endpoint: string): PeerView | undefined {
    return this.known.get(endpoint);
  }

  isAlive(endpoint: string): boolean {
    if (endpoint === this.local.endpoint) return true;
    return this.known.get(endpoint)?.alive ?? false;
  }

  /** The token ring of every known node (down ones still own their ranges); bootstrapping nodes are not in it yet. */
  ring(): TokenRing {
    this.ringCache ??= this.buildRing(false);
    return this.ringCache;
  }

  /**
   * The ring once the bootstrapping nodes have joined, or undefined when none is joining: the replicas it adds to a
   * token's are its pending replicas, which writes go to as well (Cassandra's pending ranges).
   */
  pendingRing(): TokenRing | undefined {
    if (this.pendingCache === undefined) {
      const changing = this.localJoining || this.localLeaving
        || [...this.known.values()].some((p) => isJoiningStatus(p.status) || isLeavingStatus(p.status));
      this.pendingCache = changing ? this.buildRing(true) : null;
    }
    return this.pendingCache ?? undefined;
  }

  /** Whether `endpoint` is bootstrapping. */
  isJoining(endpoint: string): boolean {
    if (endpoint === this.local.endpoint) return this.localJoining;
    const p = this.known.get(endpoint);
    return p !== undefined && isJoiningStatus(p.status);
  }

  /** Peers joining or leaving the ring: Cassandra lets one range movement run at a time (consistent.rangemovement). */
  peersChanging(): string[] {
    return [...this.known.values()].filter((p) => p.alive && (isJoiningStatus(p.status) || isLeavingStatus(p.status))).map((p) => p.endpoint);
  }

  /** Whether `endpoint` is decommissioning. */
  isLeaving(endpoint: string): boolean {
    if (endpoint === this.local.endpoint) return this.localLeaving;
    const p = this.known.get(endpoint);
    return p !== undefined && isLeavingStatus(p.status);
  }

  /** The ring as it is (pending = false) or as it will be once joining nodes have joined and leaving ones left. */
  private buildRing(pending: boolean): TokenRing {
    // Ring endpoints are identified by their internode endpoint ("ip:port"), the id gossip and messaging use.
    const local = this.local;
    const endpoints: Array<RingEndpoint & { alive: boolean }> = [];
    const localIn = !this.localLeft && (pending ? !this.localLeaving : !this.localJoining);
    if (local.tokens.length > 0 && localIn) {
      endpoints.push({ id: local.endpoint, address: splitEndpoint(local.endpoint).address, dc: local.dataCenter, rack: local.rack, tokens: local.tokens.map(BigInt), alive: true });
    }
    // A node being replaced leaves the ring-to-be: its replacement (pending with its tokens) takes its place.
    const replaced = new Set<string>(this.localReplacing !== undefined ? [this.localReplacing] : []);
    for (const p of this.known.values()) {
      const r = replacedAddress(p.status);
      if (r !== undefined) replaced.add(r);
    }
    for (const p of this.known.values()) {
      if (hasLeftRing(p.status) || (!pending && isJoiningStatus(p.status)) || (pending && (isLeavingStatus(p.status) || replaced.has(p.address)))) continue;
      endpoints.push({ id: p.endpoint, address: p.address, dc: p.dataCenter, rack: p.rack, tokens: p.tokens.map(BigInt), alive: p.alive });
    }
    return new TokenRing(withoutReplaced(endpoints, this.replacedAddresses));
  }

  /** Bootstrap: gossips the tokens chosen for this node as pending (STATUS BOOT), so writes come to it meanwhile. */
  startJoining(tokens: string[], replacing?: string): void {
    this.local.tokens = tokens;
    this.localJoining = true;
    this.localReplacing = replacing;
    this.ringCache = undefined;
    this.pendingCache = undefined;
    const status = replacing !== undefined ? `${Status.BOOT_REPLACE},${replacing}` : `${Status.BOOT},${tokens[0] ?? ''}`;
    this.gossiper.setApplicationStates({ [AppState.STATUS]: status, [AppState.TOKENS]: tokens.join(',') });
    this.gossiper.announce();
    this.events.onRingChange?.();
  }

  /** Decommission: gossips STATUS LEAVING, so writes of this node's ranges go to their next owners too. */
  startLeaving(): void {
    this.localLeaving = true;
    this.resetRing(`${Status.LEAVING},${this.local.tokens[0] ?? ''}`);
  }

  /** Decommission done: STATUS LEFT; the node's tokens leave every ring. */
  finishLeaving(): void {
    this.localLeaving = false;
    this.localLeft = true;
    this.resetRing(`${Status.LEFT},${this.local.tokens[0] ?? ''}`);
  }

  private resetRing(status: string): void {
    this.ringCache = undefined;
    this.pendingCache = undefined;
    this.gossiper.setApplicationState(AppState.STATUS, status);
    this.gossiper.announce();
    this.events.onRingChange?.();
  }

  /** Bootstrap done: this node's tokens join the ring (STATUS NORMAL). */
  finishJoining(): void {
    this.localJoining = false;
    if (this.localReplacing !== undefined) this.replacedAddresses.add(this.localReplacing);
    this.localReplacing = undefined;
    this.ringCache = undefined;
    this.pendingCache = undefined;
    this.gossiper.setApplicationState(AppState.STATUS, Status.NORMAL);
    this.gossiper.announce();
    this.events.onRingChange?.();
  }

  /**
   * removenode / assassinate / a finished replacement: this node speaks for a dead peer in gossip (a newer generation
   * of its state), so that every node moves its ranges (`removing`) or drops it from the ring (`removed`, `LEFT`).
   */
  advertiseFor(endpoint: string, status: string, extra: Partial<Record<AppStateKey, string>> = {}): boolean {
    return this.gossiper.advertiseOnBehalf(endpoint, { ...extra, [AppState.STATUS]: status });
  }

  dataCenters(): string[] {
    return [...new Set([this.local.dataCenter, ...[...this.known.values()].map((p) => p.dataCenter)])];
  }

  location(endpoint: string): { dc: string; rack: string } | undefined {
    if (endpoint === this.local.endpoint) return { dc: this.local.dataCenter, rack: this.local.rack };
    const p = this.known.get(endpoint);
    return p ? { dc: p.dataCenter, rack: p.rack } : undefined;
  }

  setSchemaVersion(version: string): void {
    this.gossiper.setApplicationState(AppState.SCHEMA, version);
    this.gossiper.announce();
  }

  setLoad(bytes: number): void {
    this.gossiper.setApplicationState(AppState.LOAD, String(bytes));
  }

  /** system.peers / peers_v2 rows. */
  peerInfos(): PeerNodeInfo[] {
    // A bootstrapping node is not in system.peers yet (Cassandra writes its row once it is NORMAL): drivers must not
    // route requests to it for ranges it does not serve.
    return this.peers().filter((p) => !isJoiningStatus(p.status) && !hasLeftRing(p.status)).map((p) => ({
      address: p.address, storagePort: p.storagePort, rpcAddress: p.rpcAddress, nativePort: p.nativePort,
      dataCenter: p.dataCenter, rack: p.rack, hostId: p.hostId, tokens: p.tokens, schemaVersion: p.schemaVersion,
      releaseVersion: p.releaseVersion,
    }));
  }
}
