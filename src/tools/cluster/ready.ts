// Waiting for a launched cluster: every node's admin API answers, reports the cluster's nodes UN, and a real
// cassandra-driver client can connect to it. Bounded; failures name the nodes that are not ready and their log.
import type { StatusReport } from '../../server/admin-types.ts';
import { adminCall } from '../admin-client.ts';
import type { ManifestNode } from './manifest.ts';

export interface ReadyOptions {
  timeoutMs: number;
  /**
   * How long a node may report a ring of only itself before that is accepted. Until cluster membership is wired into
   * the node every node is a single-node ring; once it is, a node briefly sees only itself right after starting.
   */
  selfOnlyGraceMs?: number;
  /**
   * Called whenever the count of ready nodes, or of nodes whose admin API answers (`started`), changes. Ready means
   * UN as every other node sees it and serving a driver.
   */
  progress?: (ready: number, total: number, phase: string, started: number) => void;
  /** Checked between polls: a node process that died makes waiting pointless. */
  alive?: (n: ManifestNode) => boolean;
  /**
   * Whether a node is ready only once a driver connects to it (default true). The lab waits from inside a node's
   * namespace, where the lock-down admits the admin port but not the native one, and checks drivers from a web host.
   */
  driver?: boolean;
  /** A `--secure` cluster: the driver connects with TLS against this CA (and a login refusal still means ready). */
  tlsCaPem?: string;
}

export interface ReadyResult {
  /** Nodes that only ever reported themselves (no cluster membership yet). */
  selfOnly: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Connects a driver client to exactly this node (contact point, its DC as local DC) and reads system.local. The
 * white list keeps the client from opening a pool to every peer it discovers: checking 16 nodes would otherwise open
 * 16 × 16 connections, which is most of a 16-node start on two cores.
 */
export async function driverCheck(n: ManifestNode, timeoutMs = 5000, tlsCaPem?: string): Promise<void> {
  // Imported here: the CLI bundle also runs every node, which must not pay for loading the driver.
  const { default: cassandra } = await import('cassandra-driver');
  const { DCAwareRoundRobinPolicy, WhiteListPolicy } = cassandra.policies.loadBalancing;
  const client = new cassandra.Client({
    contactPoints: [`${n.address}:${n.nativePort}`],
    localDataCenter: n.dataCenter,
    policies: { loadBalancing: new WhiteListPolicy(new DCAwareRoundRobinPolicy(n.dataCenter), [`${n.address}:${n.nativePort}`]) },
    socketOptions: { connectTimeout: timeoutMs, readTimeout: timeoutMs },
    pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 1, [cassandra.types.distance.remote]: 1 } },
    ...(tlsCaPem !== undefined ? { sslOptions: { ca: [tlsCaPem], checkServerIdentity: () => undefined } } : {}),
  });
  try {
    await client.connect();
    await client.execute('SELECT release_version FROM system.local');
  } catch (e) {
    // A secure node that asks for credentials has served CQL over TLS: it is ready (the launcher logs in later).
    const inner = Object.values((e as { innerErrors?: Record<string, unknown> }).innerErrors ?? {});
    if (tlsCaPem === undefined || !inner.some((x) => x instanceof cassandra.errors.AuthenticationError)) throw e;
  } finally {
    await client.shutdown().catch(() => {});
  }
}

type NodeReadiness = 'down' | 'admin' | 'ring' | 'ready';

export async function waitReady(nodes: readonly ManifestNode[], opts: ReadyOptions): Promise<ReadyResult> {
  const deadline = Date.now() + opts.timeoutMs;
  const grace = opts.selfOnlyGraceMs ?? 10_000;
  const expected = new Set(nodes.map((n) => n.address));
  const state = new Map<ManifestNode, NodeReadiness>(nodes.map((n) => [n, 'down']));
  const firstSelfOnly = new Map<ManifestNode, number>();
  const lastError = new Map<ManifestNode, string>();
  const selfOnly = new Set<string>();
  let reported = '';

  const check = async (n: ManifestNode): Promise<void> => {
    let status: StatusReport;
    try {
      status = await adminCall<StatusReport>(n.address, n.adminPort, '/status', { timeoutMs: 3000 });
    } catch (e) {
      lastError.set(n, `admin API: ${(e as Error).message}`);
      return;
    }
    state.set(n, 'admin');
    const seen = status.nodes.filter((x) => expected.has(x.address));
    const allUp = seen.every((x) => x.state === 'UN');
    const self = seen.find((x) => x.address === n.address);
    let ringOk = allUp && seen.length === expected.size;
    if (!ringOk && allUp && self && seen.length === 1) {
      const since = firstSelfOnly.get(n) ?? Date.now();
      firstSelfOnly.set(n, since);
      if (Date.now() - since >= grace || expected.size === 1) {
        ringOk = true;
        if (expected.size > 1) selfOnly.add(n.address);
      }
    }
    if (!ringOk) {
      const notUp = [...expected].filter((a) => status.nodes.find((x) => x.address === a)?.state !== 'UN');
      lastError.set(n, `sees ${notUp.join(', ')} not UN`);
      return;
    }
    state.set(n, 'ring');
    if (opts.driver === false) {
      state.set(n, 'ready');
      return;
    }
    try {
      await driverCheck(n, 5000, opts.tlsCaPem);
      state.set(n, 'ready');
    } catch (e) {
      lastError.set(n, `driver: ${(e as Error).message}`);
    }
  };

  for (;;) {
    await Promise.all(nodes.filter((n) => state.get(n) !== 'ready').map(check));
    const ready = nodes.filter((n) => state.get(n) === 'ready').length;
    const started = nodes.filter((n) => state.get(n) !== 'down').length;
    if (`${ready}/${started}` !== reported) {
      reported = `${ready}/${started}`;
      opts.progress?.(ready, nodes.length, ready === nodes.length ? 'ready' : 'starting', started);
    }
    if (ready === nodes.length) return { selfOnly: [...selfOnly] };
    const dead = opts.alive ? nodes.filter((n) => !opts.alive!(n)) : [];
    if (dead.length > 0 || Date.now() > deadline) {
      const why = dead.length > 0 ? `node process exited: ${dead.map((n) => n.address).join(', ')}` : `not ready within ${opts.timeoutMs} ms`;
      const detail = nodes
        .filter((n) => state.get(n) !== 'ready')
        .map((n) => `  ${n.address} (${n.dataCenter}/${n.rack}): ${lastError.get(n) ?? 'no answer'} — log: ${n.logPath}`)
        .join('\n');
      throw new Error(`cluster not ready: ${why}\n${detail}`);
    }
    await sleep(250);
  }
}
