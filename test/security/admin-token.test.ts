// The admin API token: a node with admin_token_file (127.0.56.60) refuses every mutation without the token (401,
// nothing done) and serves reads; nodetool sends the token; the launcher creates it with mode 0600 and names it in
// every node's cassandra.yaml; a token file others can read stops the node at start.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createAdminTokenFile } from '../../src/server/admin-token.ts';
import { loadConfig } from '../../src/server/config.ts';
import { prepareCluster } from '../../src/tools/cluster/launch.ts';
import { countTopology } from '../../src/tools/cluster/topology.ts';
import { startNodeProcess } from '../helpers/node-process.ts';
import { runCli } from '../helpers/cli.ts';
import { nodeConfig } from '../fixtures/driver.ts';

const NODE = '127.0.56.60';
const dir = mkdtempSync(join(tmpdir(), 'sibyl-admin-token-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function post(path: string, token?: string): Promise<number> {
  const res = await fetch(`http://${NODE}:7199${path}`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });
  await res.text();
  return res.status;
}

test('the launcher writes a 0600 token and names it in every node\'s yaml', () => {
  const { manifest } = prepareCluster(join(dir, 'cluster'), countTopology('2', { baseAddress: '127.0.56.61' }));
  const file = join(manifest.dir, 'admin-token');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.match(readFileSync(file, 'utf8'), /^[0-9a-f]{64}\n$/);
  for (const n of manifest.nodes) assert.equal(loadConfig(n.configPath).adminTokenFile, file);
});

test('mutations need the token; reads do not; nodetool sends it', { timeout: 90_000 }, async () => {
  const tokenFile = join(dir, 'token');
  const token = createAdminTokenFile(tokenFile);
  const node = await startNodeProcess({ address: NODE, logLevel: 'warn', config: nodeConfig({ adminTokenFile: tokenFile }) });
  assert.equal(await post('/flush'), 401);
  assert.equal(await post('/drain', 'f'.repeat(64)), 401, 'a wrong token is refused');
  assert.equal((await fetch(`http://${NODE}:7199/status`)).status, 200, 'reads stay open');
  assert.equal(await post('/flush', token), 200);
  const metrics = await (await fetch(`http://${NODE}:7199/metrics`)).text();
  assert.match(metrics, /sibyl_refused_total\{transport="admin",reason="no-token"\} 2/);
  const refused = await runCli(['nodetool', '-h', NODE, 'flush'], { env: { SIBYL_ADMIN_TOKEN: '' } });
  assert.notEqual(refused.code, 0, 'nodetool without the token fails');
  const ok = await runCli(['nodetool', '-h', NODE, 'flush'], { env: { SIBYL_ADMIN_TOKEN_FILE: tokenFile } });
  assert.equal(ok.code, 0, ok.stderr);
  const status = await runCli(['nodetool', '-h', NODE, 'status']);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /UN\s+127\.0\.56\.60/);

  // A token others can read is refused at start.
  assert.equal(await node.stop(), 0);
  chmodSync(tokenFile, 0o644);
  await assert.rejects(node.start(), /exited with code/);
  assert.match(node.stderr, /must be readable by its owner only/);
});
