// The node's schema: the user schema persisted in storage, merged with the system keyspaces, changed one DDL at
// a time. Each change is persisted before it is acknowledged and announced to clients as SCHEMA_CHANGE. In a
// cluster, whole schemas travel between nodes stamped with the time of their last change; a node adopts a schema
// stamped later than its own, so every node converges on the latest one.
import type { Schema, TableDef } from '../schema/model.ts';
import type { Statement } from '../model/ast.ts';
import type { SchemaChange } from '../protocol/messages.ts';
import { applyDdl, isDdlStatement, computeSchemaVersion, deserializeSchema, emptySchema, serializeSchema } from '../schema/registry.ts';
import { withSystemKeyspaces } from '../schema/system_tables.ts';

const SCHEMA_KEY = 'schema';

export type { DdlStatement } from '../schema/registry.ts';

export type { SchemaSnapshot } from '../schema/snapshot.ts';
import type { SchemaSnapshot } from '../schema/snapshot.ts';

export interface SchemaStore {
  getMeta<T>(key: string): T | undefined;
  putMeta(key: string, value: unknown): Promise<void>;
  /** Drops a table's data; `table` is its definition before the drop (for auto_snapshot). */
  dropTable(tableId: string, table?: TableDef): Promise<void>;
}

export class SchemaService {
  private user: Schema;
  private full: Schema;
  private stamp = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** materialized_views_enabled, set by the node from its settings. */
  materializedViewsEnabled = false;
  /** Cassandra's -Dcassandra.sai.vector.allow_custom_parameters (ddl_common.ts). */
  saiVectorAllowCustomParameters = false;
  private readonly listeners: Array<(changes: SchemaChange[], schema: Schema, local: boolean) => void> = [];

  /** `dataCenters` lists the DCs the cluster knows: NetworkTopologyStrategy options must name only those. */
  constructor(
    private readonly storage: SchemaStore,
    private readonly dataCenters: () => string[],
    private readonly nowMicros: () => number,
    /** Ids for new tables (random uuids by default; the simulator draws them from its seed). */
    private readonly newTableId?: () => string,
  ) {
    const saved = storage.getMeta<unknown>(SCHEMA_KEY);
    let user = emptySchema();
    if (saved !== undefined) {
      // Older stores kept the bare serialized schema; newer ones a {schema, stamp} snapshot.
      const snap = saved as Partial<SchemaSnapshot>;
      const isSnapshot = typeof saved === 'object' && saved !== null && 'stamp' in saved && 'schema' in saved;
      user = deserializeSchema(isSnapshot ? snap.schema : saved);
      this.stamp = isSnapshot ? Number(snap.stamp) || 0 : 0;
    }
    this.user = { ...user, version: computeSchemaVersion(user) };
    this.full = withSystemKeyspaces(this.user);
  }

  /** The schema including system keyspaces. */
  get current(): Schema {
    return this.full;
  }

  get version(): string {
    return this.full.version;
  }

  snapshot(): SchemaSnapshot {
    return { schema: serializeSchema(this.user), stamp: this.stamp };
  }

  /** Listeners get the changes, the new schema, and whether the change was made here (vs adopted from a peer). */
  onChange(listener: (changes: SchemaChange[], schema: Schema, local: boolean) => void): void {
    this.listeners.push(listener);
  }

  private serialized<T>(run: () => Promise<T>): Promise<T> {
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async install(next: Schema, stamp: number, changes: SchemaChange[], local: boolean): Promise<void> {
    const before = this.user;
    const versioned = { ...next, version: computeSchemaVersion(next) };
    await this.storage.putMeta(SCHEMA_KEY, { schema: serializeSchema(versioned), stamp } satisfies SchemaSnapshot);
    await this.dropRemovedTables(before, versioned);
    this.user = versioned;
    this.stamp = stamp;
    this.full = withSystemKeyspaces(versioned);
    for (const l of this.listeners) l(changes, this.full, local);
  }

  /** Applies one DDL statement; concurrent calls run one after another. Returns null for IF [NOT] EXISTS no-ops. */
  apply(stmt: Statement, currentKeyspace: string | undefined): Promise<SchemaChange | null> {
    return this.serialized(async () => {
      // The executor routes only DDL here; anything else is a programming error, not a client's.
      if (!isDdlStatement(stmt)) throw new Error(`not a schema statement: ${stmt.kind}`);
      const { schema, change } = applyDdl(this.user, stmt, currentKeyspace, {
        dataCenters: this.dataCenters(), nowMicros: this.nowMicros(), materializedViewsEnabled: this.materializedViewsEnabled,
        saiVectorAllowCustomParameters: this.saiVectorAllowCustomParameters, ...(this.newTableId ? { newTableId: this.newTableId } : {}),
      });
      if (!change) return null;
      await this.install(schema, Math.max(this.nowMicros(), this.stamp + 1), [change], true);
      return change;
    });
  }

  /** Takes a peer's schema if it is newer than ours; returns whether it was adopted. */
  adopt(snap: SchemaSnapshot): Promise<boolean> {
    return this.serialized(async () => {
      if (!(snap.stamp > this.stamp)) return false;
      const next = deserializeSchema(snap.schema);
      if (computeSchemaVersion(next) === this.user.version) {
        this.stamp = snap.stamp;
        return false;
      }
      await this.install(next, snap.stamp, diffSchemas(this.user, next), false);
      return true;
    });
  }

  private async dropRemovedTables(before: Schema, after: Schema): Promise<void> {
    for (const [ksName, ks] of before.keyspaces) {
      for (const [name, t] of ks.tables) {
        const still = after.keyspaces.get(ksName)?.tables.get(name);
        if (!still || still.id !== t.id) await this.storage.dropTable(t.id, t);
      }
    }
  }
}

/** The SCHEMA_CHANGE events that turn `a` into `b` (keyspaces and tables; types as keyspace updates). */
export function diffSchemas(a: Schema, b: Schema): SchemaChange[] {
  const out: SchemaChange[] = [];
  for (const [name, ks] of b.keyspaces) {
    const old = a.keyspaces.get(name);
    if (!old) {
      out.push({ change: 'CREATED', target: 'KEYSPACE', keyspace: name });
      for (const t of ks.tables.keys()) out.push({ change: 'CREATED', target: 'TABLE', keyspace: name, name: t });
      continue;
    }
    if (JSON.stringify(old.replication) !== JSON.stringify(ks.replication) || old.durableWrites !== ks.durableWrites || old.types.size !== ks.types.size) {
      out.push({ change: 'UPDATED', target: 'KEYSPACE', keyspace: name });
    }
    for (const [t, def] of ks.tables) {
      const prev = old.tables.get(t);
      if (!prev) out.push({ change: 'CREATED', target: 'TABLE', keyspace: name, name: t });
      else if (prev.id !== def.id || prev.version !== def.version || JSON.stringify(prev.options) !== JSON.stringify(def.options)) {
        out.push({ change: 'UPDATED', target: 'TABLE', keyspace: name, name: t });
      }
    }
    for (const t of old.tables.keys()) if (!ks.tables.has(t)) out.push({ change: 'DROPPED', target: 'TABLE', keyspace: name, name: t });
  }
  for (const name of a.keyspaces.keys()) if (!b.keyspaces.has(name)) out.push({ change: 'DROPPED', target: 'KEYSPACE', keyspace: name });
  return out;
}
