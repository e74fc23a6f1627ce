// `npm run oracle:report`: per area, how many scenarios agree with Cassandra, differ only in known ways, or differ in
// unknown ways, from the last `npm run test:oracle` (its .cache/oracle/report.json). `--details` lists the keys.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/tools/bundle.ts';

interface Div { key: string; detail: string }
interface ScenarioReport { id: string; area: string; statements: number; known: Div[]; unknown: Div[]; global?: number }
interface Report { at: string; scenarios: ScenarioReport[]; stale: string[] }

const path = join(REPO_ROOT, '.cache', 'oracle', 'report.json');
if (!existsSync(path)) {
  console.error(`no ${path}: run \`npm run test:oracle\` first`);
  process.exit(1);
}
const r = JSON.parse(readFileSync(path, 'utf8')) as Report;

/** Statement numbers with a divergence ("<scenario>#<n> <aspect>"); schema/DESCRIBE divergences have none. */
const divergentStatements = (s: ScenarioReport): number =>
  new Set([...s.known, ...s.unknown].map((d) => /#(\d+) /.exec(d.key)?.[1]).filter((n) => n !== undefined)).size;

type Row = { n: number; agree: number; known: number; unknown: number; statements: number; stmtAgree: number };
const areas = new Map<string, Row>();
for (const s of r.scenarios) {
  const a = areas.get(s.area) ?? { n: 0, agree: 0, known: 0, unknown: 0, statements: 0, stmtAgree: 0 };
  a.n++;
  a.statements += s.statements;
  a.stmtAgree += s.statements - divergentStatements(s);
  // A scenario whose only divergences are the `* …` lines (the same schema gap everywhere) counts as agreeing.
  if (s.unknown.length > 0) a.unknown++;
  else if (s.known.length > (s.global ?? 0)) a.known++;
  else a.agree++;
  areas.set(s.area, a);
}
const cols: [keyof Row, string][] = [['n', 'scenarios'], ['agree', 'agree'], ['known', 'known-div'], ['unknown', 'unknown'],
  ['statements', 'stmts'], ['stmtAgree', 'stmts-agree']];
const line = (name: string, a: Row): string => `${name.padEnd(14)}${cols.map(([k, h]) => String(a[k]).padStart(h.length + 2)).join('')}`;
console.log(`oracle run of ${r.at} (scenario "agree": no divergence but the all-scenario "* …" lines)`);
console.log(`${'area'.padEnd(14)}${cols.map(([, h]) => h.padStart(h.length + 2)).join('')}`);
const total: Row = { n: 0, agree: 0, known: 0, unknown: 0, statements: 0, stmtAgree: 0 };
for (const [area, a] of [...areas].sort()) {
  console.log(line(area, a));
  for (const [k] of cols) total[k] += a[k];
}
console.log(line('total', total));
if (r.stale.length > 0) console.log(`listed divergences that agree now (remove them): ${r.stale.join(', ')}`);
if (process.argv.includes('--details')) {
  for (const s of r.scenarios) for (const d of [...s.unknown, ...s.known]) console.log(`${s.unknown.includes(d) ? 'UNKNOWN' : 'known  '} ${d.key}`);
}
