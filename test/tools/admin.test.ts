// The admin API (server/admin.ts) with a fake AdminSource, and the nodetool CLI against it. Loopback 127.0.13.200.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { AdminRequestError, startAdminServer, type AdminServer } from '../../src/server/admin.ts';
import type { AdminSource, InfoReport, NodeReport, StatusReport } from '../../src/server/admin-types.ts';
import { runCli } from '../helpers/cli.ts';

const HOST = '127.0.13.200';

const node: NodeReport = {
  address: '127.0.13.1', hostId: '11111111-2222-4333-8444-555555555555', dataCenter: 'dc1', rack: 'r1', state: 'UN',
  loadBytes: 56617, tokens: ['-5', '7'], ownsRaw: 1,
};

function fakeSource(): AdminSource & { calls: string[]; network: unknown } {
  const calls: string[] = [];
  const src = {
    calls,
    network: { rules: [] } as unknown,
    status(keyspace?: string): StatusReport {
      calls.push(`status:${keyspace ?? ''}`);
      if (keyspace === 'missing') throw new AdminRequestError('The keyspace missing, does not exist', 404);
      return { clusterName: 'Fake', partitioner: 'M3', ...(keyspace ? { keyspace } : {}), nodes: [{ ...node, ...(keyspace ? { ownsEffective: 1 } : {}) }] };
    },
    info(): InfoReport {
      return { hostId: node.hostId, address: node.address, gossipActive: true, nativeTransportActive: true, loadBytes: 1024, generation: 7, uptimeSeconds: 3, heapUsedMb: 1, heapTotalMb: 2, dataCenter: 'dc1', rack: 'r1', tokens: ['-5'] };
    },
    ring: () => [{ address: node.address, dataCenter: 'dc1', rack: 'r1', state: 'UN' as const, loadBytes: 1, ownsRaw: 1, token: '-5' }],
    describeCluster: () => ({ name: 'Fake', snitch: 'SimpleSnitch', dynamicEndpointSnitch: false, partitioner: 'M3', schemaVersions: { v1: [node.address] } }),
    getEndpoints(ks: string, table: string, key: string): string[] {
      calls.push(`endpoints:${ks}.${table}:${key}`);
      return ['127.0.13.1', '127.0.13.2'];
    },
    async flush(): Promise<void> {
      calls.push('flush');
    },
    async drain(): Promise<void> {
      calls.push('drain');
    },
    getNetwork: (): unknown => src.network,
    setNetwork(cfg: unknown): void {
      if (typeof cfg !== 'object' || cfg === null || !Array.isArray((cfg as { rules?: unknown }).rules)) throw new Error('rules must be a list');
      src.network = cfg;
    },
    metrics: async (): Promise<string> => {
      throw new Error('boom');
    },
    pendingHints: () => [],
    async rebuildIndex(keyspace: string, table: string, indexes: string[]): Promise<void> {
      calls.push(`rebuild ${keyspace}.${table} ${indexes.join(',')}`);
    },
  };
  return src;
}

function http(port: number, method: string, path: string, body?: string): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: HOST, port, method, path, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('admin API', () => {
  const src = fakeSource();
  let server: AdminServer;
  before(async () => {
    server = await startAdminServer(src, HOST, 0);
  });
  after(async () => {
    await server.close();
  });

  test('GET reports as JSON, keyspace passed through', async () => {
    const r = await http(server.port, 'GET', '/status?keyspace=ks1');
    assert.equal(r.status, 200);
    assert.match(r.type, /application\/json/);
    const s = JSON.parse(r.text) as StatusReport;
    assert.equal(s.keyspace, 'ks1');
    assert.equal(s.nodes[0]!.ownsEffective, 1);
    assert.equal(JSON.parse((await http(server.port, 'GET', '/status')).text).keyspace, undefined);
    for (const p of ['/info', '/ring', '/describecluster']) assert.equal((await http(server.port, 'GET', p)).status, 200, p);
  });

  test('endpoints needs keyspace, table and key', async () => {
    const r = await http(server.port, 'GET', '/endpoints?keyspace=ks&table=t&key=a%3Ab');
    assert.deepEqual(JSON.parse(r.text), ['127.0.13.1', '127.0.13.2']);
    assert.ok(src.calls.includes('endpoints:ks.t:a:b'));
    const bad = await http(server.port, 'GET', '/endpoints?keyspace=ks&table=t');
    assert.equal(bad.status, 400);
    assert.deepEqual(JSON.parse(bad.text), { error: 'missing query parameter "key"' });
  });

  test('POST flush and drain', async () => {
    assert.deepEqual(JSON.parse((await http(server.port, 'POST', '/flush')).text), { ok: true });
    assert.deepEqual(JSON.parse((await http(server.port, 'POST', '/drain')).text), { ok: true });
    assert.ok(src.calls.includes('flush') && src.calls.includes('drain'));
    assert.deepEqual(JSON.parse((await http(server.port, 'POST', '/rebuildindex?keyspace=ks&table=t&indexes=a,b')).text), { ok: true });
    assert.ok(src.calls.includes('rebuild ks.t a,b'));
    assert.equal((await http(server.port, 'GET', '/flush')).status, 405);
  });

  test('network: GET, PUT, 400 on invalid JSON or an invalid model', async () => {
    const ok = await http(server.port, 'PUT', '/network', JSON.stringify({ rules: [{ latencyMs: 5 }] }));
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse((await http(server.port, 'GET', '/network')).text), { rules: [{ latencyMs: 5 }] });
    const notJson = await http(server.port, 'PUT', '/network', '{oops');
    assert.equal(notJson.status, 400);
    assert.match(JSON.parse(notJson.text).error, /^invalid JSON body/);
    const invalid = await http(server.port, 'PUT', '/network', '{"rules": 3}');
    assert.equal(invalid.status, 400);
    assert.deepEqual(JSON.parse(invalid.text), { error: 'rules must be a list' });
  });

  test('errors: the source status code, 500 otherwise, 404 for unknown paths', async () => {
    const missing = await http(server.port, 'GET', '/status?keyspace=missing');
    assert.equal(missing.status, 404);
    assert.deepEqual(JSON.parse(missing.text), { error: 'The keyspace missing, does not exist' });
    const boom = await http(server.port, 'GET', '/metrics');
    assert.equal(boom.status, 500);
    assert.deepEqual(JSON.parse(boom.text), { error: 'boom' });
    assert.equal((await http(server.port, 'GET', '/nope')).status, 404);
  });

  test('metrics are Prometheus text', async () => {
    const s2 = await startAdminServer({ ...fakeSource(), metrics: async () => '# HELP x y\nx 1\n' }, HOST, 0);
    try {
      const r = await http(s2.port, 'GET', '/metrics');
      assert.equal(r.status, 200);
      assert.match(r.type, /^text\/plain; version=0\.0\.4/);
      assert.equal(r.text, '# HELP x y\nx 1\n');
    } finally {
      await s2.close();
    }
  });

  test('nodetool prints Cassandra formats from the API', async () => {
    const p = String(server.port);
    const status = await runCli(['nodetool', '-h', HOST, '-p', p, 'status', 'ks1']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^Datacenter: dc1\n=+\nStatus=Up\/Down\n/);
    assert.match(status.stdout, /\nUN  127\.0\.13\.1  55\.29 KiB  2       100\.0%  +11111111-2222-4333-8444-555555555555  r1  \n/);
    // Options after the subcommand work too, as with Cassandra's nodetool.
    const ep = await runCli(['nodetool', 'getendpoints', 'ks', 't', '42', '-h', HOST, '-p', p]);
    assert.equal(ep.stdout, '127.0.13.1\n127.0.13.2\n');
    const missing = await runCli(['nodetool', '-h', HOST, '-p', p, 'status', 'missing']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, '\nError: The keyspace missing, does not exist\n');
    const info = await runCli(['nodetool', '-h', HOST, '-p', p, 'info']);
    assert.match(info.stdout, /^ID {21}: 11111111-/);
    assert.match(info.stdout, /\nToken {18}: -5\n$/);
    const flush = await runCli(['nodetool', '-h', HOST, '-p', p, 'flush']);
    assert.equal(flush.code, 0);
    assert.equal(flush.stdout, '');
  });

  test('nodetool on a port nobody listens on: Cassandra’s message, exit 1', async () => {
    const r = await runCli(['nodetool', '-h', '127.0.13.201', 'status']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "nodetool: Failed to connect to '127.0.13.201:7199' - ConnectException: 'Connection refused'.\n");
  });
});
