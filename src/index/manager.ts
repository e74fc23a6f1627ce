// The lifecycle of this node's indexes: a new index is built from the data already there (writes made meanwhile
// index themselves, since the index is in the schema before its build starts), is marked built in the node's
// metadata (what system."IndexInfo" lists), and is only then trusted by queries (until then, queries read the
// base table: see query.ts). A dropped index, or the index of a dropped table, has its entries removed.
// `nodetool rebuild_index` throws an index's entries away and builds it again.
import type { Schema, TableDef } from '../schema/model.ts';
import type { PartitionData, PartitionPosition } from '../storage/types.ts';
import { indexUpdates } from './entries.ts';
import { tableIndexSpecs, type IndexSpec } from './terms.ts';
import type { BaseStore, BuildStatus } from './store.ts';

export interface ManagedStore extends BaseStore {
  dropTable(tableId: string): Promise<void>;
  getMeta<T>(key: string): T | undefined;
  putMeta(key: string, value: unknown): Promise<void>;
}

const BUILT_PREFIX = 'index-built:';
const BUILD_BATCH = 64;

interface Known {
  spec: IndexSpec;
  /** Set when the index is dropped (or rebuilt): a build in progress stops. */
  cancelled: boolean;
  building?: Promise<void>;
}

export class IndexManager implements BuildStatus {
  private readonly known = new Map<string, Known>();
  private readonly built = new Set<string>();

  constructor(
    private readonly store: ManagedStore,
    private readonly nowSec: () => number,
    private readonly log: (msg: string, err?: unknown) => void,
  ) {}

  isBuilt(indexId: string): boolean {
    return this.built.has(indexId);
  }

  /** Indexes built on this node, by keyspace and name. */
  builtIndexes(): Array<{ keyspace: string; index: string }> {
    const out: Array<{ keyspace: string; index: string }> = [];
    for (const [id, k] of this.known) if (this.built.has(id)) out.push({ keyspace: k.spec.base.keyspace, index: k.spec.def.name });
    return out;
  }

  /** Brings the node's indexes in line with a schema: builds the new ones, drops the entries of the removed ones. */
  onSchema(schema: Schema): void {
    const current = new Map<string, IndexSpec>();
    for (const ks of schema.keyspaces.values()) {
      for (const t of ks.tables.values()) if (!t.virtual) for (const s of tableIndexSpecs(t)) current.set(s.def.id, s);
    }
    for (const [id, k] of this.known) {
      if (current.has(id)) {
        k.spec = current.get(id)!;
        continue;
      }
      k.cancelled = true;
      this.known.delete(id);
      this.built.delete(id);
      void this.forget(k.spec);
    }
    for (const [id, spec] of current) {
      if (this.known.has(id)) continue;
      const k: Known = { spec, cancelled: false };
      this.known.set(id, k);
      if (this.store.getMeta<boolean>(BUILT_PREFIX + id) === true) this.built.add(id);
      else this.startBuild(k);
    }
  }

  private async forget(spec: IndexSpec): Promise<void> {
    try {
      await this.store.putMeta(BUILT_PREFIX + spec.def.id, false);
      await this.store.dropTable(spec.def.id);
    } catch (err) {
      this.log(`could not remove the entries of dropped index ${spec.def.name}`, err);
    }
  }

  private startBuild(k: Known): void {
    const run = (k.building ?? Promise.resolve()).then(() => this.build(k));
    k.building = run.catch((err: unknown) => this.log(`building index ${k.spec.def.name} failed`, err));
  }

  /** Indexes every partition the node holds, in batches; marks the index built unless it was dropped meanwhile. */
  private async build(k: Known): Promise<void> {
    const { base, backing } = k.spec;
    let start: PartitionPosition | undefined;
    for (let round = 0; round < Number.MAX_SAFE_INTEGER && !k.cancelled; round++) {
      const parts: PartitionData[] = this.store.scan(base, start ? { start } : {}, {}, BUILD_BATCH, this.nowSec());
      const items = parts.flatMap((p) => indexUpdates(k.spec, p).map((update) => ({ table: backing, update })));
      if (items.length > 0) await this.store.applyMany(items);
      if (parts.length < BUILD_BATCH) break;
      const last = parts[parts.length - 1]!;
      start = { token: last.token, key: last.key, inclusive: false };
    }
    if (k.cancelled || this.known.get(k.spec.def.id) !== k) return;
    await this.store.putMeta(BUILT_PREFIX + k.spec.def.id, true);
    this.built.add(k.spec.def.id);
    this.log(`index ${base.keyspace}.${k.spec.def.name} built`);
  }

  /** nodetool rebuild_index: the named indexes of a table lose their entries and are built again. */
  async rebuild(table: TableDef, names: string[]): Promise<string[]> {
    const done: string[] = [];
    for (const [id, k] of this.known) {
      if (k.spec.base.id !== table.id || !names.includes(k.spec.def.name)) continue;
      this.built.delete(id);
      await this.store.putMeta(BUILT_PREFIX + id, false);
      await (k.building ?? Promise.resolve()).catch(() => undefined);
      await this.store.truncate(k.spec.backing);
      this.startBuild(k);
      await k.building;
      done.push(k.spec.def.name);
    }
    return done;
  }

  /** Resolves once every build started so far has finished (tests, drain). */
  async settled(): Promise<void> {
    await Promise.all([...this.known.values()].map((k) => k.building ?? Promise.resolve()));
  }
}
