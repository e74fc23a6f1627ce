// `sibyl lab`: the seeds' networks as real hosts in network namespaces on this machine. `up` renders the deployment
// (`deploy render`), plans the namespaces (plan.ts), records them in lab.json *before* creating any (so `down` after a
// crash still knows what to remove), builds them, and runs every node from its rendered cassandra.yaml inside its
// namespace — in a private mount namespace where the lab's per-node directory is bind-mounted on /var/lib/sibyl, the
// state directory the rendered files name — plus the internal load balancers at their seed addresses.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureBundle, REPO_ROOT } from '../bundle.ts';
import { presetTopology } from '../cluster/topology.ts';
import { HOST_PATHS } from '../deploy/host-files.ts';
import { nodeHosts, type DeployLayout } from '../deploy/layout.ts';
import { readLayout, renderDeployment } from '../deploy/render.ts';
import { hasCommand, ip, killNamespaceProcesses, LabError, listNamespaces, nsExec, nsPids, nsSpawn, setLink } from './netns.ts';
import { planLab, type LabLink, type LabPlan } from './plan.ts';

export const LAB_PRESETS = ['azure-single-region', 'azure-two-region', 'aws-multi-az'] as const;
export const LAB_FILE = 'lab.json';

export interface LabRecord {
  version: 1;
  tag: string;
  dir: string;
  preset: string;
  /** Every namespace the lab creates, recorded before the first is made. */
  namespaces: string[];
  plan: LabPlan;
  /** Links pulled by `lab partition`, restored by `lab heal`. */
  cut: Array<LabLink & { why: string }>;
  /** Whether `up` created /var/lib/sibyl as a mount point (removed again by `down` when empty). */
  createdMountpoint: boolean;
  firewall: boolean;
}

export function requireRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new LabError('sibyl lab needs root: it creates network namespaces, veth pairs and bridges (run it with sudo)');
  }
  if (!hasCommand('ip')) throw new LabError('sibyl lab needs iproute2 (`ip`): apt-get install -y iproute2');
}

export const labFile = (dir: string): string => join(resolve(dir), LAB_FILE);

export function readLab(dir: string): LabRecord {
  const p = labFile(dir);
  if (!existsSync(p)) throw new LabError(`no lab in ${resolve(dir)} (${LAB_FILE} not found)`);
  return JSON.parse(readFileSync(p, 'utf8')) as LabRecord;
}

export function writeLab(r: LabRecord): void {
  const p = labFile(r.dir);
  writeFileSync(`${p}.tmp`, `${JSON.stringify(r, null, 2)}\n`);
  renameSync(`${p}.tmp`, p);
}

export const renderDir = (r: { dir: string }): string => join(r.dir, 'render');
export const layoutOfLab = (r: LabRecord): DeployLayout => readLayout(renderDir(r));

/** The command that runs one node: its rendered yaml, with the lab's directory for it on /var/lib/sibyl. */
function nodeArgv(r: LabRecord, host: string, bundle: string): string[] {
  const state = join(r.dir, 'state', host);
  const conf = join(renderDir(r), 'hosts', host, 'cassandra.yaml');
  const script = `mount --bind "$1" ${HOST_PATHS.state} && exec "$2" "$3" node --config "$4"`;
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, 'sibyl-lab', state, process.execPath, bundle, conf];
}

export async function startNode(r: LabRecord, host: string): Promise<void> {
  const ns = r.plan.nsOf[host];
  if (ns === undefined) throw new LabError(`no host ${host} in this lab`);
  if (nsPids(ns).length > 0) return;
  for (const d of ['data', 'hints']) mkdirSync(join(r.dir, 'state', host, d), { recursive: true });
  nsSpawn(ns, nodeArgv(r, host, await ensureBundle()), join(r.dir, 'logs', `${host}.log`), REPO_ROOT);
}

async function startIlbs(r: LabRecord): Promise<void> {
  const bundle = await ensureBundle();
  for (const ilb of r.plan.ilbs) {
    const ns = r.plan.nsOf[ilb.name]!;
    if (nsPids(ns).length > 0) continue;
    const argv = [process.execPath, bundle, 'cluster', 'ilb', '--listen', `${ilb.address}:9042`, '--targets', ilb.targets.join(',')];
    nsSpawn(ns, argv, join(r.dir, 'logs', `${ilb.name}.log`), REPO_ROOT);
  }
}

/** Creates the namespaces and links; on any failure removes what was made and rethrows. */
async function build(r: LabRecord): Promise<void> {
  try {
    for (const c of r.plan.commands) ip(c);
    for (const e of r.plan.execs) nsExec(e.ns, e.argv);
  } catch (e) {
    await removeNamespaces(r);
    throw e;
  }
}

export async function labUp(opts: { preset: string; dir: string; tag: string; firewall: boolean }): Promise<LabRecord> {
  requireRoot();
  if (!(LAB_PRESETS as readonly string[]).includes(opts.preset)) throw new LabError(`lab presets: ${LAB_PRESETS.join(', ')}`);
  const dir = resolve(opts.dir);
  if (existsSync(labFile(dir))) throw new LabError(`a lab is recorded in ${dir}: \`sibyl lab down --dir ${dir}\` first`);
  mkdirSync(dir, { recursive: true });
  const layout = renderDeployment(presetTopology(opts.preset), renderDir({ dir })).layout;
  const plan = planLab(layout, opts.tag);
  const taken = new Set(listNamespaces());
  const clash = plan.namespaces.filter((n) => taken.has(n));
  if (clash.length > 0) throw new LabError(`namespaces already exist (another lab named "${opts.tag}"?): ${clash.join(', ')}`);
  const createdMountpoint = !existsSync(HOST_PATHS.state);
  const r: LabRecord = { version: 1, tag: opts.tag, dir, preset: opts.preset, namespaces: plan.namespaces, plan, cut: [], createdMountpoint, firewall: false };
  writeLab(r);
  if (createdMountpoint) mkdirSync(HOST_PATHS.state, { recursive: true });
  await build(r);
  if (opts.firewall) applyFirewall(r, true);
  for (const h of nodeHosts(layout)) await startNode(r, h.name);
  await startIlbs(r);
  return r;
}

/** Stops every process of the lab's namespaces and deletes those namespaces (and with them every link and bridge). */
async function removeNamespaces(r: LabRecord): Promise<string[]> {
  const present = new Set(listNamespaces());
  // Namespaces of this lab's prefix that the record does not list can only come from a record lost mid-write.
  const mine = [...new Set([...r.namespaces, ...[...present].filter((n) => n.startsWith(r.plan.prefix))])].filter((n) => present.has(n));
  await killNamespaceProcesses(mine, 'SIGTERM');
  for (const ns of [...mine].reverse()) ip(['netns', 'del', ns]);
  return mine;
}

export async function labDown(dir: string): Promise<string[]> {
  requireRoot();
  const r = readLab(dir);
  const removed = await removeNamespaces(r);
  if (r.createdMountpoint && existsSync(HOST_PATHS.state) && readdirSync(HOST_PATHS.state).length === 0) rmdirSync(HOST_PATHS.state);
  renameSync(labFile(dir), `${labFile(dir)}.down`);
  return removed;
}

/** Loads (or, with `on` false, removes) each node's rendered nftables.conf inside its namespace. */
export function applyFirewall(r: LabRecord, on: boolean): void {
  if (!hasCommand('nft')) throw new LabError('nft is not installed (apt-get install -y nftables): the lock-down cannot be applied');
  for (const h of nodeHosts(layoutOfLab(r))) {
    const ns = r.plan.nsOf[h.name]!;
    if (on) nsExec(ns, ['nft', '-f', join(renderDir(r), 'hosts', h.name, 'nftables.conf')]);
    else nsExec(ns, ['nft', 'delete', 'table', 'inet', 'sibyl']);
  }
  r.firewall = on;
  writeLab(r);
}

export interface PartitionTarget {
  node?: string;
  rack?: string;
  dc?: string;
}

function linksFor(r: LabRecord, t: PartitionTarget): Array<LabLink & { why: string }> {
  const l = layoutOfLab(r);
  if (t.node !== undefined) {
    const h = l.hosts.find((x) => x.name === t.node || x.address === t.node);
    if (!h) throw new LabError(`no host ${t.node} (hosts: ${l.hosts.map((x) => x.name).join(', ')})`);
    return [{ ...r.plan.hostLinks[h.name]!, why: `node ${h.name} (${h.address})` }];
  }
  if (t.rack !== undefined) {
    const keys = Object.keys(r.plan.rackLinks).filter((k) => k.endsWith(`/${t.rack}`) && (t.dc === undefined || k === `${t.dc}/${t.rack}`));
    if (keys.length !== 1) throw new LabError(keys.length === 0 ? `no rack ${t.rack}${t.dc ? ` in ${t.dc}` : ''} (racks: ${Object.keys(r.plan.rackLinks).join(', ')})` : `rack ${t.rack} is in several data centres: add --dc`);
    return [{ ...r.plan.rackLinks[keys[0]!]!, why: `rack ${keys[0]}` }];
  }
  if (t.dc !== undefined) {
    const link = r.plan.dcLinks[t.dc];
    if (!link) throw new LabError(`no VPN link for ${t.dc}: --dc cuts one region off the other (regions: ${Object.keys(r.plan.dcLinks).join(', ') || 'only one'})`);
    return [{ ...link, why: `data centre ${t.dc}` }];
  }
  throw new LabError('choose what to cut: --node NAME|ADDRESS, --rack RACK [--dc DC] or --dc DC');
}

export function partition(r: LabRecord, t: PartitionTarget): string[] {
  const links = linksFor(r, t);
  for (const link of links) {
    setLink(link, false);
    if (!r.cut.some((c) => c.ns === link.ns && c.dev === link.dev)) r.cut.push(link);
  }
  writeLab(r);
  return links.map((x) => x.why);
}

export function heal(r: LabRecord): string[] {
  const healed = r.cut.map((c) => (setLink(c, true), c.why));
  // Setting a router's interface down makes the kernel drop the routes through it (the VPN's route to the other
  // region), and setting it up does not bring them back: the plan's routes are put back, idempotently.
  for (const c of r.plan.commands) if (c[2] === 'route' && c[3] === 'add' && r.cut.some((x) => x.ns === c[1])) ip([...c.slice(0, 3), 'replace', ...c.slice(4)]);
  r.cut = [];
  writeLab(r);
  return healed;
}

/** SIGKILL (a crash) or SIGTERM (a clean stop) of one node's processes. */
export async function stopNode(r: LabRecord, host: string, signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
  const ns = r.plan.nsOf[host];
  if (ns === undefined) throw new LabError(`no host ${host} in this lab`);
  await killNamespaceProcesses([ns], signal);
}

export function status(r: LabRecord): string {
  const present = new Set(listNamespaces());
  const lines = [`lab ${r.tag} (${r.preset}) in ${r.dir}; firewall ${r.firewall ? 'on' : 'off'}`];
  const l = layoutOfLab(r);
  for (const h of [...l.hosts, ...r.plan.ilbs.map((i) => ({ name: i.name, address: i.address, dc: i.dc, role: 'ilb', rack: undefined }))]) {
    const ns = r.plan.nsOf[h.name]!;
    const procs = present.has(ns) ? nsPids(ns).length : -1;
    const state = procs < 0 ? 'no namespace' : procs === 0 ? (h.role === 'web' ? 'idle' : 'stopped') : 'running';
    lines.push(`  ${h.name.padEnd(12)} ${h.address.padEnd(12)} ${`${h.dc}${h.rack ? `/${h.rack}` : ''}`.padEnd(16)} ${h.role.padEnd(5)} ${state}`);
  }
  lines.push(r.cut.length === 0 ? 'no partitions' : `cut: ${r.cut.map((c) => c.why).join('; ')}`);
  return `${lines.join('\n')}\n`;
}
