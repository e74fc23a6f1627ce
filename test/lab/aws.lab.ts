// Seed 004 in the lab (root, `npm run test:lab`): aws-multi-az's nine nodes over three zone subnets (10.3.1-3.0/24,
// routed by the region's router) with the lock-down applied; the seed's keyspace at RF 3; zone us-east-1a cut off:
// QUORUM still served, ALL refused; heal; `lab down` leaves nothing.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { labDown, labFile } from '../../src/tools/lab/lab.ts';
import { listNamespaces } from '../../src/tools/lab/netns.ts';
import { cqlsh, lab, waitAllUp, waitRing } from './helpers.ts';

const NODES = [1, 2, 3].flatMap((zone) => [4, 5, 6].map((h, i) => ({ name: `node${(zone - 1) * 3 + i + 1}`, address: `10.3.${zone}.${h}` })));

const isRoot = process.getuid?.() === 0;
const root = mkdtempSync(join(tmpdir(), 'sibyl-lab-aws-'));
const dir = join(root, 'aws');

after(async () => {
  if (existsSync(labFile(dir))) await labDown(dir).catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

describe('lab aws-multi-az', { skip: !isRoot && 'needs root (network namespaces)' }, () => {
  test('zone 1a cut off: QUORUM served from 1b and 1c, ALL refused; lab down leaves nothing', async () => {
    const up = await lab(['up', '--preset', 'aws-multi-az', '--dir', dir, '--name', 'tlab3', '--firewall']);
    assert.equal((up.stdout.match(/ node +running$/gm) ?? []).length, 9, up.stdout);
    // Each node's failure detector converges on its own: the QUORUM writes below need every coordinator to see the
    // others up.
    await waitAllUp(dir, NODES);
    const ddl = "CREATE KEYSPACE mykeyspace WITH replication = {'class': 'NetworkTopologyStrategy', 'us-east': '3'}; CREATE TABLE mykeyspace.t (k int PRIMARY KEY, v int);";
    const rows = Array.from({ length: 10 }, (_, k) => `INSERT INTO mykeyspace.t (k, v) VALUES (${k}, ${k});`).join(' ');
    const w = await cqlsh(dir, 'web1', '10.3.1.4', ['-e', `${ddl} CONSISTENCY QUORUM; ${rows}`]);
    assert.equal(w.code, 0, w.stderr);
    await lab(['partition', '--dir', dir, '--rack', '1a']);
    // Both coordinators used below must have convicted zone 1a: one that has not would send to the cut replicas
    // and time out rather than answer Unavailable.
    await waitRing(dir, { name: 'node4', address: '10.3.2.4' }, ['10.3.1.4', '10.3.1.5', '10.3.1.6'], 'DN', 60_000);
    await waitRing(dir, { name: 'node7', address: '10.3.3.4' }, ['10.3.1.4', '10.3.1.5', '10.3.1.6'], 'DN', 30_000);
    const q = await cqlsh(dir, 'web2', '10.3.2.4', ['-e', 'CONSISTENCY QUORUM; SELECT count(*) FROM mykeyspace.t;']);
    assert.equal(q.code, 0, q.stderr);
    assert.match(q.stdout, /^\s+10$/m);
    const all = await cqlsh(dir, 'web2', '10.3.3.4', ['-e', 'CONSISTENCY ALL; SELECT * FROM mykeyspace.t WHERE k = 1;']);
    assert.notEqual(all.code, 0);
    assert.match(all.stdout + all.stderr, /Cannot achieve consistency level ALL/);
    await lab(['heal', '--dir', dir]);
    await lab(['down', '--dir', dir]);
    assert.deepEqual(listNamespaces().filter((n) => n.startsWith('sbl-tlab3-')), []);
  });
});
