// Bootstrap: a new node joins a live cluster and receives its data before it serves reads. It gossips without
// tokens until it has learnt the ring and the schema, picks its tokens with the replication-aware allocator
// (cluster/token-allocation.ts, Cassandra 4's allocate_tokens_for_local_replication_factor), gossips them as
// pending (STATUS BOOT: `UJ` in nodetool status), waits the ring delay so that every coordinator sends it the writes
// of its future ranges (pending replicas), streams those ranges from their current replicas (sources.ts,
// streaming/stream.ts), and only then becomes NORMAL. A write in flight meanwhile reaches it either by the stream
// (written before the source scanned it) or as a pending replica (after the coordinator saw BOOT).
import type { Clock, Random, Timers } from '../cluster/env.ts';
import type { RingEndpoint, TokenRing } from '../cluster/ring.ts';
import type { PeerView } from '../cluster/membership.ts';
import { allocateTokens } from '../cluster/ring.ts';
import { allocateTokensForReplication } from '../cluster/token-allocation.ts';
import type { Schema } from '../schema/model.ts';
import { StreamFailedError, StreamPlan, type StreamService } from '../streaming/stream.ts';
import { uuidFrom } from '../repair/repair.ts';
import { rangesToFetch } from './sources.ts';

/** Cassandra's allocate_tokens_for_local_replication_factor default. */
const LOCAL_REPLICATION_FACTOR = 3;
const MAX_VNODES_FOR_REPLICATION_AWARE = 32;
const POLL_MS = 250;
/** How long a joining node waits to learn the ring and the schema before it gives up. */
const MAX_WAIT_MS = 10 * 60_000;
const PLAN_ATTEMPTS = 3;
/** How long the replaced node's `removed` state stays in gossip (Cassandra's 3 days). */
const REMOVED_EXPIRE_MS = 3 * 24 * 3600_000;

export interface BootstrapMembership {
  ring(): TokenRing;
  pendingRing(): TokenRing | undefined;
  isAlive(endpoint: string): boolean;
  peersChanging(): string[];
  startJoining(tokens: string[], replacing?: string): void;
  finishJoining(): void;
  peers(): PeerView[];
  advertiseFor(endpoint: string, status: string): boolean;
}

export interface BootstrapEnv {
  self: string;
  address: string;
  dataCenter: string;
  rack: string;
  numTokens: number;
  /** Cassandra's ring delay (cassandra.ring_delay_ms, 30 s): how long gossip is given to spread what changed. */
  ringDelayMs: number;
  membership: BootstrapMembership;
  streaming: StreamService;
  schema: () => Schema;
  /** Whether this node's schema is the one the live peers run (the tables to stream must be known). */
  schemaAgrees: () => boolean;
  clock: Clock;
  timers: Timers;
  random: Random;
  log: (msg: string, err?: unknown) => void;
  /** replace_address_first_boot: the address of the dead node whose tokens and data this node takes. */
  replaceAddress?: string;
  /** Wall-clock milliseconds, for the expire time of the replaced node's `removed` state. */
  nowMs: () => number;
  /** Keeps the chosen tokens (the node's identity), once they are in the ring. */
  saveTokens: (tokens: string[]) => Promise<void>;
}

export type BootstrapPhase = 'waiting' | 'joining' | 'streaming' | 'normal' | 'failed';

export class Bootstrap {
  phase: BootstrapPhase = 'waiting';
  readonly planId: string;

  constructor(private readonly env: BootstrapEnv) {
    this.planId = uuidFrom(env.random);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => this.env.timers.setTimeout(r, ms));
  }

  /** Runs the whole bootstrap; resolves once the node is NORMAL. */
  async run(): Promise<string[]> {
    const env = this.env;
    try {
      await this.waitForRing();
      const replaced = env.replaceAddress !== undefined ? this.replacedNode(env.replaceAddress) : undefined;
      const tokens = replaced?.tokens ?? this.chooseTokens(env.membership.ring().endpoints).map(String);
      if (replaced !== undefined) env.log(`Replacing a node with token(s): [${tokens.join(', ')}]`);
      env.log(`JOINING: sleeping ${env.ringDelayMs} ms for pending range setup`);
      env.membership.startJoining(tokens, replaced?.address);
      this.phase = 'joining';
      await this.sleep(env.ringDelayMs);
      this.phase = 'streaming';
      env.log('JOINING: Starting to bootstrap...');
      await this.streamAll();
      env.membership.finishJoining();
      // The replaced node leaves every ring: this node speaks for it in gossip, as removenode's coordinator does
      // (until that reaches a peer, its ring prefers this live node's claim on the tokens, cluster/membership.ts).
      if (replaced !== undefined) env.membership.advertiseFor(replaced.endpoint, `removed,${replaced.hostId},${env.nowMs() + REMOVED_EXPIRE_MS}`);
      await env.saveTokens(tokens);
      this.phase = 'normal';
      env.log('Bootstrap completed for tokens ' + `[${tokens.join(', ')}]`);
      return tokens;
    } catch (e) {
      this.phase = 'failed';
      env.log('Error while waiting on bootstrap to complete. Bootstrap will have to be restarted.', e);
      throw e;
    }
  }

  /** Until a live peer with tokens is known, the schema agrees, and the ring has stayed the same for the ring delay. */
  private async waitForRing(): Promise<void> {
    const env = this.env;
    const start = env.clock.now();
    let stableSince = env.clock.now();
    let version = env.membership.ring().version;
    for (;;) {
      if (env.clock.now() - start > MAX_WAIT_MS) throw new Error('Unable to contact any seeds or learn the ring');
      const ring = env.membership.ring();
      if (ring.version !== version) [version, stableSince] = [ring.version, env.clock.now()];
      const known = ring.endpoints.some((e) => e.id !== env.self && env.membership.isAlive(e.id));
      // Another node joining or leaving: its ranges are moving, so this bootstrap waits for it to finish (Cassandra
      // refuses to start instead, "Other bootstrapping/leaving/moving nodes detected").
      const alone = env.membership.peersChanging().length === 0;
      if (known && alone && env.schemaAgrees() && env.clock.now() - stableSince >= Math.min(env.ringDelayMs, 5000)) return;
      await this.sleep(POLL_MS);
    }
  }

  /** The dead node to replace: it must be in gossip with tokens, and down (Cassandra's checks and messages). */
  private replacedNode(address: string): PeerView {
    const peer = this.env.membership.peers().find((p) => p.address === address);
    if (peer === undefined || peer.tokens.length === 0) throw new Error(`Cannot replace_address /${address} because it doesn't exist in gossip`);
    if (this.env.membership.isAlive(peer.endpoint)) throw new Error(`Cannot replace a live node /${address}. `);
    return peer;
  }

  private chooseTokens(existing: readonly RingEndpoint[]): bigint[] {
    const env = this.env;
    const node = { id: env.self, address: env.address, dc: env.dataCenter, rack: env.rack };
    return env.numTokens <= MAX_VNODES_FOR_REPLICATION_AWARE
      ? allocateTokensForReplication(env.numTokens, existing, node, LOCAL_REPLICATION_FACTOR)
      : allocateTokens(env.numTokens, existing, () => env.random.next(), env.dataCenter);
  }

  private async streamAll(): Promise<void> {
    const env = this.env;
    const current = env.membership.ring();
    const future = env.membership.pendingRing();
    if (future === undefined) return;
    const schema = env.schema();
    for (const ks of schema.keyspaces.values()) {
      if (ks.name.startsWith('system')) continue;
      const tables = [...ks.tables.values()];
      if (tables.length === 0) continue;
      for (const f of rangesToFetch(ks, current, future, env.self, env.dataCenter, (ep) => env.membership.isAlive(ep))) {
        const plan = new StreamPlan(this.planId, 'Bootstrap', f.source, tables, f.ranges);
        await this.runPlan(plan);
        env.log(`Bootstrap ${this.planId}: ${plan.partitions} partitions (${plan.bytes} bytes) of ${ks.name} from ${f.source}`);
      }
    }
  }

  /** A failed plan is resumed where it stopped, a few times, before bootstrap fails. */
  private async runPlan(plan: StreamPlan): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.env.streaming.run(plan);
        return;
      } catch (e) {
        if (!(e instanceof StreamFailedError) || attempt >= PLAN_ATTEMPTS) throw e;
        await this.sleep(1000 * attempt);
      }
    }
  }
}
