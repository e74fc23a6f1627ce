// The dashboard's web server: the page, the current state as JSON, server-sent events with a new state after every
// poll, and the buttons' actions. Everything outside comes in through DashboardDeps (the nodes to poll and how, the
// launcher's actions, the clock and timers), so tests drive it without processes or sockets to nodes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DashboardAggregator, type DashboardState, type NodePoll, type NodeTarget } from './state.ts';
import { DASHBOARD_PAGE } from './page.ts';

/** Which nodes an action applies to: one node, a rack of a DC, or a whole DC (as `sibyl cluster stop` selects). */
export interface NodeSelection {
  node?: string;
  rack?: string;
  dc?: string;
}

export type NodeAction = 'stop' | 'kill' | 'start';

/** What the buttons do; the real ones are the launcher's (`sibyl cluster stop|kill|start|network`). */
export interface DashboardActions {
  run(action: NodeAction, sel: NodeSelection): Promise<string>;
  setLatency(latency: { rackMs?: number; dcMs?: number }): Promise<string>;
}

export interface DashboardDeps {
  clusterName: string;
  /** The nodes to poll, read again at every poll (the launcher's manifest changes as nodes start and stop). */
  targets(): NodeTarget[];
  /** One node's admin API: status, hints and metrics, whatever of them answered. */
  poll(target: NodeTarget): Promise<NodePoll>;
  /** The latency the launcher injects, as last set. */
  network(): { rackMs: number; dcMs: number };
  actions?: DashboardActions;
  nowMs(): number;
  /** Runs `f` every `ms` until the returned stop() is called. */
  every(ms: number, f: () => void): { stop(): void };
}

const MAX_BODY_BYTES = 16 * 1024;

export class Dashboard {
  private readonly aggregator: DashboardAggregator;
  private readonly subscribers = new Set<ServerResponse>();
  private latest: DashboardState | undefined;
  private polling: Promise<DashboardState> | undefined;
  private ticker: { stop(): void } | undefined;
  /** Actions run one at a time: each reads and rewrites the launcher's manifest. */
  private actionQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: DashboardDeps) {
    this.aggregator = new DashboardAggregator(deps.clusterName);
  }

  /** Polls every node once and sends the new state to every subscriber; a poll still running is shared. */
  pollOnce(): Promise<DashboardState> {
    this.polling ??= (async () => {
      try {
        const targets = this.deps.targets();
        const polls = await Promise.all(targets.map((t) => this.deps.poll(t).catch((e: unknown): NodePoll => ({ address: t.address, error: String(e) }))));
        const state = this.aggregator.update(targets, polls, this.deps.nowMs(), { network: this.deps.network(), controls: this.deps.actions !== undefined });
        this.latest = state;
        this.broadcast('state', state);
        return state;
      } finally {
        this.polling = undefined;
      }
    })();
    return this.polling;
  }

  start(intervalMs: number): void {
    this.ticker ??= this.deps.every(intervalMs, () => void this.pollOnce());
  }

  stop(): void {
    this.ticker?.stop();
    this.ticker = undefined;
    for (const res of this.subscribers) res.end();
    this.subscribers.clear();
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  private broadcast(event: string, data: unknown): void {
    const frame = sseFrame(event, data);
    for (const res of this.subscribers) res.write(frame);
  }

  /** The HTTP handler: GET /, /api/state, /api/events; POST /api/action, /api/network. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    const fail = (e: unknown): void => sendJson(res, e instanceof HttpError ? e.status : 500, { error: e instanceof Error ? e.message : String(e) });
    switch (route) {
      case 'GET /':
      case 'GET /index.html':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(DASHBOARD_PAGE);
        return;
      case 'GET /favicon.ico':
        res.writeHead(204);
        res.end();
        return;
      case 'GET /api/state':
        (this.latest ? Promise.resolve(this.latest) : this.pollOnce()).then((s) => sendJson(res, 200, s), fail);
        return;
      case 'GET /api/events':
        this.subscribe(req, res);
        return;
      case 'POST /api/action':
      case 'POST /api/network':
        this.mutation(req, url.pathname).then((message) => sendJson(res, 200, { ok: true, message }), fail);
        return;
      default:
        sendJson(res, 404, { error: `no such page: ${url.pathname}` });
    }
  }

  private subscribe(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    // The browser reconnects on its own after a drop; 2 s is soon enough and does not hammer a restarting server.
    res.write('retry: 2000\n\n');
    if (this.latest) res.write(sseFrame('state', this.latest));
    this.subscribers.add(res);
    req.on('close', () => this.subscribers.delete(res));
  }

  private async mutation(req: IncomingMessage, path: string): Promise<string> {
    const actions = this.deps.actions;
    if (actions === undefined) throw new HttpError(409, 'this dashboard has no launcher cluster to control (start it with --dir CLUSTER)');
    checkSameOrigin(req);
    const body = await readJsonBody(req);
    const run = path === '/api/action' ? parseAction(body) : parseLatency(body);
    const result = this.actionQueue.then(() => ('action' in run ? actions.run(run.action, run.sel) : actions.setLatency(run.latency)));
    this.actionQueue = result.catch(() => undefined);
    const message = await result;
    this.broadcast('log', { timeMs: this.deps.nowMs(), message });
    // Show the effect at once rather than at the next tick.
    void this.pollOnce();
    return message;
  }
}

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/**
 * The buttons kill processes: a page of another site open in the same browser must not be able to press them. A JSON
 * content type cannot be sent cross-origin without a CORS preflight (which this server never answers), and an Origin
 * header, when the browser sends one, must be this server's own.
 */
function checkSameOrigin(req: IncomingMessage): void {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new HttpError(415, 'expected an application/json body');
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`) throw new HttpError(403, `refused a request from another origin (${origin})`);
}

function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, 'request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new HttpError(400, 'the body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

const optionalString = (o: Record<string, unknown>, k: string): string | undefined => {
  const v = o[k];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new HttpError(400, `${k} must be a string`);
  return v;
};

export function parseAction(body: unknown): { action: NodeAction; sel: NodeSelection } {
  if (typeof body !== 'object' || body === null) throw new HttpError(400, 'expected {"action": …}');
  const o = body as Record<string, unknown>;
  const action = o['action'];
  if (action !== 'stop' && action !== 'kill' && action !== 'start') throw new HttpError(400, 'action must be stop, kill or start');
  const sel: NodeSelection = {};
  for (const k of ['node', 'rack', 'dc'] as const) {
    const v = optionalString(o, k);
    if (v !== undefined) sel[k] = v;
  }
  if (sel.node === undefined && sel.dc === undefined) throw new HttpError(400, 'choose a node, a rack (with its dc) or a dc');
  return { action, sel };
}

export function parseLatency(body: unknown): { latency: { rackMs?: number; dcMs?: number } } {
  if (typeof body !== 'object' || body === null) throw new HttpError(400, 'expected {"rackMs": …, "dcMs": …}');
  const o = body as Record<string, unknown>;
  const latency: { rackMs?: number; dcMs?: number } = {};
  for (const k of ['rackMs', 'dcMs'] as const) {
    const v = o[k];
    if (v === undefined || v === null || v === '') continue;
    const n = typeof v === 'string' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 10_000) throw new HttpError(400, `${k} must be a whole number of ms between 0 and 10000`);
    latency[k] = n;
  }
  if (latency.rackMs === undefined && latency.dcMs === undefined) throw new HttpError(400, 'give rackMs, dcMs or both');
  return { latency };
}
