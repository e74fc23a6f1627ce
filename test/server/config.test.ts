// cassandra.yaml / cassandra-rackdc.properties loading, and the CLI around it. Node processes here use 127.0.9.x.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  ConfigLoadError,
  defaultConfig,
  ec2Location,
  loadConfig,
  parseProperties,
  writeConfigFiles,
  type NodeConfig,
} from '../../src/server/config.ts';
import { runCli } from '../helpers/cli.ts';
import { REPO_ROOT, startNodeProcess } from '../helpers/node-process.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Writes a conf dir with the given yaml (and rackdc file when given) and returns the yaml path. */
function conf(yaml: string, rackdc?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sibyl-config-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'cassandra.yaml'), yaml);
  if (rackdc !== undefined) writeFileSync(join(dir, 'cassandra-rackdc.properties'), rackdc);
  return join(dir, 'cassandra.yaml');
}

function load(yaml: string, rackdc?: string): NodeConfig {
  return loadConfig(conf(yaml, rackdc));
}

function rejects(yaml: string, key: string, message: RegExp, rackdc?: string): void {
  assert.throws(
    () => load(yaml, rackdc),
    (e: unknown) => {
      assert.ok(e instanceof ConfigLoadError, `expected ConfigLoadError, got ${String(e)}`);
      assert.equal(e.key, key);
      assert.match(e.message, message);
      return true;
    },
  );
}

const SEEDS = `seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "10.1.2.4,10.1.2.6,10.1.2.8,10.1.2.10"
`;

describe('loadConfig', () => {
  test('an empty file gives Cassandra defaults', () => {
    const path = conf('');
    const c = loadConfig(path);
    assert.equal(c.configPath, path);
    assert.equal(c.clusterName, 'Test Cluster');
    assert.equal(c.numTokens, 16);
    assert.deepEqual(c.initialTokens, []);
    assert.equal(c.listenAddress, '127.0.0.1');
    assert.equal(c.rpcAddress, '127.0.0.1');
    assert.equal(c.broadcastAddress, '127.0.0.1');
    assert.equal(c.broadcastRpcAddress, '127.0.0.1');
    assert.equal(c.nativeTransportPort, 9042);
    assert.equal(c.storagePort, 7000);
    assert.equal(c.adminPort, 7199);
    assert.deepEqual(c.seeds, ['127.0.0.1']);
    assert.equal(c.endpointSnitch, 'SimpleSnitch');
    assert.equal(c.dataCenter, 'datacenter1');
    assert.equal(c.rack, 'rack1');
    assert.equal(c.commitlogSync, 'periodic');
    assert.equal(c.commitlogSyncPeriodMs, 10_000);
    assert.equal(c.commitlogDirectory, join(path, '..', '..', 'commitlog'));
    assert.equal(c.commitlogSegmentSizeMb, 32);
    assert.equal(c.commitlogTotalSpaceMb, undefined);
    assert.equal(c.memtableHeapSpaceMb, 64);
    assert.equal(c.nativeTransportMaxFrameSizeMb, 16);
    assert.equal(c.maxHintWindowMs, 10_800_000);
    assert.equal(c.readRequestTimeoutMs, 5000);
    assert.equal(c.writeRequestTimeoutMs, 2000);
    assert.equal(c.requestTimeoutMs, 10_000);
    assert.equal(c.authenticator, 'AllowAllAuthenticator');
    assert.equal(c.dataDir, join(path, '..', '..', 'data'));
    assert.equal(c.hintsDirectory, join(path, '..', '..', 'hints'));
    assert.deepEqual(c.warnings, []);
  });

  test('every key is honoured', () => {
    const path = conf(`
cluster_name: 'CustomerService'
num_tokens: 4
initial_token: "-9223372036854775808, -3, 0, 9223372036854775807"
listen_address: 127.0.9.10
rpc_address: 127.0.9.11
broadcast_address: 10.1.2.4
broadcast_rpc_address: 10.1.2.5
native_transport_port: 19042
storage_port: 17000
admin_port: 17199
${SEEDS}endpoint_snitch: org.apache.cassandra.locator.GossipingPropertyFileSnitch
data_file_directories:
  - /var/lib/sibyl/data
commitlog_directory: /var/lib/sibyl/commitlog
saved_caches_directory: /var/lib/sibyl/saved_caches
hints_directory: hints
commitlog_sync: periodic
commitlog_sync_period_in_ms: 5000
commitlog_sync_batch_window_in_ms: 3
native_transport_max_frame_size_in_mb: 32
max_hint_window_in_ms: 60000
read_request_timeout_in_ms: 1500
write_request_timeout_in_ms: 1600
request_timeout_in_ms: 1700
authenticator: org.apache.cassandra.auth.AllowAllAuthenticator
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
`, 'dc=WESTUS\nrack=rack2\n');
    const c = loadConfig(path);
    assert.equal(c.clusterName, 'CustomerService');
    assert.equal(c.numTokens, 4);
    assert.deepEqual(c.initialTokens, [-(2n ** 63n), -3n, 0n, 2n ** 63n - 1n]);
    assert.equal(c.listenAddress, '127.0.9.10');
    assert.equal(c.rpcAddress, '127.0.9.11');
    assert.equal(c.broadcastAddress, '10.1.2.4');
    assert.equal(c.broadcastRpcAddress, '10.1.2.5');
    assert.equal(c.nativeTransportPort, 19042);
    assert.equal(c.storagePort, 17000);
    assert.equal(c.adminPort, 17199);
    assert.deepEqual(c.seeds, ['10.1.2.4', '10.1.2.6', '10.1.2.8', '10.1.2.10']);
    assert.equal(c.endpointSnitch, 'GossipingPropertyFileSnitch');
    assert.equal(c.dataCenter, 'WESTUS');
    assert.equal(c.rack, 'rack2');
    assert.equal(c.dataDir, '/var/lib/sibyl/data');
    assert.deepEqual(c.dataFileDirectories, ['/var/lib/sibyl/data']);
    assert.equal(c.hintsDirectory, join(path, '..', 'hints'));
    assert.equal(c.commitlogSync, 'periodic');
    assert.equal(c.commitlogSyncPeriodMs, 5000);
    assert.equal(c.commitlogSyncBatchWindowMs, 3);
    assert.equal(c.commitlogDirectory, '/var/lib/sibyl/commitlog');
    assert.equal(c.nativeTransportMaxFrameSizeMb, 32);
    assert.equal(c.maxHintWindowMs, 60_000);
    assert.equal(c.readRequestTimeoutMs, 1500);
    assert.equal(c.writeRequestTimeoutMs, 1600);
    assert.equal(c.requestTimeoutMs, 1700);
    assert.deepEqual(c.warnings, []);
  });

  test("Cassandra 4.1's duration and size forms", () => {
    const c = load(`commitlog_sync: periodic
commitlog_sync_period: 10s
read_request_timeout: 5000ms
write_request_timeout: 2s
request_timeout: 1m
max_hint_window: 3h
native_transport_max_frame_size: 64MiB
`);
    assert.equal(c.commitlogSyncPeriodMs, 10_000);
    assert.equal(c.readRequestTimeoutMs, 5000);
    assert.equal(c.writeRequestTimeoutMs, 2000);
    assert.equal(c.requestTimeoutMs, 60_000);
    assert.equal(c.maxHintWindowMs, 10_800_000);
    assert.equal(c.nativeTransportMaxFrameSizeMb, 64);
    rejects('read_request_timeout: 5000\n', 'read_request_timeout', /duration/);
    rejects('read_request_timeout: 5 fortnights\n', 'read_request_timeout', /duration/);
    rejects('read_request_timeout_in_ms: 5000\nread_request_timeout: 5s\n', 'read_request_timeout', /set only one/);
    rejects('native_transport_max_frame_size: 100KiB\n', 'native_transport_max_frame_size', /MiB/);
  });

  test('relative paths resolve against the yaml directory; only the first data directory is used', () => {
    const path = conf('data_file_directories: [d1, ../d2]\nhints_directory: ./h\ncommitlog_directory: cl\n');
    const c = loadConfig(path);
    assert.equal(c.dataDir, join(path, '..', 'd1'));
    assert.deepEqual(c.dataFileDirectories, [join(path, '..', 'd1'), join(path, '..', '..', 'd2')]);
    assert.equal(c.hintsDirectory, join(path, '..', 'h'));
    assert.equal(c.warnings.length, 1);
    assert.match(c.warnings[0]!, /only the first/);
  });

  test('addresses: rpc and broadcast follow listen_address; localhost and wildcards', () => {
    const c = load('listen_address: 127.0.9.20\n');
    assert.deepEqual([c.rpcAddress, c.broadcastAddress, c.broadcastRpcAddress, c.seeds], ['127.0.9.20', '127.0.9.20', '127.0.9.20', ['127.0.9.20']]);
    assert.equal(load('listen_address: localhost\n').listenAddress, '127.0.0.1');
    assert.equal(load('listen_address: "::1"\n').listenAddress, '::1');
    const w = load('listen_address: 127.0.9.1\nrpc_address: 0.0.0.0\nbroadcast_rpc_address: 127.0.9.1\n');
    assert.equal(w.rpcAddress, '0.0.0.0');
    assert.equal(w.broadcastRpcAddress, '127.0.9.1');
    rejects('rpc_address: 0.0.0.0\n', 'broadcast_rpc_address', /wildcard/);
    rejects('listen_address: 0.0.0.0\n', 'listen_address', /wildcard/);
    const blank = load('listen_address:\n');
    assert.match(blank.warnings[0]!, /listen_address is blank/);
  });

  test("the seed's seed_provider form, with spaces and ports", () => {
    assert.deepEqual(load(SEEDS).seeds, ['10.1.2.4', '10.1.2.6', '10.1.2.8', '10.1.2.10']);
    const spaced = load(SEEDS.replace('"10.1.2.4,10.1.2.6,10.1.2.8,10.1.2.10"', '"10.1.2.4, 10.1.2.6, 10.1.2.8"'));
    assert.deepEqual(spaced.seeds, ['10.1.2.4', '10.1.2.6', '10.1.2.8']);
    const capital = load(SEEDS.replace('- seeds:', '- Seeds:'));
    assert.deepEqual(capital.seeds, ['10.1.2.4', '10.1.2.6', '10.1.2.8', '10.1.2.10']);
    assert.match(capital.warnings.join('\n'), /"Seeds"/);
    const short = load('seed_provider:\n  - class_name: SimpleSeedProvider\n    parameters:\n      - seeds: "127.0.0.1:7000,[::1]:7001"\n');
    assert.deepEqual(short.seeds, ['127.0.0.1:7000', '[::1]:7001']);
    rejects(SEEDS.replace('SimpleSeedProvider', 'K8SeedProvider'), 'seed_provider.class_name', /SimpleSeedProvider/);
    rejects(SEEDS.replace('10.1.2.6', 'not an address!'), 'seed_provider.parameters.seeds', /address/);
    rejects('seed_provider:\n  - class_name: SimpleSeedProvider\n', 'seed_provider.parameters.seeds', /comma-separated/);
    rejects('seed_provider: 3\n', 'seed_provider', /list/);
  });

  test('commitlog_sync: periodic default; batch and group with their window', () => {
    const g = load('commitlog_sync: group\ncommitlog_sync_group_window: 15ms\n');
    assert.equal(g.commitlogSync, 'group');
    assert.equal(g.commitlogSyncGroupWindowMs, 15);
    assert.deepEqual(g.warnings, []);
    assert.equal(load('commitlog_sync: batch\n').commitlogSync, 'batch');
    assert.equal(load('commitlog_sync_group_window_in_ms: 1000\n').commitlogSyncGroupWindowMs, 1000);
    rejects('commitlog_sync: sometimes\n', 'commitlog_sync', /batch, periodic or group/);
  });

  test('commit log and memtable sizes, in both spellings; ignored memtable keys stay quiet', () => {
    const c = load('commitlog_segment_size: 8MiB\ncommitlog_total_space: 1GiB\nmemtable_heap_space: 256MiB\nmemtable_cleanup_threshold: 0.11\n' +
      'memtable_offheap_space: 64MiB\nmemtable_allocation_type: heap_buffers\nmemtable_flush_writers: 2\n');
    assert.deepEqual([c.commitlogSegmentSizeMb, c.commitlogTotalSpaceMb, c.memtableHeapSpaceMb, c.memtableCleanupThreshold], [8, 1024, 256, 0.11]);
    assert.deepEqual(c.warnings, []);
    const old = load('commitlog_segment_size_in_mb: 16\ncommitlog_total_space_in_mb: 2048\nmemtable_heap_space_in_mb: 128\n');
    assert.deepEqual([old.commitlogSegmentSizeMb, old.commitlogTotalSpaceMb, old.memtableHeapSpaceMb], [16, 2048, 128]);
    rejects('commitlog_segment_size: 1KiB\n', 'commitlog_segment_size', /MiB/);
    rejects('memtable_cleanup_threshold: 2\n', 'memtable_cleanup_threshold', /between 0.01 and 0.99/);
    rejects('commitlog_segment_size_in_mb: 8\ncommitlog_segment_size: 8MiB\n', 'commitlog_segment_size', /set only one/);
  });

  test('unknown keys warn instead of failing; accepted-but-ignored keys stay quiet', () => {
    const c = load('cluster_name: x\nconcurrent_reads: 32\nSeeds: "10.1.2.4"\ncommitlog_directory: /x\nsaved_caches_directory: /y\n');
    assert.deepEqual(c.warnings, ['unknown key "concurrent_reads" ignored', 'unknown key "Seeds" ignored']);
  });

  test('invalid values fail naming the key', () => {
    rejects('native_transport_port: abc\n', 'native_transport_port', /^Invalid yaml: native_transport_port must be an integer between 1 and 65535 \(got "abc"\)$/);
    rejects('native_transport_port: 70000\n', 'native_transport_port', /got 70000/);
    rejects('storage_port: 0\n', 'storage_port', /between 1 and 65535/);
    rejects('admin_port: 1.5\n', 'admin_port', /integer/);
    rejects('native_transport_port: 7000\n', 'native_transport_port', /must differ/);
    rejects('num_tokens: 0\n', 'num_tokens', /integer/);
    rejects('num_tokens: [1]\n', 'num_tokens', /integer/);
    rejects('num_tokens: 2\ninitial_token: "1"\n', 'initial_token', /num_tokens is 2/);
    rejects('num_tokens: 1\ninitial_token: "9223372036854775808"\n', 'initial_token', /64-bit/);
    rejects('cluster_name: [a]\n', 'cluster_name', /string/);
    rejects('listen_address: 300.1.1.1.1.\n', 'listen_address', /IP address/);
    rejects('rpc_address: "bad address"\n', 'rpc_address', /IP address/);
    rejects('broadcast_address: 12\n', 'broadcast_address', /IP address/);
    rejects('endpoint_snitch: PropertyFileSnitch\n', 'endpoint_snitch', /SimpleSnitch, GossipingPropertyFileSnitch, Ec2Snitch/);
    rejects('data_file_directories: /var/lib/data\n', 'data_file_directories', /list/);
    rejects('partitioner: org.apache.cassandra.dht.RandomPartitioner\n', 'partitioner', /Murmur3Partitioner/);
    rejects('native_transport_max_frame_size_in_mb: 4096\n', 'native_transport_max_frame_size_in_mb', /between 1 and 2047/);
    rejects('read_request_timeout_in_ms: -1\n', 'read_request_timeout_in_ms', /integer/);
    rejects('native_transport_max_concurrent_connections: 0\n', 'native_transport_max_concurrent_connections', /-1 \(unlimited\)/);
    rejects('native_transport_idle_timeout: soon\n', 'native_transport_idle_timeout', /duration/);
    rejects('authenticator: LdapAuthenticator\n', 'authenticator', /AllowAllAuthenticator/);
  });

  test('unparseable yaml, a non-mapping and a missing file', () => {
    assert.throws(() => load('cluster_name: [unclosed\n'), (e: unknown) => e instanceof ConfigLoadError && /^Invalid yaml: cannot parse/.test(e.message));
    assert.throws(() => load('a: 1\na: 2\n'), ConfigLoadError);
    assert.throws(() => load('- just\n- a list\n'), /must be a mapping/);
    assert.throws(() => loadConfig('/nonexistent/cassandra.yaml'), (e: unknown) => e instanceof ConfigLoadError && /Cannot read/.test(e.message));
  });
});

describe('snitches and cassandra-rackdc.properties', () => {
  const GPFS = 'endpoint_snitch: GossipingPropertyFileSnitch\n';

  test("the seed's `dc =EASTUS` form, one per line and all on one line", () => {
    const c = load(GPFS, 'dc =EASTUS\nrack =rack1\n');
    assert.deepEqual([c.dataCenter, c.rack, c.warnings], ['EASTUS', 'rack1', []]);
    const one = load(GPFS, 'dc =EASTUS, rack =rack3\n');
    assert.deepEqual([one.dataCenter, one.rack], ['EASTUS', 'rack3']);
    assert.match(one.warnings[0]!, /several properties on one line/);
  });

  test('Java properties syntax', () => {
    const p = parseProperties('# comment\n! also a comment\n  dc:DC1  \nrack  =  RAC1\nkey value with spaces\nlong = a\\\n    b\nesc = x\\ty\\u0041\n\n');
    assert.deepEqual(Object.fromEntries(p), { dc: 'DC1  ', rack: 'RAC1', key: 'value with spaces', long: 'ab', esc: 'x\tyA' });
    const c = load(GPFS, '\t dc: DC1 \n rack : RAC1\r\nprefer_local=true\ndc_suffix=_backup\n');
    assert.deepEqual([c.dataCenter, c.rack, c.preferLocal, c.dcSuffix], ['DC1_backup', 'RAC1', true, '_backup']);
    assert.match(load(GPFS, 'dc=a\nrack=b\ncolour=blue\n').warnings.join(), /unknown property "colour"/);
  });

  test('GossipingPropertyFileSnitch without the file defaults to dc1/rack1 with a warning', () => {
    const c = load(GPFS);
    assert.deepEqual([c.dataCenter, c.rack], ['dc1', 'rack1']);
    assert.match(c.warnings[0]!, /not found/);
  });

  test('SimpleSnitch is datacenter1/rack1 whatever the rackdc file says', () => {
    const c = load('endpoint_snitch: org.apache.cassandra.locator.SimpleSnitch\n', 'dc=EASTUS\nrack=rack9\n');
    assert.deepEqual([c.endpointSnitch, c.dataCenter, c.rack], ['SimpleSnitch', 'datacenter1', 'rack1']);
  });

  test("Ec2Snitch: Cassandra's legacy naming, standard naming, dc_suffix, yaml keys", () => {
    assert.deepEqual(ec2Location('us-east-1a', 'legacy'), { dataCenter: 'us-east', rack: '1a' });
    assert.deepEqual(ec2Location('us-west-2b', 'legacy'), { dataCenter: 'us-west-2', rack: '2b' });
    assert.deepEqual(ec2Location('eu-west-1c', 'legacy'), { dataCenter: 'eu-west', rack: '1c' });
    assert.deepEqual(ec2Location('us-east-1a', 'standard'), { dataCenter: 'us-east-1', rack: 'us-east-1a' });
    const EC2 = 'endpoint_snitch: Ec2Snitch\n';
    const c = load(EC2, 'ec2_availability_zone=us-east-1a\ndc_suffix=_live\n');
    assert.deepEqual([c.endpointSnitch, c.dataCenter, c.rack, c.ec2AvailabilityZone], ['Ec2Snitch', 'us-east_live', '1a', 'us-east-1a']);
    const y = load(`${EC2}ec2_region: us-west-2\nec2_availability_zone: us-west-2c\n`);
    assert.deepEqual([y.dataCenter, y.rack, y.ec2Region, y.warnings], ['us-west-2', '2c', 'us-west-2', []]);
    const s = load(EC2, 'ec2_availability_zone=ap-south-1b\nec2_naming_scheme=standard\n');
    assert.deepEqual([s.dataCenter, s.rack], ['ap-south-1', 'ap-south-1b']);
    rejects(EC2, 'ec2_availability_zone', /us-east-1a/);
    rejects(EC2, 'ec2_region', /region of availability zone/, 'ec2_availability_zone=us-east-1a\nec2_region=eu-west-1\n');
    rejects(EC2, 'ec2_naming_scheme', /legacy or standard/, 'ec2_availability_zone=us-east-1a\nec2_naming_scheme=fancy\n');
  });
});

describe('defaultConfig and writeConfigFiles', () => {
  test('defaultConfig derives addresses, seeds and dc from overrides', () => {
    const c = defaultConfig({ listenAddress: '127.0.9.5', dataDir: '/tmp/x/data', dataCenter: 'DC2' });
    assert.deepEqual([c.rpcAddress, c.broadcastRpcAddress, c.seeds], ['127.0.9.5', '127.0.9.5', ['127.0.9.5']]);
    assert.deepEqual([c.endpointSnitch, c.dataCenter, c.rack], ['GossipingPropertyFileSnitch', 'DC2', 'rack1']);
    assert.deepEqual([c.dataFileDirectories, c.hintsDirectory], [['/tmp/x/data'], '/tmp/x/hints']);
    assert.equal(defaultConfig().dataCenter, 'datacenter1');
  });

  test('loadConfig(writeConfigFiles(dir, cfg)) gives defaultConfig(cfg) back', () => {
    const base = mkdtempSync(join(tmpdir(), 'sibyl-config-'));
    dirs.push(base);
    const cases: Partial<NodeConfig>[] = [
      {},
      { listenAddress: '127.0.9.7', dataCenter: 'WESTUS', rack: 'rack4', seeds: ['127.0.9.7', '127.0.9.8'], numTokens: 2, initialTokens: [-5n, 5n], preferLocal: true },
      { endpointSnitch: 'Ec2Snitch', ec2AvailabilityZone: 'us-east-1d', dcSuffix: '_x', commitlogSync: 'periodic', commitlogSyncPeriodMs: 100 },
      { commitlogSync: 'group', commitlogSyncGroupWindowMs: 7, commitlogSegmentSizeMb: 4, commitlogTotalSpaceMb: 64, memtableHeapSpaceMb: 8, memtableCleanupThreshold: 0.25 },
      { clusterName: 'C', nativeTransportPort: 9142, storagePort: 7100, adminPort: 7299, readRequestTimeoutMs: 1 },
    ];
    cases.forEach((cfg, i) => {
      const dir = join(base, `n${i}`, 'conf');
      const path = writeConfigFiles(dir, cfg);
      const loaded = loadConfig(path);
      const expected = defaultConfig({ dataDir: join(dir, '..', 'data'), hintsDirectory: join(dir, '..', 'hints'), ...cfg });
      assert.deepEqual({ ...loaded, configPath: '', warnings: [] }, { ...expected, configPath: '', warnings: [] });
      assert.deepEqual(loaded.warnings, []);
    });
  });
});

describe('sibyl CLI', () => {
  const FAKE = join(REPO_ROOT, 'test', 'helpers', 'fake-server.ts');

  test('--help lists the commands', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /node \[options\]/);
    assert.match(r.stdout, /start \[options\]/);
  });

  test('an invalid config file exits 1 with the message on stderr', async () => {
    const r = await runCli(['node', '--config', conf('native_transport_port: abc\n')]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'sibyl: Invalid yaml: native_transport_port must be an integer between 1 and 65535 (got "abc")\n');
    const missing = await runCli(['node', '--config', '/nonexistent/cassandra.yaml']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^sibyl: Cannot read/);
  });

  test('a node process starts, logs JSON with warnings, stops on SIGTERM with exit 0, restarts, survives kill', async () => {
    const node = await startNodeProcess({ address: '127.0.9.1', env: { SIBYL_SERVER_MODULE: FAKE, FAKE_SERVER_PRINT_CONFIG: '1' } });
    assert.ok(node.pid);
    assert.match(node.stderr, /"listenAddress":"127.0.9.1"/);
    const lines = node.stdout.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; level: number });
    assert.ok(lines.some((l) => /listening for CQL clients on 127.0.9.1:9042/.test(l.msg)));
    assert.equal(await node.stop(), 0);
    assert.equal(node.pid, undefined);
    await node.restart();
    assert.ok(node.pid);
    await node.kill();
    assert.equal(node.pid, undefined);
    await node.start();
    await node.cleanup();
  });

  test('a node that cannot start fails the helper with its stderr', async () => {
    await assert.rejects(
      startNodeProcess({ address: '127.0.9.2', config: { authenticator: 'AllowAllAuthenticator' }, env: { SIBYL_SERVER_MODULE: '/nonexistent.ts' } }),
      /exited with code 1[\s\S]*sibyl: cannot load the server/,
    );
  });
});
