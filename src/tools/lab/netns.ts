// The few system calls the lab makes, all through iproute2's `ip` (and nft inside a namespace): create and delete
// namespaces, run a command in one, list the processes in one, set a link down or up.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

export class LabError extends Error {}

export function ip(args: readonly string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.error) throw new LabError(`ip ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new LabError(`ip ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.status}`}`);
  return r.stdout;
}

export function listNamespaces(): string[] {
  return ip(['netns', 'list']).split('\n').map((l) => l.split(' ')[0]!.trim()).filter(Boolean);
}

export function nsPids(ns: string): number[] {
  try {
    return ip(['netns', 'pids', ns]).split('\n').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    return [];
  }
}

/** Runs argv inside ns and returns its output; throws with stderr on failure. */
export function nsExec(ns: string, argv: readonly string[], input?: string): string {
  return execFileSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(input !== undefined ? { input } : {}) });
}

/** Starts argv inside ns in the background (its own process group), output appended to logPath. */
export function nsSpawn(ns: string, argv: readonly string[], logPath: string, cwd: string): ChildProcess {
  mkdirSync(dirname(logPath), { recursive: true });
  const fd = openSync(logPath, 'a');
  try {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { cwd, detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    return child;
  } finally {
    closeSync(fd);
  }
}

export function setLink(link: { ns: string; dev: string }, up: boolean): void {
  ip(['-n', link.ns, 'link', 'set', link.dev, up ? 'up' : 'down']);
}

export function linkIsUp(link: { ns: string; dev: string }): boolean {
  return /<[^>]*\bUP\b/.test(ip(['-n', link.ns, 'link', 'show', link.dev]));
}

export function hasCommand(cmd: string): boolean {
  return ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((d) => existsSync(`${d}/${cmd}`));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Signals every process of the namespaces, waits (bounded) until none is left, and escalates to SIGKILL. */
export async function killNamespaceProcesses(namespaces: readonly string[], signal: 'SIGTERM' | 'SIGKILL', timeoutMs = 15_000): Promise<number> {
  const pids = namespaces.flatMap(nsPids);
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone already
    }
  }
  const deadline = Date.now() + timeoutMs;
  while (pids.some(alive) && Date.now() < deadline) await sleep(100);
  for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
  while (pids.some(alive) && Date.now() < deadline + 5000) await sleep(100);
  return pids.length;
}
