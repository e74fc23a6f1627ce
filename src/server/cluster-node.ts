// Wires a node into its cluster: internode messaging on listen_address:storage_port, gossip membership, the ring
// and the cluster coordinator, schema propagation between nodes, hint replay, and the client events that follow
// from membership changes.
import { randomInt } from 'node:crypto';
import type { NodeConfig } from './config.ts';
import type { LocalIdentity } from './identity.ts';
import type { StorageEngine } from '../storage/engine.ts';
import type { SchemaService, SchemaSnapshot } from './schema-service.ts';
import type { EventMessage } from '../protocol/messages.ts';
import { MessagingService } from '../messaging/messaging.ts';
import { Membership, type PeerView } from '../cluster/membership.ts';
import { seededRandom, systemClock, systemTimers } from '../cluster/env.ts';
import { startGossipLoop, type GossipMessage } from '../cluster/gossip.ts';
import { ClusterCoordinator } from '../coordinator/cluster.ts';

export interface ClusterRuntime {
  readonly self: string;
  readonly messaging: MessagingService;
  readonly membership: Membership;
  readonly coordinator: ClusterCoordinator;
  /** Sends this node's schema to every live peer and waits (bounded) for them to take it. */
  pushSchema(): Promise<void>;
  /** Announces shutdown (peers mark this node down at once) and stops gossip, hint replay and load reports. */
  stopGossip(): Promise<void>;
  /** stopGossip, then closes internode messaging. Both may be called more than once. */
  close(): Promise<void>;
}

const GENERATION_KEY = 'gossip-generation';
const SCHEMA_PUSH = 'SCHEMA_PUSH';
const SCHEMA_PULL = 'SCHEMA_PULL';

function seedEndpoint(seed: string, storagePort: number): string {
  return /:\d+$/.test(seed) && !seed.includes('::') ? seed : `${seed}:${storagePort}`;
}

export async function startCluster(o: {
  config: NodeConfig;
  identity: LocalIdentity;
  storage: StorageEngine;
  schema: SchemaService;
  sendEvent: (e: EventMessage) => void;
  log: (msg: string, err?: unknown) => void;
}): Promise<ClusterRuntime> {
  const { config, storage, schema } = o;
  const messaging = await MessagingService.start({ address: config.listenAddress, port: config.storagePort, logger: o.log });
  const self = messaging.self;
  // Gossip generations must grow across restarts, even if the clock steps back.
  const saved = storage.getMeta<number>(GENERATION_KEY) ?? 0;
  const generation = Math.max(Math.floor(Date.now() / 1000), saved + 1);
  await storage.putMeta(GENERATION_KEY, generation);

  const timers = systemTimers();
  let coordinator: ClusterCoordinator | undefined;
  const syncing = new Set<string>();
  const syncSchemaWith = (peer: PeerView): void => {
    if (!peer.alive || peer.schemaVersion === '' || peer.schemaVersion === schema.version || syncing.has(peer.endpoint)) return;
    syncing.add(peer.endpoint);
    void (async () => {
      try {
        const theirs = (await messaging.request(peer.endpoint, SCHEMA_PULL, null, 5000)) as SchemaSnapshot;
        await schema.adopt(theirs);
        if (schema.version !== peer.schemaVersion) await messaging.request(peer.endpoint, SCHEMA_PUSH, schema.snapshot(), 5000);
      } catch (e) {
        o.log(`schema sync with ${peer.endpoint} failed`, e);
      } finally {
        syncing.delete(peer.endpoint);
      }
    })();
  };
  const native = (p: PeerView): { address: string; port: number } => ({ address: p.rpcAddress, port: p.nativePort });

  const membership = new Membership(
    {
      endpoint: self, hostId: o.identity.hostId, dataCenter: config.dataCenter, rack: config.rack, tokens: o.identity.tokens,
      rpcAddress: config.broadcastRpcAddress, nativePort: config.nativeTransportPort, releaseVersion: '4.0.11',
    },
    {
      seeds: config.seeds.map((s) => seedEndpoint(s, config.storagePort)), generation, clusterName: config.clusterName,
      transport: messaging.transport<GossipMessage>('GOSSIP'), clock: systemClock, random: seededRandom(randomInt(2 ** 31)),
      schemaVersion: schema.version, phiConvictThreshold: config.phiConvictThreshold,
    },
    {
      onJoin: (p) => o.sendEvent({ type: 'TOPOLOGY_CHANGE', change: 'NEW_NODE', ...native(p) }),
      onUp: (p) => {
        o.sendEvent({ type: 'STATUS_CHANGE', change: 'UP', ...native(p) });
        syncSchemaWith(p);
        if (coordinator && coordinator.hints.count(p.endpoint) > 0) {
          void coordinator.replayHints(p.endpoint).then((n) => o.log(`replayed ${n} hints to ${p.endpoint}`));
        }
      },
      onDown: (p) => o.sendEvent({ type: 'STATUS_CHANGE', change: 'DOWN', ...native(p) }),
      onSchema: (p) => syncSchemaWith(p),
    },
  );
  messaging.network.setLocator((ep) => membership.location(ep));
  messaging.register(SCHEMA_PULL, () => schema.snapshot());
  messaging.register(SCHEMA_PUSH, async (p) => {
    await schema.adopt(p as SchemaSnapshot);
    return true;
  });
  schema.onChange((_changes, s) => membership.setSchemaVersion(s.version));

  coordinator = new ClusterCoordinator({
    topology: {
      self, localDc: config.dataCenter, localRack: config.rack,
      ring: () => membership.ring(), isAlive: (ep) => membership.isAlive(ep),
    },
    messenger: messaging, store: storage, schema: () => schema.current, clock: systemClock, timers,
    writeTimeoutMs: config.writeRequestTimeoutMs, readTimeoutMs: config.readRequestTimeoutMs, maxHintWindowMs: config.maxHintWindowMs,
  });
  const loop = startGossipLoop(membership.gossiper, systemClock, timers, 1000);
  let gossipStopped = false;
  // Hints whose replay was missed or failed part-way are retried for live targets every few seconds.
  let replaying = false;
  const hintTimer = setInterval(() => {
    if (replaying || !coordinator) return;
    const c = coordinator;
    const due = c.hints.targets().filter((t) => membership.isAlive(t));
    if (due.length === 0) return;
    replaying = true;
    void Promise.all(due.map((t) => c.replayHints(t))).finally(() => {
      replaying = false;
    });
  }, 5000);
  hintTimer.unref();
  const loadTimer = setInterval(() => membership.setLoad(storage.approximateSize()), 10_000);
  loadTimer.unref();
  membership.setLoad(storage.approximateSize());

  const stopGossip = async (): Promise<void> => {
    if (gossipStopped) return;
    gossipStopped = true;
    clearInterval(loadTimer);
    clearInterval(hintTimer);
    membership.gossiper.shutdown();
    loop.stop();
    // Give the shutdown announcement a moment to leave before anything closes the sockets.
    await new Promise<void>((r) => timers.setTimeout(r, 100));
  };

  return {
    self, messaging, membership, coordinator, stopGossip,
    async pushSchema() {
      const snap = schema.snapshot();
      const live = membership.peers().filter((p) => p.alive);
      await Promise.allSettled(live.map((p) => messaging.request(p.endpoint, SCHEMA_PUSH, snap, 5000)));
    },
    async close() {
      await stopGossip();
      await messaging.close();
    },
  };
}
