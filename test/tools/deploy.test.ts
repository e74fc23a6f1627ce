// `sibyl deploy render`: the rendered files agree with the seeds (seed table, racks, seeds one per availability set),
// with each other (yaml, rackdc, Terraform), and the firewall rules — nftables, Azure NSGs, AWS security groups, each
// read back from the rendered text and evaluated packet by packet — admit exactly what seed 000 allows.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import YAML from 'yaml';
import { presetTopology } from '../../src/tools/cluster/topology.ts';
import { checkRendered, inCidr } from '../../src/tools/deploy/check.ts';
import type { DeployLayout } from '../../src/tools/deploy/layout.ts';
import { renderDeployment } from '../../src/tools/deploy/render.ts';
import { runCli } from '../helpers/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'sibyl-deploy-'));
after(() => rmSync(root, { recursive: true, force: true }));

const rendered = new Map<string, { dir: string; layout: DeployLayout }>();
/** Each preset is rendered once (token allocation takes a second or so); `fresh` renders a copy a test may alter. */
function render(preset: string, fresh = false): { dir: string; layout: DeployLayout } {
  const known = rendered.get(preset);
  if (known && !fresh) return known;
  const dir = join(root, fresh ? `${preset}-copy` : preset);
  const r = { dir, layout: renderDeployment(presetTopology(preset), dir).layout };
  if (!fresh) rendered.set(preset, r);
  return r;
}

const read = (dir: string, ...p: string[]): string => readFileSync(join(dir, ...p), 'utf8');
const tfOf = (dir: string, cloud: string): Record<string, Record<string, Record<string, Record<string, unknown>>>> => JSON.parse(read(dir, 'terraform', `${cloud}.tf.json`));

/** Seed 000's VM table: address → [dc, rack, seed?]. */
const SEED_000: Record<string, [string, string, boolean]> = {};
for (const [dc, net] of [['WESTUS', '10.1.2'], ['EASTUS', '10.2.2']] as const) {
  for (let i = 0; i < 8; i++) SEED_000[`${net}.${4 + i}`] = [dc, `rack${Math.floor(i / 2) + 1}`, i % 2 === 0];
}

/** What the seed allows a node to receive: SSH from anywhere, CQL from the web tier (directly or through the ILB), 7000/7199 from nodes. */
function seedAllows(l: DeployLayout, src: string, port: number, ilbIsSource: boolean): boolean {
  const isNode = l.hosts.some((h) => h.role === 'node' && h.address === src);
  const isWeb = l.regions.some((r) => inCidr(src, r.webSubnet.cidr));
  const isIlb = ilbIsSource && l.regions.some((r) => r.ilb === src);
  if (port === 22) return true;
  if (port === 9042) return isWeb || isIlb;
  if (port === 7000 || port === 7199) return isNode;
  return false;
}

/** Sources to try: every node, web host and ILB, strangers inside the data and web subnets' /16, and outside. */
function sources(l: DeployLayout): string[] {
  const extra = l.regions.flatMap((r) => [r.webSubnet.gateway.replace(/\.1$/, '.200'), r.dataSubnets[0]!.gateway.replace(/\.1$/, '.50'), ...(r.ilb ? [r.ilb] : [])]);
  return [...l.hosts.map((h) => h.address), ...extra, '203.0.113.9', '10.9.9.9'];
}
const PORTS = [22, 80, 7000, 7001, 7199, 9042, 9160];

/** A reader of the nftables subset the renderer writes: `[ip saddr X|{…}] tcp dport P|{…} accept` under policy drop. */
function nftAdmits(text: string, src: string, port: number): boolean {
  assert.match(text, /policy drop;/);
  for (const line of text.split('\n').map((s) => s.trim())) {
    const m = /^(?:ip saddr (\{[^}]*\}|\S+) )?tcp dport (\{[^}]*\}|\S+) accept$/.exec(line);
    if (!m) continue;
    const list = (s: string): string[] => s.replace(/[{}]/g, '').split(',').map((x) => x.trim()).filter(Boolean);
    const srcOk = m[1] === undefined || list(m[1]).some((c) => inCidr(src, c.includes('/') ? c : `${c}/32`));
    if (srcOk && list(m[2]!).map(Number).includes(port)) return true;
  }
  return false;
}

/** Azure NSG evaluation: rules by priority, first match wins; Azure's defaults after ours (allow vnet, deny all). */
function nsgAdmits(rules: Array<Record<string, unknown>>, vnets: string[], src: string, port: number): boolean {
  const matchesSource = (p: string): boolean => p === '*' || (p === 'VirtualNetwork' ? vnets.some((v) => inCidr(src, v)) : p.includes('.') && inCidr(src, p.includes('/') ? p : `${p}/32`));
  const sorted = [...rules].sort((a, b) => Number(a['priority']) - Number(b['priority']));
  for (const r of sorted) {
    const srcs = (r['source_address_prefixes'] as string[] | undefined) ?? [r['source_address_prefix'] as string];
    const ports = (r['destination_port_ranges'] as string[] | undefined) ?? [r['destination_port_range'] as string];
    if (srcs.some(matchesSource) && ports.some((p) => p === '*' || Number(p) === port)) return r['access'] === 'Allow';
  }
  return vnets.some((v) => inCidr(src, v)); // AllowVnetInBound (65000), then DenyAllInBound
}

describe('deploy render', () => {
  for (const preset of ['azure-single-region', 'azure-two-region', 'aws-multi-az']) {
    test(`${preset}: the rendered files pass the consistency checks`, () => {
      const { dir, layout } = render(preset);
      assert.deepEqual(checkRendered(dir), []);
      const nodes = layout.hosts.filter((h) => h.role === 'node');
      assert.equal(nodes.length, preset === 'azure-two-region' ? 16 : preset === 'aws-multi-az' ? 9 : 8);
      for (const h of nodes) {
        const y = YAML.parse(read(dir, 'hosts', h.name, 'cassandra.yaml')) as Record<string, unknown>;
        assert.equal(y['listen_address'], h.address);
        assert.ok(read(dir, 'hosts', h.name, 'cloud-init.yaml').startsWith('#cloud-config\n'));
        assert.match(read(dir, 'hosts', h.name, 'sibyl.service'), /ExecStart=\S+node \/opt\/sibyl\/dist\/sibyl\.mjs node --config \/etc\/sibyl\/cassandra\.yaml/);
      }
    });
  }

  test('Azure presets follow seed 000: addresses, dc/rack and seeds as in its VM tables, the ILB at 10.1.2.101', () => {
    const { dir, layout } = render('azure-two-region');
    for (const h of layout.hosts.filter((x) => x.role === 'node')) {
      const want = SEED_000[h.address];
      assert.ok(want, `${h.address} is not in the seed's table`);
      const props = read(dir, 'hosts', h.name, 'cassandra-rackdc.properties');
      assert.match(props, new RegExp(`^dc=${want[0]}$`, 'm'));
      assert.match(props, new RegExp(`^rack=${want[1]}$`, 'm'));
      const y = YAML.parse(read(dir, 'hosts', h.name, 'cassandra.yaml')) as { seed_provider: Array<{ parameters: Array<{ seeds: string }> }> };
      const seeds = y.seed_provider[0]!.parameters[0]!.seeds.split(',');
      assert.deepEqual(seeds.sort(), Object.keys(SEED_000).filter((a) => SEED_000[a]![2]).sort());
    }
    assert.deepEqual(layout.regions.map((r) => [r.ilb, r.webSubnet.cidr]), [['10.1.2.101', '10.1.1.0/24'], ['10.2.2.101', '10.2.1.0/24']]);
  });

  test('aws-multi-az: nine nodes over three zones, one subnet each, Ec2Snitch zones in rackdc', () => {
    const { dir, layout } = render('aws-multi-az');
    const tf = tfOf(dir, 'aws');
    const zones = new Map<string, number>();
    for (const h of layout.hosts.filter((x) => x.role === 'node')) {
      assert.match(read(dir, 'hosts', h.name, 'cassandra-rackdc.properties'), new RegExp(`^ec2_availability_zone=${h.az}$`, 'm'));
      assert.equal(YAML.parse(read(dir, 'hosts', h.name, 'cassandra.yaml')).endpoint_snitch, 'Ec2Snitch');
      zones.set(h.az!, (zones.get(h.az!) ?? 0) + 1);
    }
    assert.deepEqual([...zones], [['us-east-1a', 3], ['us-east-1b', 3], ['us-east-1c', 3]]);
    const subnetZones = Object.values(tf['resource']!['aws_subnet']!).map((s) => s['availability_zone']);
    assert.deepEqual(new Set(subnetZones), new Set(['us-east-1a', 'us-east-1b', 'us-east-1c']));
  });

  test('the nftables rules, the NSGs and the security groups admit exactly what the seed allows', () => {
    for (const preset of ['azure-single-region', 'azure-two-region', 'aws-multi-az']) {
      const { dir, layout } = render(preset);
      const nodes = layout.hosts.filter((h) => h.role === 'node');
      const tf = tfOf(dir, layout.cloud);
      const vnets = layout.regions.map((r) => r.cidr);
      for (const src of sources(layout)) {
        for (const port of PORTS) {
          const nft = read(dir, 'hosts', nodes[0]!.name, 'nftables.conf');
          assert.equal(nftAdmits(nft, src, port), seedAllows(layout, src, port, true), `${preset} nftables: ${src} → ${port}`);
          if (layout.cloud === 'azure') {
            for (const nsg of Object.values(tf['resource']!['azurerm_network_security_group']!)) {
              const rules = nsg['security_rule'] as Array<Record<string, unknown>>;
              // Azure's ILB keeps the client's address: the ILB itself is never a source there.
              assert.equal(nsgAdmits(rules, vnets, src, port), seedAllows(layout, src, port, false), `${preset} NSG: ${src} → ${port}`);
            }
          } else {
            const rules = Object.values(tf['resource']!['aws_security_group_rule']!).filter((r) => r['type'] === 'ingress');
            const admits = rules.some((r) => Number(r['from_port']) <= port && port <= Number(r['to_port']) && (r['cidr_blocks'] as string[]).some((c) => inCidr(src, c)));
            assert.equal(admits, seedAllows(layout, src, port, true), `${preset} security group: ${src} → ${port}`);
          }
        }
      }
    }
  });

  test('the Terraform JSON parses and every reference names a resource or variable of the file', () => {
    for (const preset of ['azure-two-region', 'aws-multi-az']) {
      const { dir, layout } = render(preset);
      const text = read(dir, 'terraform', `${layout.cloud}.tf.json`);
      const tf = JSON.parse(text) as Record<string, Record<string, Record<string, unknown>>>;
      const refs = [...text.matchAll(/\$\{((?:azurerm|aws)_\w+)\.(\w+)\.\w+\}/g)];
      assert.ok(refs.length > 20);
      for (const [, type, name] of refs) assert.ok(tf['resource']![type!]?.[name!], `${type}.${name} is referenced but not defined`);
      for (const [, v] of text.matchAll(/\$\{var\.(\w+)\}/g)) assert.ok(tf['variable']![v!], `var.${v} is not declared`);
      for (const [, f] of text.matchAll(/\$\{path\.module\}\/\.\.\/([^"\\]+)/g)) assert.doesNotThrow(() => read(dir, f!), `${f} is referenced but missing`);
    }
    const az = tfOf(render('azure-two-region').dir, 'azure')['resource']!;
    assert.equal(Object.keys(az['azurerm_availability_set']!).length, 8, 'an availability set per rack and region');
    assert.equal(Object.keys(az['azurerm_virtual_network_gateway_connection']!).length, 2);
    assert.deepEqual(Object.values(az['azurerm_lb_probe']!).map((p) => [p['protocol'], p['port']]), [['Tcp', 9042], ['Tcp', 9042]]);
  });

  test('the checks catch a node whose rackdc names another rack, and a seed that is not a node', () => {
    const { dir } = render('azure-single-region', true);
    const props = join(dir, 'hosts', 'node2', 'cassandra-rackdc.properties');
    writeFileSync(props, readFileSync(props, 'utf8').replace('rack=rack1', 'rack=rack3'));
    const yaml = join(dir, 'hosts', 'node5', 'cassandra.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace('10.1.2.4,', '10.1.2.99,'));
    const problems = checkRendered(dir);
    assert.ok(problems.some((p) => p.startsWith('node2: rack is rack3')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('node5: seed 10.1.2.99 is not a node')), problems.join('\n'));
  });

  test('the CLI renders a preset and refuses loopback topologies', async () => {
    const ok = await runCli(['deploy', 'render', '--preset', 'aws-multi-az', '--out', join(root, 'cli')]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /rendered \d+ files for 9 nodes \(aws\)/);
    const topo = join(root, 'loop.yaml');
    writeFileSync(topo, 'datacenters: [{name: dc1, racks: [{name: r1, nodes: [127.0.0.1]}]}]\n');
    const bad = await runCli(['deploy', 'render', '--topology', topo, '--out', join(root, 'bad')]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /real addresses, not loopback ones: 127\.0\.0\.1/);
  });
});
