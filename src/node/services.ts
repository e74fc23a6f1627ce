// The node's replica-facing services (coordinator, streaming, repair), built from the node's environment, settings,
// membership and schema. Kept apart from node-core.ts so NodeCore reads as the wiring of its parts, not their options.
import type { Membership } from '../cluster/membership.ts';
import { ClusterCoordinator, type ReplicaStore } from '../coordinator/cluster.ts';
import type { ReplicaTraceWriter } from '../coordinator/trace-context.ts';
import { counterIdOf } from '../storage/counters.ts';
import { StreamService } from '../streaming/stream.ts';
import { RepairService } from '../repair/repair.ts';
import type { NodeEnv, NodeSettings } from './node-core.ts';
import type { SchemaService } from './schema-service.ts';

export interface ServiceDeps {
  env: NodeEnv;
  settings: NodeSettings;
  /** This node's internode endpoint. */
  endpoint: string;
  membership: Membership;
  schema: SchemaService;
  /** The replica store the services write through (indexes and views above the node's store). */
  store: ReplicaStore;
  /** Where this node's replica events of traced requests go. */
  traceWriter?: ReplicaTraceWriter;
}

export function buildCoordinator({ env, settings, endpoint, membership, schema, store, traceWriter }: ServiceDeps): ClusterCoordinator {
  return new ClusterCoordinator({
    topology: {
      self: endpoint, localDc: settings.dataCenter, localRack: settings.rack,
      ring: () => membership.ring(), isAlive: (ep) => membership.isAlive(ep),
      pendingRing: () => membership.pendingRing(),
    },
    messenger: env.messenger, store, schema: () => schema.current, clock: env.clock, timers: env.timers,
    writeTimeoutMs: settings.writeTimeoutMs, readTimeoutMs: settings.readTimeoutMs, maxHintWindowMs: settings.maxHintWindowMs,
    hints: env.hints, hintThrottleBytesPerSec: settings.hintThrottleBytesPerSec,
    paxosStore: env.store, nowMicros: env.nowMicros, random: env.random, casContentionTimeoutMs: settings.casContentionTimeoutMs,
    counterId: counterIdOf(settings.hostId), counterWriteTimeoutMs: settings.counterWriteTimeoutMs,
    batchlogStore: env.store, batchlogReplayThrottleBytesPerSec: settings.batchlogReplayThrottleBytesPerSec,
    tombstoneFailureThreshold: settings.warnThresholds?.tombstoneFailure, traceWriter,
  });
}

export function buildStreaming({ env, settings, schema, store }: ServiceDeps): StreamService {
  return new StreamService({
    messenger: env.messenger, store, schema: () => schema.current, clock: env.clock, timers: env.timers,
    nowSec: () => Math.floor(env.nowMicros() / 1e6), log: env.log,
    throughputBytesPerSec: () => settings.streamThroughputBytesPerSec ?? 24 * 1024 * 1024,
  });
}

export function buildRepair({ env, membership, schema, store }: ServiceDeps, streaming: StreamService): RepairService {
  return new RepairService({
    messenger: env.messenger, store, streaming, schema: () => schema.current,
    ring: () => membership.ring(), isAlive: (ep) => membership.isAlive(ep), address: (ep) => ep.replace(/:\d+$/, ''),
    clock: env.clock, timers: env.timers, random: env.random, nowMicros: env.nowMicros, log: env.log, historyStore: env.store,
  });
}
