// The boundary and layering rules, as part of npm test:
// - oxlint with .oxlintrc.json: no Date.now / Math.random / timers / sockets / files inside the logic folders
//   (cluster, coordinator, cql, node), no explicit `any`; errors fail the test.
// - a ratchet on functions over 70 lines: the ones in long-functions.txt may stay (and must be removed from it once
//   they are short), no other may appear.
// - layering between src/ folders: each imports only folders below it in LAYERS; the upward imports that exist
//   today are listed in KNOWN_UPWARD and may only disappear. Any cycle between folders needs an upward import.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { REPO_ROOT } from '../../src/tools/bundle.ts';
import { folderCycles, folderGraph } from './layers.ts';

const OXLINT = join(REPO_ROOT, 'node_modules', '.bin', 'oxlint');
const MAX_FUNCTION_LINES = 70;

/** Ground floor first: a folder may import only folders listed before it. */
export const LAYERS = ['model', 'protocol', 'schema', 'storage', 'index', 'cluster', 'messaging', 'coordinator', 'views', 'streaming', 'repair', 'bootstrap', 'cql', 'auth', 'node', 'server', 'tools'];
/** Upward imports that predate the layering rule: none are left, and none may be added. */
const KNOWN_UPWARD = new Set<string>([]);

interface Diagnostic { filename: string; message: string; severity: string; code?: string }

function oxlint(args: string[]): Diagnostic[] {
  let out: string;
  try {
    out = execFileSync(OXLINT, [...args, '-f', 'json'], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
  } catch (e) {
    // oxlint exits 1 when it reports errors; its JSON is still on stdout.
    out = (e as { stdout?: string }).stdout ?? '';
    if (out === '') throw e;
  }
  const parsed = JSON.parse(out) as { diagnostics?: Diagnostic[] } | Diagnostic[];
  return Array.isArray(parsed) ? parsed : parsed.diagnostics ?? [];
}

test('oxlint: the logic folders use only injected clocks, timers, randomness and I/O; no explicit any', () => {
  const errors = oxlint(['-c', '.oxlintrc.json', 'src', 'test', 'bench', 'examples']).filter((d) => d.severity === 'error');
  assert.deepEqual(errors.map((d) => `${d.filename}: ${d.message}`), []);
});

test(`functions over ${MAX_FUNCTION_LINES} lines: only the known ones, and the list only shrinks`, () => {
  const rule = JSON.stringify({ plugins: [], categories: {}, rules: { 'max-lines-per-function': ['error', { max: MAX_FUNCTION_LINES }] } });
  const dir = mkdtempSync(join(tmpdir(), 'sibyl-lint-'));
  const cfg = join(dir, 'fnlen.oxlintrc.json');
  writeFileSync(cfg, rule);
  after(() => rmSync(dir, { recursive: true, force: true }));
  const found = new Set(oxlint(['-c', cfg, 'src'])
    .filter((d) => /has too many lines/.test(d.message))
    .map((d) => `${d.filename} ${/function `([^`]+)`/.exec(d.message)?.[1] ?? '?'}`));
  const known = new Set(readFileSync(join(REPO_ROOT, 'test', 'lint', 'long-functions.txt'), 'utf8')
    .split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')));
  const added = [...found].filter((f) => !known.has(f)).sort();
  const gone = [...known].filter((f) => !found.has(f)).sort();
  assert.deepEqual(added, [], `new functions over ${MAX_FUNCTION_LINES} lines: split them`);
  assert.deepEqual(gone, [], 'these are short now: remove them from test/lint/long-functions.txt');
});

test('src/ folders import only downwards; no new cycles between folders', () => {
  const graph = folderGraph(join(REPO_ROOT, 'src'));
  const rank = new Map(LAYERS.map((l, i) => [l, i]));
  const upward: string[] = [];
  for (const [from, edges] of graph) {
    assert.ok(rank.has(from), `src/${from} is not in LAYERS (test/lint/lint.test.ts): place it`);
    for (const [to, examples] of edges) {
      assert.ok(rank.has(to), `src/${to} is not in LAYERS`);
      if (rank.get(to)! > rank.get(from)!) upward.push(`${from} -> ${to}`);
      if (rank.get(to)! > rank.get(from)! && !KNOWN_UPWARD.has(`${from} -> ${to}`)) {
        assert.fail(`src/${from} imports src/${to}, which sits above it (e.g. ${examples.join('; ')})`);
      }
    }
  }
  const stale = [...KNOWN_UPWARD].filter((e) => !upward.includes(e));
  assert.deepEqual(stale, [], 'these upward imports are gone: remove them from KNOWN_UPWARD');
  const cycles = folderCycles(graph);
  if (KNOWN_UPWARD.size === 0) assert.deepEqual(cycles, []);
});
