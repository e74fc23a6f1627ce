// A coordinator for a ring of one node: every token's only possible replica is this node. It still applies the
// consistency arithmetic so that, as in Cassandra, a keyspace asking for more replicas than exist answers
// QUORUM/ALL with Unavailable while ONE/LOCAL_ONE/ANY succeed.
import type { KeyspaceDef, TableDef } from '../schema/model.ts';
import type { PartitionData, ReadFilter, ScanRange } from '../storage/types.ts';
import type { StorageEngine } from '../storage/engine.ts';
import type { WriteType } from '../protocol/errors.ts';
import type { Coordinator, Mutation } from './coordinator.ts';
import { assureSufficientLiveReplicas, type ReplicaView } from './consistency.ts';

/** Replication factors per DC from a keyspace's replication map. */
export function replicationFactors(ks: KeyspaceDef): { rfByDc: Map<string, number>; dcAgnostic: boolean } {
  const cls = ks.replication['class'] ?? '';
  const rfByDc = new Map<string, number>();
  if (cls.endsWith('NetworkTopologyStrategy')) {
    for (const [k, v] of Object.entries(ks.replication)) {
      if (k !== 'class' && k !== 'replication_factor') rfByDc.set(k, Number.parseInt(v, 10) || 0);
    }
    return { rfByDc, dcAgnostic: false };
  }
  if (cls.endsWith('LocalStrategy') || cls.endsWith('EverywhereStrategy')) {
    rfByDc.set('*', 1);
    return { rfByDc, dcAgnostic: true };
  }
  rfByDc.set('*', Number.parseInt(ks.replication['replication_factor'] ?? '1', 10) || 0);
  return { rfByDc, dcAgnostic: true };
}

export class LocalCoordinator implements Coordinator {
  private readonly views = new WeakMap<KeyspaceDef, ReplicaView>();

  constructor(
    private readonly storage: StorageEngine,
    private readonly localDc: string,
  ) {}

  /** With one node, each DC that has this node and RF ≥ 1 has exactly one live replica. */
  private view(ks: KeyspaceDef): ReplicaView {
    let v = this.views.get(ks);
    if (v) return v;
    const { rfByDc, dcAgnostic } = replicationFactors(ks);
    const aliveByDc = new Map<string, number>();
    for (const [dc, rf] of rfByDc) {
      aliveByDc.set(dc, rf > 0 && (dcAgnostic || dc === this.localDc) ? 1 : 0);
    }
    v = { rfByDc, aliveByDc, localDc: this.localDc, dcAgnostic };
    this.views.set(ks, v);
    return v;
  }

  async write(ks: KeyspaceDef, mutations: Mutation[], cl: number, _writeType: WriteType): Promise<void> {
    assureSufficientLiveReplicas(cl, this.view(ks), true);
    if (mutations.length === 1) return this.storage.apply(mutations[0].table, mutations[0].update);
    return this.storage.applyMany(mutations.map((m) => ({ table: m.table, update: m.update })));
  }

  async read(
    ks: KeyspaceDef,
    table: TableDef,
    key: Buffer,
    token: bigint,
    filter: ReadFilter,
    cl: number,
    nowSec: number,
  ): Promise<PartitionData | undefined> {
    assureSufficientLiveReplicas(cl, this.view(ks), false);
    return this.storage.read(table, key, token, filter, nowSec);
  }

  async scan(
    ks: KeyspaceDef,
    table: TableDef,
    range: ScanRange,
    filter: ReadFilter,
    partitionLimit: number,
    cl: number,
    nowSec: number,
  ): Promise<PartitionData[]> {
    assureSufficientLiveReplicas(cl, this.view(ks), false);
    return this.storage.scan(table, range, filter, partitionLimit, nowSec);
  }

  async truncate(_ks: KeyspaceDef, table: TableDef): Promise<void> {
    await this.storage.truncate(table);
  }
}
