// Building a new materialized view from the data already there (Cassandra's ViewBuilder): each node reads the base
// partitions it holds and sends the view rows they imply to their paired view replicas, exactly as base writes do
// (writes made meanwhile send their own updates, since the view is in the schema before the build starts; both are
// computed from base rows and reconcile by timestamp). Once done, the view is marked built in the node's metadata:
// system.built_views, system_distributed.view_build_status and `nodetool viewbuildstatus` read that.
import type { Schema, TableDef } from '../schema/model.ts';
import type { PartitionData, PartitionPosition } from '../storage/types.ts';
import { viewSpec, type ViewSpec } from './spec.ts';
import type { ViewStore } from './store.ts';

export interface ViewMetaStore {
  getMeta<T>(key: string): T | undefined;
  putMeta(key: string, value: unknown): Promise<void>;
}

const BUILT_PREFIX = 'view-built:';
const BUILD_BATCH = 64;

interface Known {
  view: TableDef;
  cancelled: boolean;
  building?: Promise<void>;
}

export type ViewBuildState = 'STARTED' | 'SUCCESS';

export class ViewBuilder {
  private readonly known = new Map<string, Known>();
  private readonly built = new Set<string>();

  constructor(
    private readonly store: ViewStore,
    private readonly meta: ViewMetaStore,
    private readonly nowSec: () => number,
    private readonly log: (msg: string, err?: unknown) => void,
  ) {}

  /** The views this node knows and how far their build is, by keyspace and name. */
  statuses(): Array<{ keyspace: string; view: string; status: ViewBuildState }> {
    return [...this.known.entries()].map(([id, k]) => ({
      keyspace: k.view.keyspace, view: k.view.name, status: this.built.has(id) ? 'SUCCESS' : 'STARTED',
    }));
  }

  /** Starts building the views new to this node; forgets dropped ones (a build in progress stops). */
  onSchema(schema: Schema): void {
    const current = new Map<string, { view: TableDef; base: TableDef }>();
    for (const ks of schema.keyspaces.values()) {
      for (const t of ks.tables.values()) {
        const base = t.view === undefined ? undefined : ks.tables.get(t.view.baseTable);
        if (base !== undefined && base.id === t.view!.baseId) current.set(t.id, { view: t, base });
      }
    }
    for (const [id, k] of this.known) {
      if (current.has(id)) continue;
      k.cancelled = true;
      this.known.delete(id);
      this.built.delete(id);
      void this.meta.putMeta(BUILT_PREFIX + id, false).catch((err: unknown) => this.log('could not forget a dropped view', err));
    }
    for (const [id, { view, base }] of current) {
      if (this.known.has(id)) continue;
      const k: Known = { view, cancelled: false };
      this.known.set(id, k);
      if (this.meta.getMeta<boolean>(BUILT_PREFIX + id) === true) this.built.add(id);
      else k.building = this.build(k, viewSpec(base, view)).catch((err: unknown) => this.log(`building view ${view.name} failed`, err));
    }
  }

  private async build(k: Known, spec: ViewSpec): Promise<void> {
    // Let the schema change that created the view finish being installed (and pushed) before reading.
    await Promise.resolve();
    let start: PartitionPosition | undefined;
    for (let round = 0; round < Number.MAX_SAFE_INTEGER && !k.cancelled; round++) {
      const parts: PartitionData[] = this.store.scan(spec.base, start ? { start } : {}, {}, BUILD_BATCH, this.nowSec());
      await this.store.applyExisting(spec, parts);
      if (parts.length < BUILD_BATCH) break;
      const last = parts[parts.length - 1]!;
      start = { token: last.token, key: last.key, inclusive: false };
    }
    if (k.cancelled || this.known.get(k.view.id) !== k) return;
    await this.meta.putMeta(BUILT_PREFIX + k.view.id, true);
    this.built.add(k.view.id);
    this.log(`view ${k.view.keyspace}.${k.view.name} built`);
  }

  /** Resolves once every build started so far has finished (tests, drain). */
  async settled(): Promise<void> {
    await Promise.all([...this.known.values()].map((k) => k.building ?? Promise.resolve()));
  }
}
