// CREATE and ALTER KEYSPACE with Cassandra's client warning for a replication factor above the number of nodes
// (SimpleStrategy: all the cluster's nodes; NetworkTopologyStrategy: the nodes of each data centre named, skipped for
// a data centre without nodes, as Cassandra's maybeWarnOnOptions does). A CREATE that IF NOT EXISTS made a no-op is
// not validated, so it does not warn.
import type { AlterKeyspaceStatement, CreateKeyspaceStatement } from '../../model/ast.ts';
import type { KeyspaceDef } from '../../schema/model.ts';
import type { SystemContext } from '../../schema/system_tables.ts';
import type { ExecEnv, Plan } from './plan.ts';

/** The full replicas of a replication factor option ("3", or "3/1" with transient replicas). */
const fullReplicas = (rf: string): number => Number.parseInt(rf.split('/')[0] ?? '', 10);

export function replicationWarnings(ks: KeyspaceDef, ctx: SystemContext): string[] {
  const dcs = [ctx.local.dataCenter, ...ctx.peers.map((p) => p.dataCenter)];
  const cls = ks.replication['class'] ?? '';
  if (cls.endsWith('SimpleStrategy')) {
    const rf = fullReplicas(ks.replication['replication_factor'] ?? '');
    return rf > dcs.length ? [`Your replication factor ${rf} for keyspace ${ks.name} is higher than the number of nodes ${dcs.length}`] : [];
  }
  if (!cls.endsWith('NetworkTopologyStrategy')) return [];
  const out: string[] = [];
  for (const [dc, value] of Object.entries(ks.replication)) {
    if (dc === 'class') continue;
    const nodes = dcs.filter((d) => d === dc).length;
    const rf = fullReplicas(value);
    if (nodes !== 0 && rf > nodes) out.push(`Your replication factor ${rf} for keyspace ${ks.name} is higher than the number of nodes ${nodes} for datacenter ${dc}`);
  }
  return out;
}

/** A keyspace's total full replicas (NetworkTopologyStrategy: the sum over its data centres). */
function totalReplicas(ks: KeyspaceDef): number {
  return Object.entries(ks.replication).filter(([k]) => k !== 'class').reduce((n, [, v]) => n + (fullReplicas(v) || 0), 0);
}

const INCREASED_RF = 'When increasing replication factor you need to run a full (-full) repair to distribute the data.';

export function keyspaceDdlPlan(stmt: CreateKeyspaceStatement | AlterKeyspaceStatement): Plan {
  return {
    variables: [], resultColumns: [], pkIndexes: [], dependsOn: [],
    async execute(env: ExecEnv, session, req) {
      const before = env.schema().keyspaces.get(stmt.keyspace);
      const result = await env.applySchemaChange(stmt, session);
      if (stmt.kind === 'create_keyspace' && result.kind !== 'schema_change') return result;
      const ks = env.schema().keyspaces.get(stmt.keyspace);
      if (!ks) return result;
      req.warnings?.push(...replicationWarnings(ks, env.systemContext()));
      // AlterKeyspaceStatement.clientWarnings: a larger replication factor needs a repair to reach the new replicas.
      if (stmt.kind === 'alter_keyspace' && before && totalReplicas(ks) > totalReplicas(before)) req.warnings?.push(INCREASED_RF);
      return result;
    },
  };
}
