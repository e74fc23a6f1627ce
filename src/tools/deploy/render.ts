// `sibyl deploy render`: the files a user copies to real machines, one directory per host, plus the clouds'
// infrastructure as Terraform JSON and the layout itself (layout.json), from which `sibyl lab up` builds its
// namespaces and runs every node from these very files.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeConfigFiles } from '../../server/config.ts';
import { allocateClusterTokens } from '../cluster/launch.ts';
import { expandNodes, type ClusterTopology } from '../cluster/topology.ts';
import { renderNftables } from './firewall.ts';
import { HOST_PATHS, renderCloudInit, renderUnit } from './host-files.ts';
import { layoutOf, nodeHosts, realAddresses, type DeployLayout } from './layout.ts';
import { awsTerraform, azureTerraform } from './terraform.ts';

export const LAYOUT_FILE = 'layout.json';

export interface RenderResult {
  dir: string;
  layout: DeployLayout;
  /** Paths written, relative to dir. */
  files: string[];
}

/** The per-host files of every node, in `out/hosts/<name>/`. */
function renderHosts(out: string, l: DeployLayout): string[] {
  const files: string[] = [];
  const tokens = allocateClusterTokens(expandNodes(l.topology), l.topology.vnodes);
  const t = l.topology;
  for (const h of nodeHosts(l)) {
    const dir = join(out, 'hosts', h.name);
    writeConfigFiles(dir, {
      clusterName: t.clusterName,
      numTokens: t.vnodes,
      initialTokens: tokens.get(h.name)!,
      listenAddress: h.address,
      rpcAddress: h.address,
      nativeTransportPort: l.ports.native,
      storagePort: l.ports.storage,
      adminPort: l.ports.admin,
      seeds: t.seeds,
      endpointSnitch: t.snitch,
      ...(t.snitch === 'Ec2Snitch' ? { ec2AvailabilityZone: h.az! } : { dataCenter: h.dc, rack: h.rack! }),
      dataDir: `${HOST_PATHS.state}/data`,
      hintsDirectory: `${HOST_PATHS.state}/hints`,
    });
    const yaml = readFileSync(join(dir, 'cassandra.yaml'), 'utf8');
    const rackdc = readFileSync(join(dir, 'cassandra-rackdc.properties'), 'utf8');
    const unit = renderUnit(h);
    const nftables = renderNftables(l, h.name);
    writeFileSync(join(dir, 'sibyl.service'), unit);
    writeFileSync(join(dir, 'nftables.conf'), nftables);
    writeFileSync(join(dir, 'cloud-init.yaml'), renderCloudInit(h, { yaml, rackdc, unit, nftables }));
    for (const f of ['cassandra.yaml', 'cassandra-rackdc.properties', 'sibyl.service', 'nftables.conf', 'cloud-init.yaml']) files.push(join('hosts', h.name, f));
  }
  return files;
}

function readme(l: DeployLayout): string {
  const seeds = l.topology.seeds.join(', ');
  return [
    `# ${l.topology.clusterName}: ${nodeHosts(l).length} Sibyl nodes on ${l.cloud === 'azure' ? 'Azure' : 'AWS'} (rendered by \`sibyl deploy render\`)`,
    '',
    `Regions: ${l.regions.map((r) => `${r.dc} (${r.cloudRegion}, ${r.cidr}: ${[...r.dataSubnets, r.webSubnet].map((s) => `${s.name} ${s.cidr}`).join(', ')}${r.ilb ? `, ILB ${r.ilb}` : ''})`).join('; ')}. Seeds: ${seeds}.`,
    '',
    '- `terraform/` — the infrastructure (`terraform init && terraform apply` in that directory); each VM boots from its host\'s `cloud-init.yaml`.',
    '- `hosts/<name>/` — per node: `cassandra.yaml` and `cassandra-rackdc.properties` (go to /etc/sibyl), `sibyl.service` (systemd),',
    '  `nftables.conf` (the lock-down: 9042 from the web subnets and ILB only, 7000/7199 between nodes only, SSH), `cloud-init.yaml` (all of it).',
    `- The release goes to ${HOST_PATHS.app} on every node: \`dist/sibyl.mjs\` (\`npx sibyl deploy bundle\` builds it), \`package.json\``,
    `  and \`package-lock.json\`, then \`npm ci --omit=dev\` there (Node 20); \`systemctl start sibyl\` starts the node.`,
    '- `layout.json` — the layout these files were rendered from; `sibyl lab up --dir` boots the same files in network namespaces.',
    '',
  ].join('\n');
}

/** Renders `topology` (loopback preset addresses are moved to the seed's networks) into `outDir`. */
export function renderDeployment(topology: ClusterTopology, outDir: string): RenderResult {
  const out = resolve(outDir);
  const layout = layoutOf(realAddresses(topology));
  mkdirSync(join(out, 'terraform'), { recursive: true });
  const files = renderHosts(out, layout);
  const tf = layout.cloud === 'azure' ? azureTerraform(layout) : awsTerraform(layout);
  const tfName = join('terraform', `${layout.cloud}.tf.json`);
  writeFileSync(join(out, tfName), `${JSON.stringify(tf, null, 2)}\n`);
  writeFileSync(join(out, LAYOUT_FILE), `${JSON.stringify(layout, null, 2)}\n`);
  writeFileSync(join(out, 'README.md'), readme(layout));
  files.push(tfName, LAYOUT_FILE, 'README.md');
  return { dir: out, layout, files };
}

export function readLayout(dir: string): DeployLayout {
  const l = JSON.parse(readFileSync(join(resolve(dir), LAYOUT_FILE), 'utf8')) as DeployLayout;
  if (!Array.isArray(l.hosts) || !Array.isArray(l.regions)) throw new Error(`${join(dir, LAYOUT_FILE)} is not a deploy layout`);
  return l;
}
