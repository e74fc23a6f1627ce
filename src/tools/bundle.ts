// The launcher runs nodes from one esbuild bundle of the CLI (dist/sibyl.mjs) instead of through the tsx loader: a node
// then starts in about half the time and idles in about two thirds of the memory, which is what lets 16 nodes share
// two cores. The bundle is rebuilt whenever a source file is newer than it, so editing src/ never runs stale code.
// Packages stay external (resolved from node_modules next to dist/), so native modules such as lmdb load as usual.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found by walking up to package.json so that this works from src/ and from the bundle. */
export const REPO_ROOT = findRepoRoot(fileURLToPath(new URL('.', import.meta.url)));
export const CLI_SOURCE = join(REPO_ROOT, 'src', 'tools', 'cli.ts');
export const BUNDLE_PATH = join(REPO_ROOT, 'dist', 'sibyl.mjs');

function findRepoRoot(start: string): string {
  let dir = resolve(start);
  for (let i = 0; i < 10; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'tools', 'cli.ts'))) return dir;
    const up = resolve(dir, '..');
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`cannot find the Sibyl repository above ${start}`);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Whether dist/sibyl.mjs exists and is at least as new as every file under src/. */
export function bundleIsFresh(): boolean {
  if (!existsSync(BUNDLE_PATH)) return false;
  return statSync(BUNDLE_PATH).mtimeMs >= newestMtime(join(REPO_ROOT, 'src'));
}

let building: Promise<string> | undefined;
let builds = 0;

/**
 * Builds dist/sibyl.mjs unless it is fresh, and returns its path. Callers in one process share one build; processes
 * building at the same time each write their own file and rename it into place, so a node never loads a half-written
 * bundle.
 */
export function ensureBundle(): Promise<string> {
  if (bundleIsFresh()) return Promise.resolve(BUNDLE_PATH);
  building ??= build().finally(() => (building = undefined));
  return building;
}

async function build(): Promise<string> {
  mkdirSync(join(REPO_ROOT, 'dist'), { recursive: true });
  const tmp = `${BUNDLE_PATH}.${process.pid}.${++builds}.tmp`;
  // Loaded here, not at the top: every node runs this file's module, and only launchers build.
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [CLI_SOURCE],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  renameSync(tmp, BUNDLE_PATH);
  return BUNDLE_PATH;
}

/**
 * How to run the CLI in a child process: the bundle, or `--import tsx` on the sources when SIBYL_RUNTIME=tsx. The
 * bundle carries no source map (an inline one costs each node about 10 MB); it is not minified and esbuild marks each
 * source file in it, so its stack traces stay readable, and SIBYL_RUNTIME=tsx gives .ts locations when needed.
 */
export async function cliCommand(): Promise<string[]> {
  // SIBYL_NODE_FLAGS: extra flags for node processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (NODE_OPTIONS refuses
  // some of them).
  const flags = (process.env['SIBYL_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== '');
  if (process.env['SIBYL_RUNTIME'] === 'tsx') return [...flags, '--import', 'tsx', CLI_SOURCE];
  return [...flags, await ensureBundle()];
}
