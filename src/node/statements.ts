// Compiled statements, node-wide: prepared statements by id (MD5 of keyspace + query, as Cassandra computes it, so
// ids agree across nodes) and a cache of plans for unprepared QUERY text so repeated queries skip parsing.
import { createHash } from 'node:crypto';
import { parseStatement } from '../cql/parser.ts';
import type { ParsedStatement } from '../model/ast.ts';
import { compile, type Plan, type Session } from '../cql/exec/index.ts';
import { planIsStale } from '../cql/exec/plan.ts';
import type { Schema } from '../schema/model.ts';
import { UnpreparedError } from '../model/errors.ts';

export interface PreparedEntry {
  id: Buffer;
  query: string;
  keyspace: string | undefined;
  parsed: ParsedStatement;
  plan: Plan;
  schemaVersion: string;
}

const MAX_QUERY_PLANS = 2000;
const MAX_PREPARED = 20000;

export function preparedId(keyspace: string | undefined, query: string): Buffer {
  return createHash('md5').update(keyspace === undefined ? query : keyspace + query).digest();
}

/** Statements that change the schema or session state must not be cached as plans bound to a schema version. */
function cacheable(parsed: ParsedStatement): boolean {
  const k = parsed.statement.kind;
  return k === 'select' || k === 'insert' || k === 'update' || k === 'delete' || k === 'batch';
}

export class StatementCache {
  private readonly prepared = new Map<string, PreparedEntry>();
  private readonly plans = new Map<string, { plan: Plan; schemaVersion: string }>();
  /** The statement each plan was compiled from (what the authorizer checks). */
  private readonly statementsOf = new WeakMap<Plan, ParsedStatement['statement']>();

  constructor(private readonly schema: () => Schema) {}

  /** A plan for QUERY text in the session's keyspace, compiled at most once per schema version. */
  planFor(query: string, session: Session): Plan {
    const schema = this.schema();
    const key = `${session.keyspace ?? ''}\u0000${query}`;
    const hit = this.plans.get(key);
    if (hit && hit.schemaVersion === schema.version) return hit.plan;
    const parsed = parseStatement(query);
    const plan = compile(parsed, schema, session);
    this.statementsOf.set(plan, parsed.statement);
    if (cacheable(parsed)) {
      if (this.plans.size >= MAX_QUERY_PLANS) this.plans.delete(this.plans.keys().next().value as string);
      this.plans.set(key, { plan, schemaVersion: schema.version });
    }
    return plan;
  }

  /** The statement a plan of planFor() or of a prepared entry was compiled from. */
  statementOf(plan: Plan): ParsedStatement['statement'] | undefined {
    return this.statementsOf.get(plan);
  }

  prepare(query: string, session: Session): PreparedEntry {
    const id = preparedId(session.keyspace, query);
    const hex = id.toString('hex');
    const schema = this.schema();
    const existing = this.prepared.get(hex);
    if (existing && existing.schemaVersion === schema.version) return existing;
    const parsed = parseStatement(query);
    const plan = compile(parsed, schema, session);
    this.statementsOf.set(plan, parsed.statement);
    const entry: PreparedEntry = { id, query, keyspace: session.keyspace, parsed, plan, schemaVersion: schema.version };
    if (this.prepared.size >= MAX_PREPARED) this.prepared.delete(this.prepared.keys().next().value as string);
    this.prepared.set(hex, entry);
    return entry;
  }

  /**
   * The prepared statement for an EXECUTE. After a schema change the plan is recompiled, unless a table it reads
   * changed its columns: then the statement is forgotten and the client gets UNPREPARED, so that it re-prepares
   * and learns the new result metadata.
   */
  lookup(id: Buffer): PreparedEntry {
    const hex = id.toString('hex');
    const entry = this.prepared.get(hex);
    if (!entry) throw new UnpreparedError(id);
    const schema = this.schema();
    if (entry.schemaVersion === schema.version) return entry;
    if (planIsStale(entry.plan, schema)) {
      this.prepared.delete(hex);
      throw new UnpreparedError(id);
    }
    try {
      entry.plan = compile(entry.parsed, schema, { keyspace: entry.keyspace });
      this.statementsOf.set(entry.plan, entry.parsed.statement);
    } catch {
      this.prepared.delete(hex);
      throw new UnpreparedError(id);
    }
    entry.schemaVersion = schema.version;
    return entry;
  }
}
