// `sibyl reference …` without Java: argument checks, and status/down/nodetool when nothing was started. The real
// start-up is exercised by `npm run test:oracle`, which needs Java 17 and Maven.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { nodeAddresses } from '../../src/tools/reference/launch.ts';
import { cassandraYaml } from '../../src/tools/reference/config.ts';

const cache = mkdtempSync(join(tmpdir(), 'sibyl-reference-'));
const env = { SIBYL_REFERENCE_CACHE: cache };
after(() => rmSync(cache, { recursive: true, force: true }));

test('--nodes takes 1 or 3 and --heap-mb at most 1024', async () => {
  const two = await runCli(['reference', 'up', '--nodes', '2'], { env });
  assert.notEqual(two.code, 0);
  assert.match(two.stderr, /--nodes must be 1 or 3/);
  const heap = await runCli(['reference', 'up', '--heap-mb', '2048'], { env });
  assert.notEqual(heap.code, 0);
  assert.match(heap.stderr, /--heap-mb must be ≤ 1024/);
});

test('status, down and nodetool with nothing started', async () => {
  const status = await runCli(['reference', 'status'], { env });
  assert.equal(status.code, 1);
  assert.match(status.stdout, /no reference Cassandra started/);
  const down = await runCli(['reference', 'down'], { env });
  assert.equal(down.code, 0);
  assert.match(down.stdout, /0 reference node\(s\) stopped/);
  const nt = await runCli(['reference', 'nodetool', 'status'], { env });
  assert.notEqual(nt.code, 0);
  assert.match(nt.stderr, /no reference node running/);
});

test('node addresses count up from the base; the yaml seeds the first node', () => {
  assert.deepEqual(nodeAddresses('127.0.99.1', 3), ['127.0.99.1', '127.0.99.2', '127.0.99.3']);
  assert.throws(() => nodeAddresses('127.0.99.254', 3), /bad base address/);
  const yaml = cassandraYaml({ index: 1, address: '127.0.99.2', seed: '127.0.99.1', nativePort: 9042, storagePort: 7000,
    jmxPort: 7300, dir: '/tmp/x', heapMb: 512 });
  assert.equal(yaml['num_tokens'], 16);
  assert.equal(yaml['listen_address'], '127.0.99.2');
  assert.deepEqual(yaml['seed_provider'], [{ class_name: 'org.apache.cassandra.locator.SimpleSeedProvider', parameters: [{ seeds: '127.0.99.1:7000' }] }]);
});
