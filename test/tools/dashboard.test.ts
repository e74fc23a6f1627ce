// The dashboard's server without node processes: metrics parsing and quantiles, the ring, state aggregation across
// polls, and the HTTP side (page, state, server-sent events, actions and their guards) on an in-process server at
// 127.0.0.1 with fake fetchers and actions.
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { after, describe, test } from 'node:test';
import type { NodeReport, StatusReport } from '../../src/server/admin-types.ts';
import { ClientRequestMetrics } from '../../src/server/request-metrics.ts';
import { countersFromMetrics, localReadShare, quantileBetween, ratePerSecond } from '../../src/tools/dashboard/metrics.ts';
import { Dashboard, type DashboardActions, type NodeAction, type NodeSelection } from '../../src/tools/dashboard/server.ts';
import { DashboardAggregator, ringArcs, type NodePoll, type NodeTarget } from '../../src/tools/dashboard/state.ts';

const TARGETS: NodeTarget[] = [
  { name: 'node1', address: '10.0.0.1', adminPort: 7199, dataCenter: 'dc1', rack: 'r1' },
  { name: 'node2', address: '10.0.0.2', adminPort: 7199, dataCenter: 'dc1', rack: 'r1' },
  { name: 'node3', address: '10.0.0.3', adminPort: 7199, dataCenter: 'dc1', rack: 'r2' },
];
const TOKENS: Record<string, string[]> = { '10.0.0.1': ['-6000000000000000000'], '10.0.0.2': ['0'], '10.0.0.3': ['6000000000000000000'] };

function report(states: Record<string, NodeReport['state']>): StatusReport {
  return {
    clusterName: 'c', partitioner: 'Murmur3',
    nodes: TARGETS.map((t) => ({ address: t.address, hostId: t.name, dataCenter: t.dataCenter, rack: t.rack, state: states[t.address] ?? 'UN', tokens: TOKENS[t.address]!, ownsRaw: 1 / 3, loadBytes: 1000 })),
  };
}

function metricsText(requests: number, latencies: number[], reads?: { local_rack: number; remote_rack: number; remote_dc: number }): string {
  const m = new ClientRequestMetrics();
  for (let i = 0; i < requests; i++) m.record(latencies[i % latencies.length]!);
  const extra = reads ? Object.entries(reads).map(([k, v]) => `sibyl_replica_reads_total{origin="${k}"} ${v}`).join('\n') : '';
  return `# HELP x\nsibyl_load_bytes 5\n${m.exposition()}${extra}\n`;
}

describe('metrics', () => {
  test('requests, latency buckets and replica reads are read from the exposition text', () => {
    const c = countersFromMetrics(metricsText(10, [0.4], { local_rack: 8, remote_rack: 2, remote_dc: 0 }));
    assert.equal(c.requests, 10);
    assert.deepEqual(c.latencyBuckets?.at(-1), [Infinity, 10]);
    assert.deepEqual(c.replicaReads, { local_rack: 8, remote_rack: 2, remote_dc: 0 });
    assert.deepEqual(countersFromMetrics('sibyl_load_bytes 3\n'), {});
  });

  test('the p99 between two scrapes comes from the bucket deltas only', () => {
    const before = countersFromMetrics(metricsText(1000, [50])).latencyBuckets!;
    // 100 more requests, 98 fast and 2 slow: the interval's p99 is in the 5–7.5 ms bucket, whatever came before.
    const m = new ClientRequestMetrics();
    for (let i = 0; i < 1000; i++) m.record(50);
    for (let i = 0; i < 98; i++) m.record(0.8);
    m.record(6);
    m.record(6);
    const after = countersFromMetrics(m.exposition()).latencyBuckets!;
    const p99 = quantileBetween(before, after, 0.99)!;
    assert.ok(p99 > 5 && p99 <= 7.5, `p99 ${p99}`);
    const p50 = quantileBetween(before, after, 0.5)!;
    assert.ok(p50 > 0.75 && p50 <= 1, `p50 ${p50}`);
    assert.equal(quantileBetween(after, after, 0.99), undefined, 'nothing observed in between');
    assert.equal(quantileBetween(after, before, 0.99), undefined, 'counts went down: a restart');
  });

  test('rates and the local-read share', () => {
    assert.equal(ratePerSecond(100, 600, 500), 1000);
    assert.equal(ratePerSecond(600, 100, 500), undefined);
    assert.equal(ratePerSecond(undefined, 100, 500), undefined);
    assert.equal(localReadShare({ local_rack: 10, remote_rack: 0, remote_dc: 0 }, { local_rack: 40, remote_rack: 10, remote_dc: 0 }), 0.75);
    assert.equal(localReadShare(undefined, undefined), undefined);
    // No reads in the interval: the share since start.
    assert.equal(localReadShare({ local_rack: 9, remote_rack: 1, remote_dc: 0 }, { local_rack: 9, remote_rack: 1, remote_dc: 0 }), 0.9);
  });
});

describe('state', () => {
  test('the ring: one arc per range, the first wrapping through the minimum token, covering the circle once', () => {
    const arcs = ringArcs(new Map(Object.entries(TOKENS)));
    assert.equal(arcs.length, 4);
    assert.deepEqual(arcs.map((a) => a.owner), ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.1']);
    assert.deepEqual([arcs[0]!.start, arcs.at(-1)!.end], [0, 1]);
    const covered = arcs.reduce((n, a) => n + (a.end - a.start), 0);
    assert.ok(Math.abs(covered - 1) < 1e-5, `covered ${covered}`);
    assert.equal(arcs[1]!.end, 0.5, 'token 0 is half way round');
    assert.deepEqual(ringArcs(new Map()), []);
  });

  test('with every node down, the ring comes from the tokens the launcher recorded', () => {
    const targets = TARGETS.map((t) => ({ ...t, running: false, tokens: TOKENS[t.address]! }));
    const s = new DashboardAggregator('c').update(targets, targets.map((t) => ({ address: t.address, error: 'not running' })), 1, { network: { rackMs: 0, dcMs: 0 }, controls: true });
    assert.equal(s.ring.length, 4);
    assert.deepEqual(s.nodes.map((n) => [n.state, n.running]), [['DN', false], ['DN', false], ['DN', false]]);
  });

  test('two polls give rates, p99, hints and local reads; a node that does not answer is DN with its peers view', () => {
    const agg = new DashboardAggregator('c');
    const extra = { network: { rackMs: 1, dcMs: 0 }, controls: true };
    const poll = (requests: number, reads: number): NodePoll[] => [
      { address: '10.0.0.1', status: report({}), hints: [], metrics: metricsText(requests, [0.4], { local_rack: reads, remote_rack: 0, remote_dc: 0 }) },
      { address: '10.0.0.2', status: report({ '10.0.0.3': 'DN' }), hints: [{ hostId: 'node3', address: '10.0.0.3', rack: 'r2', dc: 'dc1', status: 'DOWN', totalFiles: 1, hints: 7, sizeBytes: 70, newest: 0, oldest: 0 }], metrics: 'sibyl_load_bytes 1\n' },
      { address: '10.0.0.3', error: 'ECONNREFUSED' },
    ];
    const first = agg.update(TARGETS, poll(100, 10), 1_000, extra);
    assert.equal(first.nodes[0]!.requestsPerSec, undefined, 'no rate from a single poll');
    const s = agg.update(TARGETS, poll(600, 30), 2_000, extra);
    const [n1, n2, n3] = s.nodes;
    assert.equal(n1!.state, 'UN');
    assert.equal(n1!.requestsPerSec, 500);
    assert.ok(n1!.p99Ms !== undefined && n1!.p99Ms > 0.25 && n1!.p99Ms <= 0.5, `p99 ${n1!.p99Ms}`);
    assert.equal(n1!.localReadShare, 1);
    assert.equal(n1!.hintsPending, 0);
    assert.equal(n2!.hintsPending, 7);
    assert.equal(n2!.requestsPerSec, undefined, 'a node without the request counter shows none');
    assert.equal(n2!.localReadShare, undefined);
    assert.equal(n3!.state, 'DN');
    assert.equal(n3!.reachable, false);
    assert.deepEqual([n3!.seenUpBy, n3!.seenBy], [1, 2]);
    assert.equal(n3!.loadBytes, 1000, 'load from a peer while the node is down');
    assert.deepEqual(s.datacenters, [{ name: 'dc1', racks: [{ name: 'r1', nodes: ['10.0.0.1', '10.0.0.2'] }, { name: 'r2', nodes: ['10.0.0.3'] }] }]);
    assert.equal(s.ring.length, 4, 'the down node keeps its range');
    assert.equal(s.latency.length, 2);
    assert.ok(s.latency[1]!.p99Ms !== undefined && s.latency[1]!.requestsPerSec === 500);
  });
});

interface Served {
  dashboard: Dashboard;
  base: string;
  actions: Array<{ action: string; sel: NodeSelection | { rackMs?: number; dcMs?: number } }>;
  pollCount: () => number;
}

const servers: Server[] = [];
after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

async function serve(withActions = true): Promise<Served> {
  const actions: Served['actions'] = [];
  let polls = 0;
  let now = 10_000;
  const fake: DashboardActions = {
    run: async (action: NodeAction, sel: NodeSelection) => (actions.push({ action, sel }), `${action} done`),
    setLatency: async (l) => (actions.push({ action: 'latency', sel: l }), 'latency set'),
  };
  const dashboard = new Dashboard({
    clusterName: 'c',
    targets: () => TARGETS,
    poll: async (t) => (polls++, t.address === '10.0.0.3' ? Promise.reject(new Error('refused')) : { address: t.address, status: report({}) }),
    network: () => ({ rackMs: 0, dcMs: 0 }),
    ...(withActions ? { actions: fake } : {}),
    nowMs: () => (now += 1000),
    every: () => ({ stop() {} }),
  });
  const server = createServer((req, res) => dashboard.handle(req, res));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  return { dashboard, base: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, actions, pollCount: () => polls };
}

function call(url: string, opts: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; text: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, type: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Reads server-sent event frames until `count` of the named event have arrived (bounded by a timeout). */
function readEvents(url: string, event: string, count: number, onOpen: () => void): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const got: unknown[] = [];
    const timer = setTimeout(() => reject(new Error(`only ${got.length} ${event} events within 5 s`)), 5000);
    const req = request(url, (res) => {
      assert.match(String(res.headers['content-type']), /text\/event-stream/);
      let buf = '';
      res.on('data', (c: Buffer) => {
        buf += c.toString('utf8');
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const name = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (name === event && data !== undefined) got.push(JSON.parse(data));
          if (got.length === count) {
            clearTimeout(timer);
            req.destroy();
            resolve(got);
            return;
          }
        }
      });
      onOpen();
    });
    req.on('error', (e) => (got.length < count ? reject(e) : undefined));
    req.end();
  });
}

describe('server', () => {
  test('serves the page and the state as JSON', async () => {
    const s = await serve();
    const page = await call(`${s.base}/`);
    assert.equal(page.status, 200);
    assert.match(page.type, /text\/html/);
    assert.match(page.text, /EventSource\('\/api\/events'\)/);
    assert.doesNotMatch(page.text, /https?:\/\/(?!127\.0\.0\.1)[a-z]/i, 'nothing fetched from elsewhere');
    const state = JSON.parse((await call(`${s.base}/api/state`)).text) as { nodes: Array<{ state: string }>; controls: boolean };
    assert.deepEqual(state.nodes.map((n) => n.state), ['UN', 'UN', 'DN']);
    assert.equal(state.controls, true);
    assert.equal((await call(`${s.base}/nope`)).status, 404);
  });

  test('server-sent events: the latest state on connecting, then one per poll', async () => {
    const s = await serve();
    await s.dashboard.pollOnce();
    const events = await readEvents(`${s.base}/api/events`, 'state', 3, () => {
      // The subscriber is registered once the headers are out; poll twice more.
      void s.dashboard.pollOnce().then(() => s.dashboard.pollOnce());
    });
    const times = events.map((e) => (e as { updatedAtMs: number }).updatedAtMs);
    assert.ok(times[0]! < times[1]! && times[1]! < times[2]!, `times ${times.join(', ')}`);
    assert.equal(s.dashboard.subscriberCount <= 1, true);
  });

  test('actions run through the injected launcher, one at a time, and are guarded', async () => {
    const s = await serve();
    const json = { 'content-type': 'application/json' };
    const kill = await call(`${s.base}/api/action`, { method: 'POST', headers: json, body: JSON.stringify({ action: 'kill', node: '10.0.0.2' }) });
    assert.equal(kill.status, 200, kill.text);
    assert.deepEqual(JSON.parse(kill.text), { ok: true, message: 'kill done' });
    const rack = await call(`${s.base}/api/action`, { method: 'POST', headers: json, body: JSON.stringify({ action: 'start', dc: 'dc1', rack: 'r1' }) });
    assert.equal(rack.status, 200);
    const lat = await call(`${s.base}/api/network`, { method: 'POST', headers: json, body: JSON.stringify({ rackMs: '2', dcMs: 40 }) });
    assert.equal(lat.status, 200);
    assert.deepEqual(s.actions, [
      { action: 'kill', sel: { node: '10.0.0.2' } },
      { action: 'start', sel: { dc: 'dc1', rack: 'r1' } },
      { action: 'latency', sel: { rackMs: 2, dcMs: 40 } },
    ]);
    const bad = async (body: string, headers: Record<string, string> = json): Promise<number> => (await call(`${s.base}/api/action`, { method: 'POST', headers, body })).status;
    assert.equal(await bad(JSON.stringify({ action: 'explode', node: 'x' })), 400);
    assert.equal(await bad(JSON.stringify({ action: 'kill' })), 400, 'no selection');
    assert.equal(await bad('{'), 400);
    assert.equal(await bad(JSON.stringify({ action: 'kill', node: 'x' }), { 'content-type': 'text/plain' }), 415, 'a form post from another site');
    assert.equal(await bad(JSON.stringify({ action: 'kill', node: 'x' }), { ...json, origin: 'http://evil.example' }), 403);
    const negative = await call(`${s.base}/api/network`, { method: 'POST', headers: json, body: JSON.stringify({ rackMs: -1 }) });
    assert.equal(negative.status, 400);
    assert.equal(s.actions.length, 3, 'refused requests did nothing');
  });

  test('without a launcher cluster the buttons are refused', async () => {
    const s = await serve(false);
    const r = await call(`${s.base}/api/action`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'kill', node: '10.0.0.1' }) });
    assert.equal(r.status, 409);
    assert.equal((JSON.parse((await call(`${s.base}/api/state`)).text) as { controls: boolean }).controls, false);
  });
});
