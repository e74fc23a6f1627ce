// The cluster lifecycle settings of cassandra.yaml: stream_throughput_outbound (Cassandra 5.0's name and data-rate
// unit, and the pre-4.1 megabits key) and auto_bootstrap (Cassandra's default true; false in the configs Sibyl
// writes unless asked), and when a node bootstraps. No processes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigLoadError, defaultConfig, loadConfig, writeConfigFiles } from '../../src/server/config.ts';
import { shouldBootstrap } from '../../src/server/node.ts';
import { repairQuery, formatNetstats } from '../../src/tools/nodetool-lifecycle.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function load(yaml: string): ReturnType<typeof loadConfig> {
  const dir = mkdtempSync(join(tmpdir(), 'sibyl-config-lc-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'cassandra.yaml'), yaml);
  return loadConfig(join(dir, 'cassandra.yaml'));
}

test('stream_throughput_outbound: 24MiB/s by default, B/s KiB/s MiB/s, the megabits key, 0 unthrottled', () => {
  assert.equal(load('cluster_name: x\n').streamThroughputOutboundBytesPerSec, 24 * 1024 * 1024);
  assert.equal(load('stream_throughput_outbound: 10MiB/s\n').streamThroughputOutboundBytesPerSec, 10 * 1024 * 1024);
  assert.equal(load('stream_throughput_outbound: 512KiB/s\n').streamThroughputOutboundBytesPerSec, 512 * 1024);
  assert.equal(load('stream_throughput_outbound: 1000B/s\n').streamThroughputOutboundBytesPerSec, 1000);
  assert.equal(load('stream_throughput_outbound: 0MiB/s\n').streamThroughputOutboundBytesPerSec, 0);
  assert.equal(load('stream_throughput_outbound_megabits_per_sec: 200\n').streamThroughputOutboundBytesPerSec, 25_000_000);
  assert.throws(() => load('stream_throughput_outbound: 10MB\n'), (e: unknown) => e instanceof ConfigLoadError && e.key === 'stream_throughput_outbound');
  assert.throws(() => load('stream_throughput_outbound: 1MiB/s\nstream_throughput_outbound_megabits_per_sec: 8\n'), ConfigLoadError);
});

test('auto_bootstrap: true when absent (Cassandra), false in written configs unless set; who bootstraps', () => {
  assert.equal(load('cluster_name: x\n').autoBootstrap, true);
  assert.equal(load('auto_bootstrap: false\n').autoBootstrap, false);
  const dir = mkdtempSync(join(tmpdir(), 'sibyl-config-lc-'));
  dirs.push(dir);
  assert.equal(loadConfig(writeConfigFiles(join(dir, 'a'), { listenAddress: '127.0.9.50' })).autoBootstrap, false);
  const yes = loadConfig(writeConfigFiles(join(dir, 'b'), { listenAddress: '127.0.9.51', autoBootstrap: true, seeds: ['127.0.9.50'], streamThroughputOutboundBytesPerSec: 4096 }));
  assert.equal(yes.autoBootstrap, true);
  assert.equal(yes.streamThroughputOutboundBytesPerSec, 4096, 'written and read back');
  assert.equal(shouldBootstrap(yes), true);
  assert.equal(shouldBootstrap({ ...yes, seeds: ['127.0.9.51'] }), false, 'a seed does not bootstrap');
  assert.equal(shouldBootstrap({ ...yes, initialTokens: [1n] }), false, 'initial_token: no bootstrap');
  assert.equal(shouldBootstrap(defaultConfig({ listenAddress: '127.0.9.52', seeds: ['127.0.9.50'] })), false);
});

test("nodetool repair's arguments and netstats' shape", () => {
  const { q, host, port } = repairQuery(['ks', 't1', 't2', '-pr', '-full', '-dc', 'dc1', '-st', '-5', '-et', '10', '-h', '10.0.0.1', '-p', '7299']);
  assert.equal(q.toString(), 'pr=true&full=true&dc=dc1&st=-5&et=10&keyspace=ks&table=t1&table=t2');
  assert.deepEqual([host, port], ['10.0.0.1', '7299']);
  assert.equal(repairQuery(['-local']).q.toString(), 'local=true');
  const idle = formatNetstats({ mode: 'NORMAL', plans: [] });
  assert.equal(idle.split('\n').slice(0, 6).join('\n'), 'Mode: NORMAL\nNot sending any streams.\nRead Repair Statistics:\nAttempted: 0\nMismatch (Blocking): 0\nMismatch (Background): 0');
  assert.match(idle, /\nPool Name {16} {4}Active {3}Pending {6}Completed {3}Dropped\nLarge messages {18}n\/a {9}0 {14}0 {9}0\n/);
  const busy = formatNetstats({ mode: 'JOINING', plans: [{ planId: 'p1', operation: 'Bootstrap', sessions: [{ peer: '/127.0.0.2',
    receiving: [{ name: 'ks/t (0,10]', bytes: 100, partitions: 3, done: true }, { name: 'ks/t (10,20]', bytes: 50, partitions: 1, done: false }], sending: [] }] }] });
  assert.match(busy, /^Mode: JOINING\nBootstrap p1\n {4}\/127\.0\.0\.2\n {8}Receiving 2 files, 150 bytes total\. Already received 1 files \(50\.00%\), 100 bytes total \(66\.67%\)\n {12}ks\/t \(0,10\] 100\/100 bytes \(100%\) received from idx:0\/127\.0\.0\.2\n/);
});
