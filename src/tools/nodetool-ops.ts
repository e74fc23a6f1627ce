// nodetool's operational commands in Cassandra 4's output shapes: `describering` (DescribeRing: the schema version,
// then one TokenRange(...) per range, tab-indented), `version` ("ReleaseVersion: …"), `compactionstats` ("pending
// tasks: N" and an empty line when nothing runs), `compact`, and `disablebinary`/`enablebinary`,
// `disablegossip`/`enablegossip` (silent on success).
import type { Command } from 'commander';
import type { DescribeRingReport } from '../server/admin-types.ts';
import { adminCall, type AdminResponseError } from './admin-client.ts';
import { run, target, usage, withConn } from './nodetool.ts';

export function formatDescribeRing(r: DescribeRingReport): string {
  let out = `Schema Version:${r.schemaVersion}\nTokenRange: \n`;
  for (const t of r.ranges) {
    const eps = t.endpoints.join(', ');
    const details = t.endpointDetails.map((d) => `EndpointDetails(host:${d.host}, datacenter:${d.datacenter}, rack:${d.rack})`).join(', ');
    out += `\tTokenRange(start_token:${t.startToken}, end_token:${t.endToken}, endpoints:[${eps}], rpc_endpoints:[${eps}], endpoint_details:[${details}])\n`;
  }
  return out;
}

export const formatVersion = (v: { releaseVersion: string }): string => `ReleaseVersion: ${v.releaseVersion}\n`;

export const formatCompactionStats = (s: { pendingTasks: number }): string => `pending tasks: ${s.pendingTasks}\n\n`;

/** Cassandra's describering of an unknown keyspace is the JMX call's exception: "error: …", exit 2. */
const operationError = (e: AdminResponseError): never => {
  process.stderr.write(`error: ${e.message}\n`);
  process.exit(2);
};

export function registerOpsCommands(nt: Command): void {
  withConn(nt.command('describering'))
    .description('Shows the token ranges info of a given keyspace')
    .argument('[keyspace]')
    .action(async (keyspace: string | undefined, _o: unknown, cmd: Command) => {
      const t = target(cmd);
      if (keyspace === undefined) usage('describering requires a keyspace argument');
      const path = `/describering?keyspace=${encodeURIComponent(keyspace)}`;
      await run(t, async () => formatDescribeRing(await adminCall<DescribeRingReport>(t.host, t.port, path)), operationError);
    });

  withConn(nt.command('version'))
    .description('Print cassandra version')
    .action(async (_o: unknown, cmd: Command) => {
      const t = target(cmd);
      await run(t, async () => formatVersion(await adminCall<{ releaseVersion: string }>(t.host, t.port, '/version')));
    });

  withConn(nt.command('compactionstats'))
    .description('Print statistics on compactions')
    .action(async (_o: unknown, cmd: Command) => {
      const t = target(cmd);
      await run(t, async () => formatCompactionStats(await adminCall<{ pendingTasks: number }>(t.host, t.port, '/compactionstats')));
    });

  withConn(nt.command('compact'))
    .description('Force a (major) compaction on one or more tables')
    .argument('[keyspace]')
    .argument('[tables...]')
    .action(async (keyspace: string | undefined, tables: string[], _o: unknown, cmd: Command) => {
      const t = target(cmd);
      const q = new URLSearchParams();
      if (keyspace !== undefined) q.set('keyspace', keyspace);
      for (const name of tables) q.append('table', name);
      const path = q.size > 0 ? `/compact?${q.toString()}` : '/compact';
      await run(t, async () => (await adminCall(t.host, t.port, path, { method: 'POST', timeoutMs: 24 * 3600_000 }), ''), operationError);
    });

  const toggle = (name: string, description: string): void => {
    withConn(nt.command(name))
      .description(description)
      .action(async (_o: unknown, cmd: Command) => {
        const t = target(cmd);
        await run(t, async () => (await adminCall(t.host, t.port, `/${name}`, { method: 'POST', timeoutMs: 60_000 }), ''));
      });
  };
  toggle('disablebinary', 'Disable native transport (binary protocol)');
  toggle('enablebinary', 'Reenable native transport (binary protocol)');
  toggle('disablegossip', 'Disable gossip (effectively marking the node down)');
  toggle('enablegossip', 'Reenable gossip');
}
