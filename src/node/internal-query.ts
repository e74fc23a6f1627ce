// Statements a node runs on its own behalf (Cassandra's QueryProcessor.process of internal CQL), through the same
// plans and coordinator as clients' statements, so system_auth is read and written at a consistency level and
// replicated per its keyspace's settings. Rows come back as plain JS values by column name.
import type { ExecEnv, Plan } from '../cql/exec/index.ts';
import type { ConsistencyLevel } from '../model/consistency.ts';
import { decodeJs, type JsValue } from '../model/values/js.ts';
import type { StatementCache } from './statements.ts';

export type InternalRow = Record<string, JsValue>;

export class InternalQueries {
  constructor(private readonly statements: StatementCache, private readonly env: ExecEnv) {}

  async execute(cql: string, values: Array<Buffer | null>, consistency: ConsistencyLevel): Promise<InternalRow[]> {
    const plan: Plan = this.statements.planFor(cql, {});
    const result = await plan.execute(this.env, {}, { params: { consistency, values, skipMetadata: false }, values });
    if (result.kind !== 'rows') return [];
    return result.rows.map((row) => {
      const out: InternalRow = {};
      result.columns.forEach((c, i) => { out[c.name] = decodeJs(c.type, row[i] ?? null); });
      return out;
    });
  }
}

export const text = (s: string): Buffer => Buffer.from(s, 'utf8');
export const bool = (b: boolean): Buffer => Buffer.from([b ? 1 : 0]);
