// `sibyl lab …`: up, down, status, exec, partition, heal, kill, start, firewall (and the hidden `wait`, which runs
// inside a namespace of the lab since only there are the lab's addresses reachable).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { ensureBundle, REPO_ROOT } from '../bundle.ts';
import { driverCheck, waitReady } from '../cluster/ready.ts';
import type { ManifestNode } from '../cluster/manifest.ts';
import { nodeHosts, webHosts, type DeployLayout } from '../deploy/layout.ts';
import { applyFirewall, heal, LAB_FILE, LAB_PRESETS, labDown, labUp, layoutOfLab, partition, readLab, requireRoot, startNode, status, stopNode, type LabRecord } from './lab.ts';
import { nsPids } from './netns.ts';

const TAGS: Record<string, string> = { 'azure-single-region': 'az1', 'azure-two-region': 'az2', 'aws-multi-az': 'aws' };

/** Without --dir: the only lab under ./labs. */
function labDir(dir: string | undefined): string {
  if (dir !== undefined) return resolve(dir);
  const root = resolve('labs');
  const found = existsSync(root) ? readdirSync(root).filter((d) => existsSync(join(root, d, LAB_FILE))) : [];
  if (found.length === 1) return join(root, found[0]!);
  throw new Error(found.length === 0 ? 'no lab found under ./labs; pass --dir DIR' : `several labs under ./labs (${found.join(', ')}); pass --dir DIR`);
}

/** What waitReady needs of a node, from the layout (logs are the lab's). */
function asManifestNodes(l: DeployLayout, dir: string): ManifestNode[] {
  return nodeHosts(l).map((h) => ({
    name: h.name, address: h.address, dataCenter: h.dc, rack: h.rack!, seed: h.seed === true, configPath: '', logPath: join(dir, 'logs', `${h.name}.log`),
    nativePort: l.ports.native, adminPort: l.ports.admin,
  }));
}

/** Waits until every node sees all nodes UN (asked from a node's namespace), then until a driver connects to each (from a web host's). */
export async function waitLab(r: LabRecord, timeoutSec: number): Promise<void> {
  const l = layoutOfLab(r);
  const bundle = await ensureBundle();
  const run = (host: string, phase: string): void => {
    const res = spawnSync('ip', ['netns', 'exec', r.plan.nsOf[host]!, process.execPath, bundle, 'lab', 'wait', '--dir', r.dir, '--phase', phase, '--timeout', String(timeoutSec)], {
      cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (res.status !== 0) throw new Error(`lab: the cluster is not ready (${phase}, checked from ${host}); logs in ${join(r.dir, 'logs')}; \`sibyl lab down --dir ${r.dir}\` removes the lab`);
  };
  run(nodeHosts(l)[0]!.name, 'ring');
  run(webHosts(l)[0]!.name, 'driver');
}

const selection = (c: Command): Command =>
  c.option('--dir <dir>', 'lab directory (default: the only lab under ./labs)').option('--node <host>', 'a host, by name (node3) or address').option('--rack <rack>', 'a rack (availability set or zone)').option('--dc <dc>', 'a data centre');

interface Sel { dir?: string; node?: string; rack?: string; dc?: string }

export function registerLabCommand(program: Command): void {
  const lab = program.command('lab').description("the seeds' networks as hosts in network namespaces (root): nodes run from `deploy render`'s files");
  lab
    .command('up')
    .description('create the namespaces, bridges and routers, start every node and the ILBs, wait until the cluster serves')
    .requiredOption('--preset <name>', LAB_PRESETS.join(' | '))
    .option('--dir <dir>', 'lab directory (default ./labs/<preset>)')
    .option('--name <tag>', 'namespace prefix sbl-<tag>- (default from the preset)')
    .option('--firewall', "apply every node's rendered nftables rules (the seed's lock-down)")
    .option('--timeout <seconds>', 'how long to wait for the cluster', (v) => Number(v), 240)
    .action(async (o: { preset: string; dir?: string; name?: string; firewall?: boolean; timeout: number }) => {
      const r = await labUp({ preset: o.preset, dir: o.dir ?? resolve('labs', o.preset), tag: o.name ?? TAGS[o.preset] ?? 'lab', firewall: o.firewall === true });
      await waitLab(r, o.timeout);
      const l = layoutOfLab(r);
      process.stdout.write(status(r));
      const ilb = l.regions[0]!.ilb ?? nodeHosts(l)[0]!.address;
      process.stdout.write(`Connect: npx sibyl lab exec --dir ${r.dir} --host ${webHosts(l)[0]!.name} -- node ${await ensureBundle()} cqlsh ${ilb} 9042\n`);
    });
  lab
    .command('down')
    .description("stop every process in the lab's namespaces and delete them (also after a crash, from lab.json)")
    .option('--dir <dir>', 'lab directory')
    .action(async (o: { dir?: string }) => {
      const removed = await labDown(labDir(o.dir));
      process.stdout.write(`removed ${removed.length} namespaces\n`);
    });
  lab.command('status').option('--dir <dir>', 'lab directory').action((o: { dir?: string }) => void process.stdout.write(status(readLab(labDir(o.dir)))));
  lab
    .command('exec')
    .description('run a command inside a host of the lab, e.g. lab exec --host web1 -- cqlsh 10.1.2.101 9042')
    .option('--dir <dir>', 'lab directory')
    .requiredOption('--host <host>', 'host name (web1, node3, ilb-westus, rtr-westus) or address')
    .argument('<command...>')
    .passThroughOptions()
    .action((argv: string[], o: { dir?: string; host: string }) => {
      requireRoot();
      const r = readLab(labDir(o.dir));
      const host = layoutOfLab(r).hosts.find((h) => h.address === o.host)?.name ?? o.host;
      const ns = r.plan.nsOf[host];
      if (ns === undefined) throw new Error(`no host ${o.host} (hosts: ${Object.keys(r.plan.nsOf).join(', ')})`);
      const res = spawnSync('ip', ['netns', 'exec', ns, ...argv], { stdio: 'inherit' });
      process.exitCode = res.status ?? 1;
    });
  registerFaultCommands(lab);
  registerWaitCommand(lab);
}

/** Fault injection: links pulled and restored, node processes killed, stopped and started, the firewall. */
function registerFaultCommands(lab: Command): void {
  selection(lab.command('partition').description('pull the link of a node, a rack (its uplink) or a data centre (the VPN)')).action((o: Sel) => {
    requireRoot();
    for (const why of partition(readLab(labDir(o.dir)), o)) process.stdout.write(`cut ${why}\n`);
  });
  lab.command('heal').description('restore every link `partition` pulled').option('--dir <dir>', 'lab directory').action((o: { dir?: string }) => {
    requireRoot();
    const healed = heal(readLab(labDir(o.dir)));
    process.stdout.write(healed.length === 0 ? 'nothing to heal\n' : healed.map((w) => `restored ${w}\n`).join(''));
  });
  for (const [name, signal] of [['kill', 'SIGKILL'], ['stop', 'SIGTERM']] as const) {
    lab.command(name).description(`${signal} to a node's process`).option('--dir <dir>', 'lab directory').requiredOption('--node <host>', 'node name').action(async (o: { dir?: string; node: string }) => {
      requireRoot();
      await stopNode(readLab(labDir(o.dir)), o.node, signal);
    });
  }
  lab.command('start').description('start a stopped node again').option('--dir <dir>', 'lab directory').requiredOption('--node <host>', 'node name').action(async (o: { dir?: string; node: string }) => {
    requireRoot();
    await startNode(readLab(labDir(o.dir)), o.node);
  });
  lab
    .command('firewall')
    .description("apply (on) or remove (off) every node's rendered nftables rules")
    .argument('<state>', 'on | off')
    .option('--dir <dir>', 'lab directory')
    .action((state: string, o: { dir?: string }) => {
      requireRoot();
      if (state !== 'on' && state !== 'off') throw new Error('lab firewall on|off');
      applyFirewall(readLab(labDir(o.dir)), state === 'on');
    });
}

/** Runs inside one of the lab's namespaces (see waitLab). */
function registerWaitCommand(lab: Command): void {
  lab
    .command('wait', { hidden: true })
    .requiredOption('--dir <dir>')
    .requiredOption('--phase <phase>', 'ring | driver')
    .option('--timeout <seconds>', '', (v) => Number(v), 240)
    .action(async (o: { dir: string; phase: string; timeout: number }) => {
      const r = readLab(o.dir);
      const nodes = asManifestNodes(layoutOfLab(r), r.dir);
      const deadline = Date.now() + o.timeout * 1000;
      if (o.phase === 'ring') {
        await waitReady(nodes, { timeoutMs: o.timeout * 1000, driver: false, alive: (n) => nsPids(r.plan.nsOf[n.name]!).length > 0 });
        return;
      }
      for (const n of nodes) {
        for (;;) {
          try {
            await driverCheck(n);
            break;
          } catch (e) {
            if (Date.now() > deadline) throw e;
            await new Promise((res) => setTimeout(res, 500));
          }
        }
      }
    });
}
