// The node's schema: the user schema persisted in storage, merged with the system keyspaces, changed one DDL at
// a time. Each change is persisted before it is acknowledged and announced to clients as SCHEMA_CHANGE.
import type { Schema } from '../schema/model.ts';
import type { Statement } from '../cql/ast.ts';
import type { SchemaChange } from '../protocol/messages.ts';
import type { StorageEngine } from '../storage/engine.ts';
import { applyDdl, computeSchemaVersion, deserializeSchema, emptySchema, serializeSchema } from '../schema/registry.ts';
import { withSystemKeyspaces } from '../schema/system_tables.ts';

const SCHEMA_KEY = 'schema';

export type DdlStatement = Parameters<typeof applyDdl>[1];

export class SchemaService {
  private user: Schema;
  private full: Schema;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners: Array<(change: SchemaChange, schema: Schema) => void> = [];

  /** `dataCenters` lists the DCs the cluster knows: NetworkTopologyStrategy options must name only those. */
  constructor(
    private readonly storage: StorageEngine,
    private readonly dataCenters: () => string[],
  ) {
    const saved = storage.getMeta<unknown>(SCHEMA_KEY);
    this.user = saved === undefined ? emptySchema() : deserializeSchema(saved);
    this.user = { ...this.user, version: computeSchemaVersion(this.user) };
    this.full = withSystemKeyspaces(this.user);
  }

  /** The schema including system keyspaces. */
  get current(): Schema {
    return this.full;
  }

  get version(): string {
    return this.full.version;
  }

  onChange(listener: (change: SchemaChange, schema: Schema) => void): void {
    this.listeners.push(listener);
  }

  /** Applies one DDL statement; concurrent calls run one after another. Returns null for IF [NOT] EXISTS no-ops. */
  apply(stmt: Statement, currentKeyspace: string | undefined): Promise<SchemaChange | null> {
    const run = async (): Promise<SchemaChange | null> => {
      const before = this.user;
      const { schema, change } = applyDdl(before, stmt as DdlStatement, currentKeyspace, { dataCenters: this.dataCenters() });
      if (!change) return null;
      const next = { ...schema, version: computeSchemaVersion(schema) };
      await this.storage.putMeta(SCHEMA_KEY, serializeSchema(next));
      await this.dropRemovedTables(before, next);
      this.user = next;
      this.full = withSystemKeyspaces(next);
      for (const l of this.listeners) l(change, this.full);
      return change;
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async dropRemovedTables(before: Schema, after: Schema): Promise<void> {
    for (const [ksName, ks] of before.keyspaces) {
      for (const [name, t] of ks.tables) {
        const still = after.keyspaces.get(ksName)?.tables.get(name);
        if (!still || still.id !== t.id) await this.storage.dropTable(t.id);
      }
    }
  }
}
