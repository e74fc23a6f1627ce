// Helpers of the lab suite: the CLI, commands inside a lab host, nodetool's view from a node, TCP probes, bounded waits.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BUNDLE_PATH, REPO_ROOT } from '../../src/tools/bundle.ts';
import { readLab } from '../../src/tools/lab/lab.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';

export async function lab(args: string[], timeoutMs = 300_000): Promise<CliResult> {
  const r = await runCli(['lab', ...args], { timeoutMs });
  if (r.code !== 0) throw new Error(`sibyl lab ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs argv inside the lab host `host` (bounded), as `sibyl lab exec --host` does. */
export function inHost(dir: string, host: string, argv: string[], timeoutMs = 60_000): Promise<Run> {
  const ns = readLab(dir).plan.nsOf[host];
  if (ns === undefined) throw new Error(`no host ${host}`);
  return new Promise((done, fail) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${argv.join(' ')} in ${host} did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

export const cqlsh = (dir: string, host: string, address: string, args: string[]): Promise<Run> =>
  inHost(dir, host, [process.execPath, BUNDLE_PATH, 'cqlsh', address, '9042', ...args]);

/** `nodetool status` as a node sees it: address → UN/DN. */
export async function ringView(dir: string, host: string, address: string): Promise<Map<string, string>> {
  const r = await inHost(dir, host, [process.execPath, BUNDLE_PATH, 'nodetool', '-h', address, 'status']);
  return new Map([...r.stdout.matchAll(/^([UD][NLJM])\s+(\d+\.\d+\.\d+\.\d+)/gm)].map((m) => [m[2]!, m[1]!]));
}

const PROBE = join(REPO_ROOT, 'test', 'lab', 'probe.mjs');

/** A TCP connect from `host` to address:port: 'open', 'timeout' (dropped) or the error code. */
export async function probe(dir: string, host: string, address: string, port: number): Promise<string> {
  return (await inHost(dir, host, [process.execPath, PROBE, address, String(port)])).stdout.trim();
}

export async function waitFor<T>(what: string, timeoutMs: number, f: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Waits until `viewer` sees every address in `addresses` in state `state` (UN or DN); returns the ms it took. */
export async function waitRing(dir: string, viewer: { name: string; address: string }, addresses: readonly string[], state: 'UN' | 'DN', timeoutMs = 60_000): Promise<number> {
  const t0 = Date.now();
  await waitFor(`${addresses.join(', ')} ${state} as seen by ${viewer.name}`, timeoutMs, async () => {
    const view = await ringView(dir, viewer.name, viewer.address);
    return addresses.every((a) => view.get(a) === state) ? true : undefined;
  });
  return Date.now() - t0;
}

/** Waits until every one of `nodes` sees all of them UN (each node's failure detector converges on its own). */
export async function waitAllUp(dir: string, nodes: ReadonlyArray<{ name: string; address: string }>, timeoutMs = 90_000): Promise<number> {
  const t0 = Date.now();
  for (const n of nodes) await waitRing(dir, n, nodes.map((x) => x.address), 'UN', Math.max(1000, timeoutMs - (Date.now() - t0)));
  return Date.now() - t0;
}
