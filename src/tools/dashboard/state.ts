// The dashboard's picture of the cluster, assembled from one poll of every node's admin API: DCs → racks → nodes with
// their state, the ring as arcs of token ranges by owner, and per-node rates and latencies computed against the
// previous poll. Pure (no I/O, the time is given): the server feeds it polls, the tests feed it fabricated ones.
import type { NodeState, PendingHintsEntry, StatusReport } from '../../server/admin-types.ts';
import { countersFromMetrics, localReadShare, quantileBetween, ratePerSecond, type NodeCounters } from './metrics.ts';

/** A node the dashboard polls, as the launcher's manifest lists it. */
export interface NodeTarget {
  name: string;
  address: string;
  adminPort: number;
  dataCenter: string;
  rack: string;
  /** Whether the launcher's process for it is alive (undefined when not known). */
  running?: boolean;
  /** Its tokens as the launcher last recorded them, for the ring while no node that knows them answers. */
  tokens?: string[];
}

/** What one node's admin API answered in one poll; a missing part is a call that failed. */
export interface NodePoll {
  address: string;
  status?: StatusReport;
  hints?: PendingHintsEntry[];
  metrics?: string;
  error?: string;
}

export interface DashboardNode {
  name: string;
  address: string;
  dataCenter: string;
  rack: string;
  /** The node's own report of itself when it answers; DN when its admin API does not (down, or unreachable). */
  state: NodeState;
  reachable: boolean;
  running?: boolean;
  /** How many of the nodes that answered see this one up, out of how many answered (excluding itself). */
  seenUpBy: number;
  seenBy: number;
  loadBytes?: number;
  requestsPerSec?: number;
  p99Ms?: number;
  hintsPending?: number;
  /** Share (0..1) of the replica reads it served for a coordinator of its own rack; undefined when not exposed. */
  localReadShare?: number;
}

/** A token range (start, end] on the ring as fractions of the full circle from the minimum token, and its owner. */
export interface RingArc {
  start: number;
  end: number;
  owner: string;
}

/** One point of the latency chart: the cluster's p99 over the last poll interval and each node's. */
export interface LatencyPoint {
  timeMs: number;
  p99Ms?: number;
  requestsPerSec?: number;
  byNode: Record<string, number>;
}

export interface DashboardState {
  clusterName: string;
  updatedAtMs: number;
  nodes: DashboardNode[];
  datacenters: Array<{ name: string; racks: Array<{ name: string; nodes: string[] }> }>;
  ring: RingArc[];
  latency: LatencyPoint[];
  network: { rackMs: number; dcMs: number };
  /** Whether the stop/kill/start and latency buttons work (a launcher cluster with its manifest). */
  controls: boolean;
}

const TOKEN_SPAN = 2n ** 64n;
const MIN_TOKEN = -(2n ** 63n);

/** The ring from every node's tokens: each token ends the range that starts at the previous one. */
export function ringArcs(tokensByNode: ReadonlyMap<string, readonly string[]>): RingArc[] {
  const all: Array<{ token: bigint; owner: string }> = [];
  for (const [owner, tokens] of tokensByNode) for (const t of tokens) all.push({ token: BigInt(t), owner });
  all.sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
  if (all.length === 0) return [];
  // Fractions with 1e-6 precision are plenty for a drawing; BigInt keeps the division exact before that.
  const frac = (t: bigint): number => Number(((t - MIN_TOKEN) * 1_000_000n) / TOKEN_SPAN) / 1_000_000;
  const arcs: RingArc[] = [];
  const first = all[0]!;
  arcs.push({ start: 0, end: frac(first.token), owner: first.owner });
  for (let i = 1; i < all.length; i++) arcs.push({ start: frac(all[i - 1]!.token), end: frac(all[i]!.token), owner: all[i]!.owner });
  // The first token's range wraps around from the last token through the minimum token: drawn as two arcs, the
  // first and the last, so the page can count it once.
  arcs.push({ start: frac(all[all.length - 1]!.token), end: 1, owner: first.owner });
  return arcs.filter((a) => a.end > a.start);
}

const HISTORY_POINTS = 300;

/** Keeps the previous poll's counters and the latency history; `update` turns a poll into the state to show. */
export class DashboardAggregator {
  private previous = new Map<string, { counters: NodeCounters; atMs: number }>();
  private readonly history: LatencyPoint[] = [];

  constructor(private readonly clusterName: string) {}

  update(targets: readonly NodeTarget[], polls: readonly NodePoll[], nowMs: number, extra: { network: { rackMs: number; dcMs: number }; controls: boolean }): DashboardState {
    const byAddress = new Map(polls.map((p) => [p.address, p]));
    const answered = polls.filter((p) => p.status !== undefined);
    const counters = new Map(polls.map((p) => [p.address, p.metrics === undefined ? undefined : countersFromMetrics(p.metrics)]));
    const nodes = targets.map((t) => this.nodeOf(t, byAddress.get(t.address), answered, counters.get(t.address), nowMs));
    this.history.push(this.latencyPoint(nodes, counters, nowMs));
    if (this.history.length > HISTORY_POINTS) this.history.splice(0, this.history.length - HISTORY_POINTS);
    const next = new Map<string, { counters: NodeCounters; atMs: number }>();
    for (const [address, c] of counters) if (c !== undefined) next.set(address, { counters: c, atMs: nowMs });
    this.previous = next;
    return {
      clusterName: this.clusterName,
      updatedAtMs: nowMs,
      nodes,
      datacenters: groupTopology(targets),
      ring: ringArcs(tokensOf(targets, answered)),
      latency: [...this.history],
      network: extra.network,
      controls: extra.controls,
    };
  }

  private nodeOf(t: NodeTarget, poll: NodePoll | undefined, answered: readonly NodePoll[], c: NodeCounters | undefined, nowMs: number): DashboardNode {
    const self = poll?.status?.nodes.find((n) => n.address === t.address);
    const views = answered.filter((p) => p.address !== t.address).map((p) => p.status!.nodes.find((n) => n.address === t.address));
    const prev = this.previous.get(t.address);
    const elapsedMs = prev === undefined ? 0 : nowMs - prev.atMs;
    const node: DashboardNode = {
      name: t.name, address: t.address, dataCenter: t.dataCenter, rack: t.rack,
      state: self?.state ?? 'DN',
      reachable: poll?.status !== undefined,
      seenUpBy: views.filter((v) => v?.state.startsWith('U') === true).length,
      seenBy: views.length,
    };
    if (t.running !== undefined) node.running = t.running;
    // A node's load is gossiped, so a peer's report still has it while the node itself is down.
    const load = self?.loadBytes ?? views.find((v) => v?.loadBytes !== undefined)?.loadBytes;
    if (load !== undefined) node.loadBytes = load;
    if (poll?.hints !== undefined) node.hintsPending = poll.hints.reduce((n, h) => n + h.hints, 0);
    if (c !== undefined && node.reachable) {
      const rate = ratePerSecond(prev?.counters.requests, c.requests, elapsedMs);
      if (rate !== undefined) node.requestsPerSec = rate;
      const p99 = c.latencyBuckets === undefined || prev === undefined ? undefined : quantileBetween(prev.counters.latencyBuckets, c.latencyBuckets, 0.99);
      if (p99 !== undefined) node.p99Ms = p99;
      const share = localReadShare(prev?.counters.replicaReads, c.replicaReads);
      if (share !== undefined) node.localReadShare = share;
    }
    return node;
  }

  /** The cluster's p99 over the interval: every node's bucket deltas added up, then the quantile of the sum. */
  private latencyPoint(nodes: readonly DashboardNode[], counters: ReadonlyMap<string, NodeCounters | undefined>, nowMs: number): LatencyPoint {
    const before = new Map<number, number>();
    const after = new Map<number, number>();
    for (const [address, c] of counters) {
      const prev = this.previous.get(address)?.counters.latencyBuckets;
      if (c?.latencyBuckets === undefined || prev === undefined) continue;
      // A node that restarted (counts went down) is left out of this interval rather than subtracting garbage.
      const prevByBound = new Map(prev);
      if (c.latencyBuckets.some(([le, n]) => n < (prevByBound.get(le) ?? 0))) continue;
      for (const [le, n] of prev) before.set(le, (before.get(le) ?? 0) + n);
      for (const [le, n] of c.latencyBuckets) after.set(le, (after.get(le) ?? 0) + n);
    }
    const point: LatencyPoint = { timeMs: nowMs, byNode: {} };
    const sorted = (m: Map<number, number>): Array<[number, number]> => [...m].sort((a, b) => a[0] - b[0]);
    const p99 = after.size === 0 ? undefined : quantileBetween(sorted(before), sorted(after), 0.99);
    if (p99 !== undefined) point.p99Ms = p99;
    const rates = nodes.map((n) => n.requestsPerSec).filter((r): r is number => r !== undefined);
    if (rates.length > 0) point.requestsPerSec = rates.reduce((a, b) => a + b, 0);
    for (const n of nodes) if (n.p99Ms !== undefined) point.byNode[n.address] = n.p99Ms;
    return point;
  }
}

/** DCs, racks and nodes in the manifest's order. */
export function groupTopology(targets: readonly NodeTarget[]): DashboardState['datacenters'] {
  const dcs = new Map<string, Map<string, string[]>>();
  for (const t of targets) {
    const racks = dcs.get(t.dataCenter) ?? new Map<string, string[]>();
    dcs.set(t.dataCenter, racks);
    const list = racks.get(t.rack) ?? [];
    racks.set(t.rack, list);
    list.push(t.address);
  }
  return [...dcs].map(([name, racks]) => ({ name, racks: [...racks].map(([rack, nodes]) => ({ name: rack, nodes })) }));
}

/** Every node's tokens as the first node that answered lists them (a node down keeps its tokens in the ring). */
function tokensOf(targets: readonly NodeTarget[], answered: readonly NodePoll[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const t of targets) {
    for (const p of answered) {
      const n = p.status!.nodes.find((x) => x.address === t.address);
      if (n !== undefined && n.tokens.length > 0) {
        out.set(t.address, n.tokens);
        break;
      }
    }
    if (!out.has(t.address) && t.tokens !== undefined && t.tokens.length > 0) out.set(t.address, t.tokens);
  }
  return out;
}
