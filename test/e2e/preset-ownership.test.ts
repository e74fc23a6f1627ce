// Balanced tokens on live processes: the 8-node azure-single-region preset (127.1.2.4-11, 4 racks), whose tokens the
// launcher allocates with Cassandra 4's replication-aware allocator, gives every node an effective ownership (nodetool
// status KEYSPACE, NetworkTopologyStrategy WESTUS 3) within ±10% of the mean (37.5%); random tokens give 17%-34%.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../helpers/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'sibyl-preset-ownership-'));
const dir = join(root, 'azure-single-region');
after(async () => {
  await runCli(['cluster', 'remove', '--dir', dir], { timeoutMs: 60_000 }).catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
});

test('azure-single-region: effective ownership of every node within ±10% of the mean', { timeout: 240_000 }, async () => {
  const up = await runCli(['cluster', 'up', '--preset', 'azure-single-region', '--dir', dir, '--timeout', '150'], { timeoutMs: 200_000 });
  assert.equal(up.code, 0, up.stderr);
  const ddl = await runCli(['cqlsh', '127.1.2.4', '9042', '-e', "CREATE KEYSPACE owned WITH replication = {'class': 'NetworkTopologyStrategy', 'WESTUS': 3};"]);
  assert.equal(ddl.code, 0, ddl.stderr);
  const st = await runCli(['nodetool', '-h', '127.1.2.4', 'status', 'owned']);
  assert.equal(st.code, 0, st.stderr);
  const owns = st.stdout.split('\n').filter((l) => /^UN /.test(l)).map((l) => Number(l.split(/\s+/).find((f) => f.endsWith('%'))!.slice(0, -1)));
  assert.equal(owns.length, 8, st.stdout);
  const mean = owns.reduce((a, b) => a + b, 0) / owns.length;
  assert.ok(Math.abs(mean - 37.5) < 0.1, `the mean is 3 × 100% / 8 (${mean})`);
  process.stdout.write(`# effective ownership: ${owns.map((o) => `${o}%`).join(' ')} (mean ${mean.toFixed(2)}%)\n`);
  for (const o of owns) assert.ok(Math.abs(o - mean) <= mean * 0.1, `${o}% is outside ±10% of ${mean}%:\n${st.stdout}`);
});
