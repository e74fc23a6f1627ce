// The admin API: what Cassandra exposes over JMX on 7199, served as JSON over HTTP so nodetool and the launcher can
// reach it without a JVM. Thin on purpose: every answer comes from the node's AdminSource; this file only routes,
// validates query parameters and turns errors into status codes.
import { hasAdminToken } from './admin-token.ts';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AdminSource } from './admin-types.ts';
import { snapshotRoutes } from './admin-snapshots.ts';
import { cidrRoutes } from './admin-cidr.ts';

/** Thrown by an AdminSource (or here) for a request the caller got wrong; becomes a 4xx answer with {error}. */
export class AdminRequestError extends Error {
  override readonly name = 'AdminRequestError';
  constructor(message: string, readonly status = 400) {
    super(message);
  }
}

export interface AdminServer {
  /** The port actually bound (useful when started on port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/** PUT /network bodies are small JSON documents; anything bigger is a mistake or abuse. */
const MAX_BODY = 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function statusOf(e: unknown): number {
  const s = (e as { status?: unknown; statusCode?: unknown } | null)?.status ?? (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' && s >= 400 && s <= 599 ? s : 500;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new AdminRequestError(`request body larger than ${MAX_BODY} bytes`, 413));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A query parameter the route cannot do without (400 when missing). */
export function required(params: URLSearchParams, name: string): string {
  const v = params.get(name);
  if (v === null || v === '') throw new AdminRequestError(`missing query parameter "${name}"`);
  return v;
}

const optional = (params: URLSearchParams, name: string): string | undefined => params.get(name) || undefined;

type Handler = (params: URLSearchParams, req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Streaming, repair and membership changes (server/admin-lifecycle.ts serves them). */
function lifecycleRoutes(source: AdminSource, json: (f: (p: URLSearchParams) => unknown) => Handler): Array<[string, Handler]> {
  return [
    ['GET /netstats', json(() => {
      if (!source.netstats) throw new AdminRequestError('this node does not stream', 404);
      return source.netstats();
    })],
    ['POST /repair', json((p) => {
      if (!source.repair) throw new AdminRequestError('this node does not repair', 404);
      const flag = (name: string): boolean => p.get(name) === 'true';
      return source.repair({ keyspace: optional(p, 'keyspace'), tables: p.getAll('table'), primaryRange: flag('pr'), full: flag('full'),
        dataCenters: p.getAll('dc'), local: flag('local'), startToken: optional(p, 'st'), endToken: optional(p, 'et') });
    })],
    ['POST /cleanup', json(async (p) => {
      if (!source.cleanup) throw new AdminRequestError('this node cannot clean up', 404);
      await source.cleanup(optional(p, 'keyspace'), p.getAll('table'));
      return { ok: true };
    })],
    ['POST /rebuild', json(async (p) => {
      if (!source.rebuild) throw new AdminRequestError('this node cannot rebuild', 404);
      await source.rebuild(optional(p, 'dc'));
      return { ok: true };
    })],
    ['POST /removenode', json(async (p) => {
      if (!source.removeNode) throw new AdminRequestError('this node cannot remove nodes', 404);
      await source.removeNode(required(p, 'hostId'));
      return { ok: true };
    })],
    ['GET /removenode', json(() => {
      if (!source.removalStatus) throw new AdminRequestError('this node cannot remove nodes', 404);
      return { status: source.removalStatus(false) };
    })],
    ['POST /removenode/force', json(() => {
      if (!source.removalStatus) throw new AdminRequestError('this node cannot remove nodes', 404);
      return { status: source.removalStatus(true) };
    })],
    ['POST /assassinate', json(async (p) => {
      if (!source.assassinate) throw new AdminRequestError('this node cannot assassinate', 404);
      await source.assassinate(required(p, 'address'));
      return { ok: true };
    })],
    ['GET /gossipinfo', json(() => {
      if (!source.gossipInfo) throw new AdminRequestError('this node does not gossip', 404);
      return source.gossipInfo();
    })],
    ['POST /decommission', json(async () => {
      if (!source.decommission) throw new AdminRequestError('this node cannot decommission', 404);
      await source.decommission();
      return { ok: true };
    })],
  ];
}

/** Operational commands (server/admin-ops.ts serves them). */
function opsRoutes(source: AdminSource, json: (f: (p: URLSearchParams) => unknown) => Handler): Array<[string, Handler]> {
  const need = <K extends keyof AdminSource>(k: K): NonNullable<AdminSource[K]> => {
    const f = source[k];
    if (f === undefined) throw new AdminRequestError(`this node has no ${String(k)}`, 404);
    return (f as (...a: never[]) => unknown).bind(source) as NonNullable<AdminSource[K]>;
  };
  const toggle = (k: 'setNativeTransport' | 'setGossip', on: boolean): Handler => json(async () => (await need(k)(on), { ok: true }));
  return [
    ['GET /describering', json((p) => need('describeRing')(required(p, 'keyspace')))],
    ['GET /version', json(() => need('version')())],
    ['GET /compactionstats', json(() => need('compactionStats')())],
    ['POST /compact', json(async (p) => (await need('compact')(optional(p, 'keyspace'), p.getAll('table')), { ok: true }))],
    ['POST /enablebinary', toggle('setNativeTransport', true)],
    ['POST /disablebinary', toggle('setNativeTransport', false)],
    ['POST /enablegossip', toggle('setGossip', true)],
    ['POST /disablegossip', toggle('setGossip', false)],
  ];
}

function routes(source: AdminSource): Map<string, Handler> {
  const json = (f: (p: URLSearchParams) => unknown): Handler => async (p, _req, res) => send(res, 200, await f(p));
  return new Map<string, Handler>([
    ['GET /status', json((p) => source.status(optional(p, 'keyspace')))],
    ['GET /info', json(() => source.info())],
    ['GET /ring', json((p) => source.ring(optional(p, 'keyspace')))],
    ['GET /describecluster', json(() => source.describeCluster())],
    ['GET /hints', json(() => source.pendingHints())],
    ['GET /replicareads', json(() => {
      if (!source.replicaReads) throw new AdminRequestError('this node does not count replica reads', 404);
      return source.replicaReads();
    })],
    ['GET /tablestats', json((p) => {
      if (!source.tableStats) throw new AdminRequestError('this node has no storage statistics', 404);
      return source.tableStats(p.getAll('table'));
    })],
    ['GET /tpstats', json(() => {
      if (!source.threadPools) throw new AdminRequestError('this node has no thread pool statistics', 404);
      return source.threadPools();
    })],
    ['GET /endpoints', json((p) => source.getEndpoints(required(p, 'keyspace'), required(p, 'table'), required(p, 'key')))],
    ['POST /flush', json(async () => (await source.flush(), { ok: true }))],
    ['POST /drain', json(async () => (await source.drain(), { ok: true }))],
    ['POST /rebuildindex', json(async (p) => (await source.rebuildIndex(required(p, 'keyspace'), required(p, 'table'),
      required(p, 'indexes').split(',')), { ok: true }))],
    ['GET /viewbuildstatus', json((p) => {
      if (!source.viewBuildStatus) throw new AdminRequestError('this node has no materialized views', 404);
      return source.viewBuildStatus(required(p, 'keyspace'), required(p, 'view'));
    })],
    ...lifecycleRoutes(source, json),
    ...opsRoutes(source, json),
    ...snapshotRoutes(source.snapshots).map(([route, f]): [string, Handler] => [route, json(f)]),
    ...cidrRoutes(source.cidrGroups).map(([route, f]): [string, Handler] => [route, json(f)]),
    ['GET /repairstate', json((p) => {
      if (!source.repairStates) throw new AdminRequestError('this node keeps no repair history', 404);
      return source.repairStates(optional(p, 'keyspace'), optional(p, 'table'));
    })],
    ['GET /network', json(() => source.getNetwork() ?? null)],
    [
      'PUT /network',
      async (_p, req, res) => {
        const text = await readBody(req);
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch (e) {
          throw new AdminRequestError(`invalid JSON body: ${(e as Error).message}`);
        }
        try {
          source.setNetwork(body);
        } catch (e) {
          // The source validates the model; whatever it rejects is the caller's mistake, not a server failure.
          throw e instanceof AdminRequestError ? e : new AdminRequestError((e as Error).message);
        }
        send(res, 200, source.getNetwork() ?? null);
      },
    ],
    [
      'GET /metrics',
      async (_p, _req, res) => {
        const text = await source.metrics();
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      },
    ],
  ]);
}

/** Serves `source` on host:port (port 0 picks a free one). Resolves once listening; rejects if the bind fails. */
export async function startAdminServer(
  source: AdminSource, host: string, port: number, security: { token?: string; onRefused?: () => void } = {},
): Promise<AdminServer> {
  const table = routes(source);
  const paths = new Set([...table.keys()].map((k) => k.split(' ')[1]!));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    if (security.token !== undefined && (req.method ?? 'GET') !== 'GET' && !hasAdminToken(req, security.token)) {
      security.onRefused?.();
      send(res, 401, { error: 'this admin request changes the node and needs the cluster\'s admin token (Authorization: Bearer …)' });
      return;
    }
    const handler = table.get(`${req.method ?? 'GET'} ${url.pathname}`);
    if (!handler) {
      if (paths.has(url.pathname)) send(res, 405, { error: `method ${req.method ?? ''} not allowed on ${url.pathname}` });
      else send(res, 404, { error: `no such admin endpoint: ${url.pathname}` });
      return;
    }
    handler(url.searchParams, req, res).catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      send(res, statusOf(e), { error: e instanceof Error ? e.message : String(e) });
    });
  });
  // Admin calls are short; a stuck client must not keep close() waiting.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  let closing: Promise<void> | undefined;
  return {
    port: typeof addr === 'object' && addr !== null ? addr.port : port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
