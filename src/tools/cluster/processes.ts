// Node and load-balancer processes of a launched cluster: spawning them (detached for `cluster up`, as children for the
// foreground `sibyl start`), checking they are alive, and stopping them with a bounded wait.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { REPO_ROOT } from '../bundle.ts';

export interface SpawnOptions {
  /** Node's arguments that run the CLI: `cliCommand()` of ../bundle.ts. */
  runtime: readonly string[];
  /** The CLI's arguments (e.g. `node --config …`). */
  args: string[];
  logPath: string;
  /**
   * Background processes outlive the launcher (cluster up). Either way each gets its own process group, so a Ctrl-C in
   * the launcher's terminal reaches only the launcher, which then stops every node exactly once (sibyl start): a node
   * treats a second signal as "exit now, without a clean shutdown".
   */
  background: boolean;
}

/** Starts `node <runtime> …` (the CLI) with stdout and stderr appended to logPath. */
export function spawnCli(opts: SpawnOptions): ChildProcess {
  mkdirSync(dirname(opts.logPath), { recursive: true });
  const fd = openSync(opts.logPath, 'a');
  try {
    const child = spawn(process.execPath, [...opts.runtime, ...opts.args], {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: process.env,
    });
    if (opts.background) child.unref();
    return child;
  } finally {
    // The child has its own copy of the descriptor.
    closeSync(fd);
  }
}

/**
 * Whether `pid` is alive and still the process we started: pids get reused, so on Linux its command line must mention
 * `marker` (the node's config path or the ILB's listen address).
 */
export function isAlive(pid: number | undefined, marker?: string): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to someone else, so it is not ours.
    return false;
  }
  const cmdline = `/proc/${pid}/cmdline`;
  if (marker === undefined || !existsSync('/proc/self/cmdline')) return true;
  try {
    const text = readFileSync(cmdline, 'utf8');
    // A zombie (exited, not yet reaped by its parent) has an empty command line.
    return text.includes(marker);
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface StopTarget {
  pid?: number;
  marker?: string;
}

/**
 * Sends `signal` to every live target and waits until all are gone; after timeoutMs a SIGTERM is followed by SIGKILL.
 * Returns the targets that were running.
 */
export async function stopProcesses(targets: readonly StopTarget[], signal: 'SIGTERM' | 'SIGKILL', timeoutMs = 20_000): Promise<StopTarget[]> {
  const live = targets.filter((t) => isAlive(t.pid, t.marker));
  for (const t of live) {
    try {
      process.kill(t.pid!, signal);
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + timeoutMs;
  let escalated = signal === 'SIGKILL';
  while (live.some((t) => isAlive(t.pid, t.marker))) {
    if (!escalated && Date.now() > deadline) {
      escalated = true;
      for (const t of live) if (isAlive(t.pid, t.marker)) process.kill(t.pid!, 'SIGKILL');
    }
    if (escalated && Date.now() > deadline + 5000) throw new Error(`processes ${live.map((t) => t.pid).join(', ')} did not exit`);
    await sleep(100);
  }
  return live;
}
