// The replica-read counters on the admin API: `GET /replicareads` (JSON) and `sibyl_replica_reads_total{origin}` on
// /metrics, served from a node's local admin source (no node process: the source over fake deps). 127.0.72.250.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localAdminSource } from '../../src/server/admin-local.ts';
import { startAdminServer } from '../../src/server/admin.ts';
import type { NodeConfig } from '../../src/server/config.ts';
import type { SystemContext } from '../../src/schema/system_tables.ts';

const HOST = '127.0.72.250';

test('replica reads by origin: JSON on /replicareads, a labelled series on /metrics', async () => {
  const counts = { local_rack: 41, remote_rack: 2, remote_dc: 1, self: 30 };
  const source = localAdminSource({
    config: {} as NodeConfig,
    systemContext: () => ({}) as SystemContext,
    storage: { approximateSize: () => 0, flush: async () => undefined },
    connections: () => 0,
    replicaReads: () => counts,
  });
  const server = await startAdminServer(source, HOST, 0);
  try {
    const json = await (await fetch(`http://${HOST}:${server.port}/replicareads`)).json();
    assert.deepEqual(json, counts);
    const text = await (await fetch(`http://${HOST}:${server.port}/metrics`)).text();
    assert.match(text, /^sibyl_replica_reads_total\{origin="local_rack"\} 41$/m);
    assert.match(text, /^sibyl_replica_reads_total\{origin="remote_rack"\} 2$/m);
    assert.match(text, /^sibyl_replica_reads_total\{origin="remote_dc"\} 1$/m);
    assert.doesNotMatch(text, /origin="self"/, 'self is part of local_rack, not a fourth origin');
  } finally {
    await server.close();
  }
});
