// Where a node's CPU goes: sums the samples of V8 .cpuprofile files (one per node, from --cpu-prof) by the category of
// the running function and by the nearest Sibyl function on its stack, optionally inside a window of CLOCK_MONOTONIC
// microseconds (bench/cluster-stress.ts prints each phase's window when the nodes are profiled).
//
//   npx tsx bench/cpu-profile.ts [--from US --to US] [--top 40] dist/sibyl.mjs PROFILE...
//
// The bundle maps sample line numbers back to source files: esbuild heads each module with a `// src/…` comment.
// Samples count wall time while on the CPU; on an oversubscribed machine a preempted function keeps accruing, so read
// the shares, not the milliseconds.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface Profile { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] }

const { values: args, positionals } = parseArgs({
  options: { from: { type: 'string', default: '0' }, to: { type: 'string', default: '0' }, top: { type: 'string', default: '40' } },
  allowPositionals: true,
});
const [bundle, ...files] = positionals;
if (bundle === undefined || files.length === 0) throw new Error('usage: cpu-profile.ts [--from US --to US] BUNDLE PROFILE...');
const from = Number(args.from);
const to = Number(args.to);

// Source module of each bundle line.
const moduleAt: string[] = [];
let current = '(bundle)';
for (const line of readFileSync(bundle, 'utf8').split('\n')) {
  const m = /^\/\/ (src\/\S+\.ts)$/.exec(line);
  if (m) current = m[1]!;
  moduleAt.push(current);
}

function category(cf: CallFrame): string {
  if (cf.functionName === '(garbage collector)') return 'GC';
  if (cf.functionName === '(program)') return '(program)';
  if (cf.url.includes('/lmdb/')) return 'lmdb (storage)';
  if (cf.url.includes('/msgpackr/')) return 'msgpackr (messaging codec)';
  if (cf.url.includes('sibyl.mjs')) return moduleAt[cf.lineNumber] ?? '(bundle)';
  if (cf.url === '') return `native ${cf.functionName}`;
  return cf.url.startsWith('node:') ? cf.url : cf.url.replace(/^.*node_modules\//, 'package ');
}

const byCategory = new Map<string, number>();
const byOwner = new Map<string, number>();
const byFunction = new Map<string, number>();
const add = (m: Map<string, number>, k: string, us: number): void => void m.set(k, (m.get(k) ?? 0) + us);
let totalUs = 0;

for (const file of files) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    const us = p.timeDeltas[i + 1] ?? 0;
    if (from > 0 && (t < from || t > to)) continue;
    const leaf = byId.get(p.samples[i]!)!;
    if (leaf.callFrame.functionName === '(idle)') continue;
    totalUs += us;
    let cat = category(leaf.callFrame);
    // A native (writev, a Buffer builtin) is charged to its caller's category, keeping its own name.
    const caller = byId.get(parent.get(leaf.id) ?? -1);
    if (leaf.callFrame.url === '' && caller !== undefined && !leaf.callFrame.functionName.startsWith('(')) cat = `${cat} (from ${category(caller.callFrame)})`;
    add(byCategory, cat, us);
    add(byFunction, `${leaf.callFrame.functionName || '(anonymous)'} [${cat}]`, us);
    let owner = '(no Sibyl frame)';
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      if (f.url.includes('sibyl.mjs')) {
        owner = `${moduleAt[f.lineNumber]} ${f.functionName || '(anonymous)'}`;
        break;
      }
    }
    add(byOwner, owner, us);
  }
}

const top = Number(args.top);
const table = (title: string, m: Map<string, number>): void => {
  console.log(`--- ${title}`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${k}`);
  }
};
console.log(`busy: ${(totalUs / 1000).toFixed(0)} ms of main-thread samples in ${files.length} profile(s)`);
table('by category of the running function', byCategory);
table('by nearest Sibyl function on the stack', byOwner);
table('by running function', byFunction);
