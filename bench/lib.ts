// Pieces the bench scripts share: a process's CPU time and memory from /proc, and the `sibyl` CLI run as an
// operator would run it.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { CLI_SOURCE, REPO_ROOT } from '../src/tools/bundle.ts';

/** Clock ticks per second of /proc's CPU times. */
export const CLK_TCK = 100;

/** CPU seconds (user + system, and the system part alone) and resident memory of a live process. */
export function procStat(pid: number): { cpuSec: number; sysSec: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const sysSec = Number(fields[12]) / CLK_TCK; // stime
  const cpuSec = Number(fields[11]) / CLK_TCK + sysSec; // utime + stime
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSec, sysSec, rssMb: rssKb / 1024 };
}

/**
 * Resident memory of a live process by kind, MB: anonymous (JS heap, Buffers, native allocations) and file-backed
 * (the node binary's pages and LMDB's memory map, which the kernel can drop and read back).
 */
export function rssParts(pid: number): { anonMb: number; fileMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { anonMb: kb('RssAnon') / 1024, fileMb: kb('RssFile') / 1024 };
}

/** Runs `sibyl <args>` and resolves with its exit code and output. */
export function runSibyl(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_SOURCE, ...args], { cwd: REPO_ROOT });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (err += c));
    child.on('close', (code) => done({ code, out, err }));
  });
}

/** Runs `sibyl <args>`, failing with its stderr unless it exits 0. */
export async function sibyl(args: string[]): Promise<string> {
  const r = await runSibyl(args);
  if (r.code !== 0) throw new Error(`sibyl ${args.join(' ')} exited ${r.code}:\n${r.err}`);
  return r.out;
}

/** CPU seconds of a process's threads summed by thread name (main "node", "libuv-worker", V8's GC helpers…). */
export function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const key = tid === String(pid) ? 'main' : name;
      out.set(key, (out.get(key) ?? 0) + (Number(fields[11]) + Number(fields[12])) / CLK_TCK);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}
