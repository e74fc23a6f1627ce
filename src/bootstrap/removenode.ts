// nodetool removenode <host id> for a dead node, as Cassandra 4 does it: the node connected to becomes the removal
// coordinator; it gossips the dead node's state as `removing` on its behalf (so every coordinator sends the writes
// of its ranges to their next owners, as for a leaving node: `DL` in nodetool status), has each next owner pull what
// it gains from a surviving replica (SYNC_REQUEST → a stream, operation "Removenode"), then gossips it `removed`,
// and every ring drops its tokens. `removenode status` prints what it waits for; `removenode force` stops waiting.
// `nodetool assassinate <ip>` is the last resort: the endpoint is gossiped LEFT with no streaming at all.
import type { Timers } from '../cluster/env.ts';
import { replicasFor } from '../cluster/replication.ts';
import type { RingEndpoint, TokenRing } from '../cluster/ring.ts';
import type { PeerView } from '../cluster/membership.ts';
import { send, StreamVerbs, type VerbMessenger } from '../messaging/verbs.ts';
import type { KeyspaceDef, Schema } from '../schema/model.ts';
import type { TokenRange } from '../streaming/ranges.ts';
import { StreamPlan, type StreamService } from '../streaming/stream.ts';

const SYNC_TIMEOUT_MS = 60 * 60_000;
/** How long a `removed` / `LEFT` state is kept in gossip before it may be forgotten (Cassandra: 3 days). */
const EXPIRE_MS = 3 * 24 * 3600_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What Cassandra throws as UnsupportedOperationException / RuntimeException: nodetool prints "error: <message>". */
export class RemovalError extends Error {
  override readonly name = 'RemovalError';
}

export interface RemovalEnv {
  self: string;
  selfHostId: string;
  messenger: VerbMessenger;
  streaming: StreamService;
  membership: {
    ring(): TokenRing;
    pendingRing(): TokenRing | undefined;
    isAlive(endpoint: string): boolean;
    peers(): PeerView[];
    advertiseFor(endpoint: string, status: string, extra?: Record<string, string>): boolean;
  };
  schema: () => Schema;
  timers: Timers;
  /** Wall-clock milliseconds, for the expire time gossiped with `removed` and `LEFT`. */
  nowMs: () => number;
  /** How long gossip is given to spread a state before streaming relies on it (the ring delay, capped). */
  settleMs: number;
  newPlanId: () => string;
  log: (msg: string, err?: unknown) => void;
}

/** One next owner pulling ranges of one keyspace from one surviving replica. */
export interface RemovalTransfer {
  keyspace: string;
  target: string;
  source: string;
  ranges: TokenRange[];
}

function pickSource(replicas: readonly RingEndpoint[], removed: string, target: RingEndpoint, isAlive: (ep: string) => boolean): RingEndpoint | undefined {
  const live = replicas.filter((r) => r.id !== removed && r.id !== target.id && isAlive(r.id));
  return live.find((r) => r.dc === target.dc) ?? live[0];
}

/**
 * For one keyspace: each range the removed node replicated, the replicas it gains in the ring without it, and a
 * live current replica to stream it from (one in the new replica's DC first). A range with no live source is lost
 * (RF 1, or every other replica down), and reported through `onLost`.
 */
export function removalTransfers(ks: KeyspaceDef, current: TokenRing, future: TokenRing, removed: string,
  isAlive: (ep: string) => boolean, onLost: (range: TokenRange) => void = () => undefined): RemovalTransfer[] {
  const byPair = new Map<string, RemovalTransfer>();
  if (ks.strategy.kind === 'local' || ks.strategy.kind === 'everywhere' || future.size === 0) return [];
  for (let i = 0; i < current.size; i++) {
    const right = current.tokens[i]!;
    const now = replicasFor(current, ks.strategy, right);
    if (!now.some((r) => r.id === removed)) continue;
    const range = { left: current.rangeStart(i), right };
    for (const target of replicasFor(future, ks.strategy, right)) {
      if (now.some((n) => n.id === target.id)) continue;
      const source = pickSource(now, removed, target, isAlive);
      if (source === undefined) { onLost(range); continue; }
      const key = `${target.id} ${source.id}`;
      let t = byPair.get(key);
      if (t === undefined) byPair.set(key, (t = { keyspace: ks.name, target: target.id, source: source.id, ranges: [] }));
      t.ranges.push(range);
    }
  }
  return [...byPair.values()];
}

interface Removal {
  endpoint: string;
  token: string;
  /** Next owners whose streams have not finished. */
  waitingFor: Set<string>;
  forced: () => void;
}

const address = (endpoint: string): string => `/${endpoint.replace(/:\d+$/, '')}`;

export class RemovalCoordinator {
  private removal: Removal | undefined;

  constructor(private readonly env: RemovalEnv) {}

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => this.env.timers.setTimeout(r, ms));
  }

  /** `nodetool removenode status`. */
  status(): string {
    const r = this.removal;
    if (r === undefined) return 'No token removals in process.';
    return `Removing token (${r.token}). Waiting for replication confirmation from [${[...r.waitingFor].map(address).join(',')}].`;
  }

  /** `nodetool removenode force`: the removal completes now, without the streams it still waits for. */
  force(): void {
    const r = this.removal;
    if (r === undefined) {
      this.env.log("No tokens to force removal on, call 'removenode' first");
      return;
    }
    this.env.log(`Removal not confirmed for ${[...r.waitingFor].join(',')}`);
    r.forced();
  }

  private target(hostIdText: string): PeerView {
    const peer = this.env.membership.peers().find((p) => p.hostId.toLowerCase() === hostIdText.toLowerCase());
    // Host ids are UUIDs in a node process; the simulator's are not, so only an id no node has is held to the form.
    if (peer === undefined && !UUID.test(hostIdText)) throw new RemovalError(`Invalid UUID string: ${hostIdText}`);
    if (hostIdText.toLowerCase() === this.env.selfHostId.toLowerCase()) throw new RemovalError('Cannot remove self');
    if (peer === undefined) throw new RemovalError('Host ID not found.');
    if (!this.env.membership.ring().endpoints.some((e) => e.id === peer.endpoint)) throw new RemovalError('Node to be removed is not a member of the token ring');
    if (this.env.membership.isAlive(peer.endpoint)) {
      throw new RemovalError(`Node ${address(peer.endpoint)} is alive and owns this ID. Use decommission command to remove it from the ring`);
    }
    if (this.removal !== undefined) {
      throw new RemovalError("This node is already processing a removal. Wait for it to complete, or use 'removenode force' if this has failed.");
    }
    return peer;
  }

  /** `nodetool removenode <host id>`: resolves once the node has left every ring (or the removal was forced). */
  async removeNode(hostIdText: string): Promise<void> {
    const env = this.env;
    const peer = this.target(hostIdText);
    let forced!: () => void;
    const forcedP = new Promise<'forced'>((resolve) => { forced = () => resolve('forced'); });
    const removal: Removal = { endpoint: peer.endpoint, token: peer.tokens[0] ?? '', waitingFor: new Set(), forced };
    this.removal = removal;
    try {
      env.log(`Removing tokens [${peer.tokens.join(', ')}] for ${address(peer.endpoint)}`);
      env.membership.advertiseFor(peer.endpoint, `removing,${peer.hostId}`, { REMOVAL_COORDINATOR: `REMOVER,${env.selfHostId}` });
      await Promise.race([this.sleep(env.settleMs), forcedP]);
      const transfers = this.plan(peer.endpoint);
      const planId = env.newPlanId();
      for (const t of transfers) removal.waitingFor.add(t.target);
      const streams = this.restoreReplicaCount(planId, transfers, removal);
      await Promise.race([streams, forcedP]);
      env.membership.advertiseFor(peer.endpoint, `removed,${peer.hostId},${env.nowMs() + EXPIRE_MS}`);
      env.log(`Removal of ${address(peer.endpoint)} complete`);
    } finally {
      this.removal = undefined;
    }
  }

  private plan(removed: string): RemovalTransfer[] {
    const env = this.env;
    const current = env.membership.ring();
    const future = env.membership.pendingRing();
    if (future === undefined) throw new RemovalError(`the ring without ${address(removed)} is unknown`);
    const out: RemovalTransfer[] = [];
    for (const ks of env.schema().keyspaces.values()) {
      if (ks.name.startsWith('system') || ks.tables.size === 0) continue;
      for (const t of removalTransfers(ks, current, future, removed, (ep) => env.membership.isAlive(ep),
        (r) => env.log(`No live replica of (${r.left},${r.right}] in ${ks.name} to restore from: its data is lost`))) {
        if (env.membership.isAlive(t.target)) out.push(t);
        else env.log(`Endpoint ${address(t.target)} is down and will not receive data for re-replication of ${address(removed)}`);
      }
    }
    return out;
  }

  /** Every next owner pulls its ranges, table by table; each is crossed off `waitingFor` once all its streams are done. */
  private async restoreReplicaCount(planId: string, transfers: RemovalTransfer[], removal: Removal): Promise<void> {
    const env = this.env;
    const byTarget = new Map<string, RemovalTransfer[]>();
    for (const t of transfers) byTarget.set(t.target, [...(byTarget.get(t.target) ?? []), t]);
    await Promise.all([...byTarget].map(async ([target, list]) => {
      for (const t of list) {
        const ks = env.schema().keyspaces.get(t.keyspace);
        for (const table of ks?.tables.values() ?? []) {
          const got = target === env.self
            ? await env.streaming.run(new StreamPlan(planId, 'Removenode', t.source, [table], t.ranges))
            : await send(env.messenger, target, StreamVerbs.SYNC_REQUEST,
              { session: planId, t: { ks: table.keyspace, table: table.name, id: table.id }, peer: t.source, ranges: t.ranges, op: 'Removenode' }, SYNC_TIMEOUT_MS);
          env.log(`Removenode ${planId}: ${t.keyspace}.${table.name}: ${got.partitions} partitions from ${address(t.source)} to ${address(target)}`);
        }
      }
      removal.waitingFor.delete(target);
    }));
  }

  /** `nodetool assassinate <ip>`: after the ring delay shows it silent, the endpoint is gossiped LEFT, without streaming. */
  async assassinate(ip: string, ringDelayMs: number, heartbeat: (endpoint: string) => { generation: number; heartbeat: number } | undefined): Promise<void> {
    const env = this.env;
    const peer = env.membership.peers().find((p) => p.address === ip || p.endpoint === ip);
    if (peer === undefined) throw new RemovalError(`Unknown endpoint ${ip}: gossip has no state for it`);
    env.log(`Assassinating ${address(peer.endpoint)} via gossip`);
    const before = heartbeat(peer.endpoint);
    env.log(`Sleeping for ${ringDelayMs}ms to ensure ${address(peer.endpoint)} does not change`);
    await this.sleep(ringDelayMs);
    const after = heartbeat(peer.endpoint);
    if (before !== undefined && after !== undefined) {
      if (after.generation !== before.generation) throw new RemovalError(`Endpoint still alive: ${address(peer.endpoint)} generation changed while trying to assassinate it`);
      if (after.heartbeat !== before.heartbeat) throw new RemovalError(`Endpoint still alive: ${address(peer.endpoint)} heartbeat changed while trying to assassinate it`);
    }
    env.membership.advertiseFor(peer.endpoint, `LEFT,${peer.tokens[0] ?? ''},${env.nowMs() + EXPIRE_MS}`);
    env.log(`Finished assassinating ${address(peer.endpoint)}`);
  }
}
