// A simulated multi-DC gossip cluster for tests: every node is a real Gossiper, wired to a SimNetwork and driven by
// a SimScheduler, all from one seed. Listener events go into the scheduler's trace, so two runs can be compared.

import { seededRandom, type Random } from '../../src/cluster/env.ts';
import { AppState, Gossiper, startGossipLoop, Status, type GossipMessage } from '../../src/cluster/gossip.ts';
import { SimNetwork, SimScheduler } from '../../src/cluster/sim-network.ts';

export interface SimClusterOptions {
  seed: number;
  /** Node count per DC, e.g. { dc1: 8, dc2: 8 }. */
  dcs: Record<string, number>;
  /** How many of each DC's first nodes are seeds. Default 2. */
  seedsPerDc?: number;
  latencyInDcMs?: number;
  latencyAcrossDcMs?: number;
  jitterMs?: number;
  dropProbability?: number;
  /** Passed to every node's failure detector; default 8. */
  phiConvictThreshold?: number;
  /** Record every message in the trace (large); listener events are always recorded. */
  traceMessages?: boolean;
}

export interface SimNode {
  address: string;
  dc: string;
  rack: string;
  tokens: string;
  generation: number;
  /** Undefined until start(). */
  gossiper: Gossiper | undefined;
  loop: { stop(): void } | undefined;
}

const BASE_GENERATION = 1_700_000_000;

export class SimCluster {
  readonly scheduler = new SimScheduler();
  readonly network: SimNetwork<GossipMessage>;
  readonly random: Random;
  readonly nodes = new Map<string, SimNode>();
  readonly seeds: string[] = [];
  private readonly byDc = new Map<string, string[]>();
  private readonly phiConvictThreshold: number | undefined;

  constructor(options: SimClusterOptions) {
    this.random = seededRandom(options.seed);
    this.phiConvictThreshold = options.phiConvictThreshold;
    this.network = new SimNetwork<GossipMessage>(this.scheduler, seededRandom(this.random.int(2 ** 31)), {
      latencyMs: options.latencyInDcMs ?? 1,
      jitterMs: options.jitterMs ?? 2,
      dropProbability: options.dropProbability ?? 0,
      trace: options.traceMessages ?? false,
      describe: (m) => m.kind,
    });
    const seedsPerDc = options.seedsPerDc ?? 2;
    let dcIndex = 0;
    for (const [dc, count] of Object.entries(options.dcs)) {
      dcIndex++;
      const members: string[] = [];
      for (let i = 1; i <= count; i++) {
        const address = `127.1.${dcIndex}.${i}:7000`;
        members.push(address);
        if (i <= seedsPerDc) this.seeds.push(address);
      }
      this.byDc.set(dc, members);
    }
    const all = [...this.byDc.values()].flat();
    for (const [dc, members] of this.byDc) {
      for (const a of members) {
        for (const b of all) {
          if (a < b && !members.includes(b)) this.network.setLatency(a, b, options.latencyAcrossDcMs ?? 40);
        }
      }
      members.forEach((address, i) => {
        const tokens = String(BigInt(this.random.int(2 ** 30)) * 8589934592n - 4611686018427387904n);
        this.nodes.set(address, {
          address, dc, rack: `rack${(i % 2) + 1}`, tokens, generation: BASE_GENERATION,
          gossiper: undefined, loop: undefined,
        });
      });
    }
  }

  dc(name: string): string[] {
    return this.byDc.get(name) ?? [];
  }

  get addresses(): string[] {
    return [...this.nodes.keys()];
  }

  node(address: string): SimNode {
    const n = this.nodes.get(address);
    if (n === undefined) throw new Error(`no node ${address}`);
    return n;
  }

  /** The node's current gossiper; throws if it was never started. */
  gossiper(address: string): Gossiper {
    const g = this.node(address).gossiper;
    if (g === undefined) throw new Error(`node ${address} was never started`);
    return g;
  }

  /** Starts (or restarts, with the node's current generation) one node's gossiper and its tick loop. */
  start(address: string): Gossiper {
    const node = this.node(address);
    const log = (entry: string): void => this.scheduler.log(`${address} ${entry}`);
    const gossiper = new Gossiper({
      address,
      seeds: this.seeds,
      generation: node.generation,
      transport: this.network.transport(address),
      clock: this.scheduler,
      random: seededRandom(this.random.int(2 ** 31)),
      failureDetector: { phiConvictThreshold: this.phiConvictThreshold },
      initialStates: {
        [AppState.DC]: node.dc,
        [AppState.RACK]: node.rack,
        [AppState.TOKENS]: node.tokens,
        [AppState.HOST_ID]: `host-${address}`,
        [AppState.RELEASE_VERSION]: '4.1.0',
        [AppState.NATIVE_ADDRESS_AND_PORT]: address.replace(':7000', ':9042'),
        [AppState.SCHEMA]: 'schema-1',
        [AppState.STATUS]: Status.NORMAL,
      },
    });
    gossiper.subscribe({
      onJoin: (ep) => log(`join ${ep}`),
      onAlive: (ep) => log(`alive ${ep}`),
      onDead: (ep) => log(`dead ${ep}`),
      onRestart: (ep, s) => log(`restart ${ep} gen=${s.generation}`),
      onChange: (ep, key, value) => log(`change ${ep} ${key}=${value}`),
    });
    node.gossiper = gossiper;
    this.network.up(address);
    // A random phase, so the nodes do not all gossip at the same instant of every second.
    node.loop = startGossipLoop(gossiper, this.scheduler, this.scheduler, 1000, this.random.int(1000));
    return gossiper;
  }

  startAll(): void {
    for (const address of this.nodes.keys()) this.start(address);
  }

  /** A crash: the loop stops and the network drops everything to and from the node. */
  kill(address: string): void {
    const node = this.node(address);
    node.loop?.stop();
    node.loop = undefined;
    this.network.down(address);
  }

  /** Comes back from a crash with a higher generation, as a restarted process would. */
  restart(address: string): Gossiper {
    const node = this.node(address);
    node.generation++;
    return this.start(address);
  }

  /** Graceful stop: announces shutdown, then stops the loop. */
  shutdown(address: string): void {
    const node = this.node(address);
    this.gossiper(address).shutdown();
    node.loop?.stop();
    node.loop = undefined;
  }

  /** Every observer in `observers` sees every node in `targets` with the given liveness. */
  allSee(observers: readonly string[], targets: readonly string[], alive: boolean): boolean {
    return observers.every((o) => targets.every((t) => t === o || this.gossiper(o).isAlive(t) === alive));
  }

  /** Every node knows every other node's DC, RACK and TOKENS and sees it up. */
  converged(): boolean {
    for (const observer of this.nodes.values()) {
      for (const target of this.nodes.values()) {
        if (observer === target) continue;
        const g = this.gossiper(observer.address);
        if (!g.isAlive(target.address)) return false;
        if (g.getApplicationState(target.address, AppState.DC) !== target.dc) return false;
        if (g.getApplicationState(target.address, AppState.RACK) !== target.rack) return false;
        if (g.getApplicationState(target.address, AppState.TOKENS) !== target.tokens) return false;
      }
    }
    return true;
  }

  /** Runs in 100 ms steps until `done` holds; returns the virtual ms it took or throws after maxMs. */
  waitFor(what: string, done: () => boolean, maxMs: number): number {
    const took = this.scheduler.runUntilTrue(done, maxMs);
    if (took === undefined) throw new Error(`${what}: not reached within ${maxMs} virtual ms`);
    return took;
  }
}
