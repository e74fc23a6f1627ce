// `npm run oracle:report`: per area, how many scenarios agree with Cassandra, differ only in known ways, or differ in
// unknown ways, from the last `npm run test:oracle` (its .cache/oracle/report.json). `--details` lists the keys.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/tools/bundle.ts';

interface Div { key: string; detail: string }
interface ScenarioReport { id: string; area: string; statements: number; known: Div[]; unknown: Div[] }
interface Report { at: string; scenarios: ScenarioReport[]; stale: string[] }

const path = join(REPO_ROOT, '.cache', 'oracle', 'report.json');
if (!existsSync(path)) {
  console.error(`no ${path}: run \`npm run test:oracle\` first`);
  process.exit(1);
}
const r = JSON.parse(readFileSync(path, 'utf8')) as Report;
const areas = new Map<string, { n: number; agree: number; known: number; unknown: number; statements: number }>();
for (const s of r.scenarios) {
  const a = areas.get(s.area) ?? { n: 0, agree: 0, known: 0, unknown: 0, statements: 0 };
  a.n++;
  a.statements += s.statements;
  if (s.unknown.length > 0) a.unknown++;
  else if (s.known.length > 0) a.known++;
  else a.agree++;
  areas.set(s.area, a);
}
console.log(`oracle run of ${r.at}`);
console.log(`${'area'.padEnd(16)} ${'scenarios'.padStart(9)} ${'stmts'.padStart(6)} ${'agree'.padStart(6)} ${'known'.padStart(6)} ${'unknown'.padStart(8)}`);
const total = { n: 0, agree: 0, known: 0, unknown: 0, statements: 0 };
for (const [area, a] of [...areas].sort()) {
  console.log(`${area.padEnd(16)} ${String(a.n).padStart(9)} ${String(a.statements).padStart(6)} ${String(a.agree).padStart(6)} ${String(a.known).padStart(6)} ${String(a.unknown).padStart(8)}`);
  for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += a[k];
}
console.log(`${'total'.padEnd(16)} ${String(total.n).padStart(9)} ${String(total.statements).padStart(6)} ${String(total.agree).padStart(6)} ${String(total.known).padStart(6)} ${String(total.unknown).padStart(8)}`);
if (r.stale.length > 0) console.log(`listed divergences that agree now (remove them): ${r.stale.join(', ')}`);
if (process.argv.includes('--details')) {
  for (const s of r.scenarios) for (const d of [...s.unknown, ...s.known]) console.log(`${s.unknown.includes(d) ? 'UNKNOWN' : 'known  '} ${d.key}`);
}
