// The stress client: one cassandra-driver Client, token-aware and DC-aware (each request goes straight to a replica
// in the local data centre), prepared statements, no driver retries (cassandra-stress counts its own tries), and the
// coordinator of every answer reported so latencies can be split by data centre and rack.
import type { StressSettings } from './args.ts';
import type { HostLocation } from './format.ts';
import { driverLib } from './lazy.ts';
import type { Executor } from './runner.ts';
import type { OperationSpec } from './workload.ts';

export function consistencyCode(name: string): number {
  const CL = driverLib().types.consistencies;
  const key = name.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) as keyof typeof CL;
  const code = CL[key];
  if (typeof code !== 'number') throw new Error(`unknown consistency level ${name}`);
  return code;
}

const contact = (host: string, port: number): string => (host.includes(':') ? host : `${host}:${port}`);

/** The contact point's data centre, asked of that node alone (the driver needs it before it can route). */
async function discoverDc(s: StressSettings): Promise<string> {
  const cassandra = driverLib();
  const first = contact(s.nodes.hosts[0]!, s.port.native);
  const { AllowListPolicy, RoundRobinPolicy } = cassandra.policies.loadBalancing;
  const c = new cassandra.Client({
    contactPoints: [first],
    policies: { loadBalancing: new AllowListPolicy(new RoundRobinPolicy(), [first]) },
    socketOptions: { connectTimeout: 5000 },
  });
  try {
    await c.connect();
    const row = (await c.execute('SELECT data_center FROM system.local')).first();
    return String(row?.get('data_center') ?? 'datacenter1');
  } finally {
    await c.shutdown().catch(() => undefined);
  }
}

export interface StressClient {
  client: import('cassandra-driver').Client;
  executor: Executor;
  localDc: string;
  locate(host: string): HostLocation | undefined;
  /** One line per connected host, as cassandra-stress prints after connecting. */
  describe(): string[];
}

export async function connectStress(s: StressSettings): Promise<StressClient> {
  const cassandra = driverLib();
  const localDc = s.nodes.datacenter ?? (await discoverDc(s));
  const contacts = s.nodes.hosts.map((h) => contact(h, s.port.native));
  const { AllowListPolicy, DCAwareRoundRobinPolicy, TokenAwarePolicy } = cassandra.policies.loadBalancing;
  const base = new TokenAwarePolicy(new DCAwareRoundRobinPolicy(localDc));
  const { distance } = cassandra.types;
  const client = new cassandra.Client({
    contactPoints: contacts,
    localDataCenter: localDc,
    protocolOptions: { port: s.port.native, maxVersion: s.mode.protocolVersion },
    pooling: {
      coreConnectionsPerHost: { [distance.local]: s.mode.connectionsPerHost, [distance.remote]: 1 },
      maxRequestsPerConnection: s.mode.maxPending,
    },
    policies: {
      loadBalancing: s.nodes.whitelist ? new AllowListPolicy(base, contacts) : base,
      retry: new cassandra.policies.retry.FallthroughRetryPolicy(),
      speculativeExecution: new cassandra.policies.speculativeExecution.NoSpeculativeExecutionPolicy(),
    },
    queryOptions: { consistency: consistencyCode(s.command.consistency), prepare: s.mode.prepared },
    socketOptions: { connectTimeout: 10_000, readTimeout: 12_000 },
  });
  await client.connect();
  const clusterName = String((await client.execute('SELECT cluster_name FROM system.local')).first()?.get('cluster_name') ?? '?');
  // One options object for every request: the driver copies what it needs, so nothing is allocated here per op.
  const options = { prepare: s.mode.prepared, consistency: consistencyCode(s.command.consistency), isIdempotent: true };
  // The Node.js driver sends QUERY and EXECUTE at ONE when asked for ANY (`getConsistency() || one`, requests.js);
  // only BATCH carries the level as given, so at cl=ANY each write goes as a batch of one.
  const any = s.command.consistency === 'ANY';
  const executor: Executor = {
    async execute(op: OperationSpec, params: unknown[]) {
      if (op.batch !== undefined) {
        const rows = op.batch.rows(params[0] as number);
        const rs = await client.batch(rows.map((p) => ({ query: op.cql, params: p })), { ...options, logged: op.batch.type === 'LOGGED' });
        return { rows: rows.length, coordinator: rs.info.queriedHost };
      }
      if (any) {
        const rs = await client.batch([{ query: op.cql, params }], { ...options, logged: false });
        return { rows: 1, coordinator: rs.info.queriedHost };
      }
      const rs = await client.execute(op.cql, params, options);
      return { rows: op.isRead ? rs.rowLength : 1, coordinator: rs.info.queriedHost };
    },
  };
  const locate = (host: string): HostLocation | undefined => {
    const h = client.hosts.get(host);
    return h === undefined ? undefined : { dc: h.datacenter, rack: h.rack };
  };
  const describe = (): string[] => {
    const lines = [`Connected to cluster: ${clusterName}, max pending requests per connection ${s.mode.maxPending}, max connections per host ${s.mode.connectionsPerHost}`];
    for (const h of client.hosts.values()) lines.push(`Datacenter: ${h.datacenter}; Host: ${h.address}; Rack: ${h.rack}`);
    return lines;
  };
  return { client, executor, localDc, locate, describe };
}
