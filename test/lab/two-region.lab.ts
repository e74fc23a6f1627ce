// The lab's two regions (root, `npm run test:lab`): azure-two-region's 16 nodes in their namespaces with the rendered
// lock-down applied; the seed's two-region walk-through, WESTUS from web1 through 10.1.2.101 and EASTUS from web3
// through 10.2.2.101 over the VPN stand-in; EASTUS cut off from WESTUS with each region still serving LOCAL_QUORUM and
// EACH_QUORUM refused; heal; `lab down` leaving no namespace or link.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { labDown, labFile, readLab } from '../../src/tools/lab/lab.ts';
import { listNamespaces } from '../../src/tools/lab/netns.ts';
import { cqlsh, lab, probe, waitFor, waitRing } from './helpers.ts';

const isRoot = process.getuid?.() === 0;
const root = mkdtempSync(join(tmpdir(), 'sibyl-lab2-'));
const dir = join(root, 'az2');
const links = (): string => execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).replace(/\d+: /g, '').split('\n').map((l) => l.split(' ')[0]).sort().join(' ');
const hostLinksBefore = links();
const EAST = Array.from({ length: 8 }, (_, i) => `10.2.2.${4 + i}`);

after(async () => {
  if (existsSync(labFile(dir))) await labDown(dir).catch(() => {});
  rmSync(root, { recursive: true, force: true });
});

describe('lab azure-two-region', { skip: !isRoot && 'needs root (network namespaces)' }, () => {
  before(async () => {
    const up = await lab(['up', '--preset', 'azure-two-region', '--dir', dir, '--name', 'tlab2', '--firewall'], 400_000);
    assert.equal((up.stdout.match(/ node +running$/gm) ?? []).length, 16, up.stdout);
  });

  test("the seed's two-region walk-through through each region's ILB", async () => {
    assert.equal(readLab(dir).firewall, true);
    const west = await cqlsh(dir, 'web1', '10.1.2.101', ['-f', 'examples/azure-two-region/west.cql']);
    assert.equal(west.code, 0, west.stderr);
    assert.match(west.stdout, /\(2 rows\)/);
    const east = await cqlsh(dir, 'web3', '10.2.2.101', ['-f', 'examples/azure-two-region/east.cql']);
    assert.equal(east.code, 0, east.stderr);
    assert.match(east.stdout, /^\s+1 \|\s+John \|\s+Doe$/m);
    assert.match(east.stdout, /^\s+2 \|\s+Jane \|\s+Doe$/m);
    const back = await cqlsh(dir, 'web1', '10.1.2.101', ['-e', 'CONSISTENCY LOCAL_QUORUM; SELECT * FROM customers_ks.customers WHERE customer_id = 3;']);
    assert.match(back.stdout, /Ada \|\s+Lovelace/);
    // The lock-down across the VPN: the other region's web subnet reaches 9042, never 7000.
    assert.equal(await probe(dir, 'web1', '10.2.2.4', 9042), 'open');
    assert.equal(await probe(dir, 'web1', '10.2.2.4', 7000), 'timeout');
  });

  test('EASTUS cut off: both regions serve LOCAL_QUORUM, EACH_QUORUM is refused; heal', async () => {
    await lab(['partition', '--dir', dir, '--dc', 'EASTUS']);
    // Unreachable (the router's ICMP reply) or a timeout (when the kernel rate-limits those replies): never open.
    assert.match(await probe(dir, 'web1', '10.2.2.4', 9042), /^(EHOSTUNREACH|ENETUNREACH|timeout)$/);
    const detectMs = await waitRing(dir, { name: 'node1', address: '10.1.2.4' }, EAST, 'DN', 60_000);
    process.stdout.write(`# EASTUS seen DN from WESTUS ${detectMs} ms after the cut\n`);
    for (const [host, ilb, k] of [['web1', '10.1.2.101', 10], ['web3', '10.2.2.101', 20]] as const) {
      const r = await cqlsh(dir, host, ilb, ['-e', `CONSISTENCY LOCAL_QUORUM; INSERT INTO customers_ks.customers (customer_id, firstname) VALUES (${k}, '${host}'); SELECT firstname FROM customers_ks.customers WHERE customer_id = ${k};`]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^\\s+${host}$`, 'm'));
    }
    const each = await cqlsh(dir, 'web1', '10.1.2.101', ['-e', "CONSISTENCY EACH_QUORUM; INSERT INTO customers_ks.customers (customer_id, firstname) VALUES (11, 'x');"]);
    assert.notEqual(each.code, 0);
    assert.match(each.stdout + each.stderr, /Unavailable|Cannot achieve consistency level EACH_QUORUM/);
    await lab(['heal', '--dir', dir]);
    assert.equal(await probe(dir, 'web1', '10.2.2.4', 9042), 'open', 'the VPN route is back');
    await waitRing(dir, { name: 'node1', address: '10.1.2.4' }, EAST, 'UN', 90_000);
    // Written in EASTUS during the cut, read in WESTUS after it: hints or read repair bring it over.
    await waitFor("EASTUS's write during the cut readable from WESTUS at ALL", 60_000, async () => {
      const r = await cqlsh(dir, 'web1', '10.1.2.101', ['-e', 'CONSISTENCY ALL; SELECT firstname FROM customers_ks.customers WHERE customer_id = 20;']);
      return /^\s+web3$/m.test(r.stdout) ? true : undefined;
    });
  });

  test('lab down removes every namespace and link it made', async () => {
    await lab(['down', '--dir', dir]);
    assert.deepEqual(listNamespaces().filter((n) => n.startsWith('sbl-tlab2-')), []);
    assert.equal(links(), hostLinksBefore);
  });
});
