// The differential oracle: every scenario under cases/ runs in a fresh keyspace on the reference Cassandra
// (ORACLE_REFERENCE, default 127.0.99.1:9042, started by `npx sibyl reference up`) and on one Sibyl node started here
// (127.0.98.1), through the same driver; any divergence not in known-divergences.txt fails its scenario.
// Run with `npm run test:oracle`; `npm run oracle:report` prints the per-area summary of the last run.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startNodeProcess, REPO_ROOT } from '../helpers/node-process.ts';
import { loadScenarios, type Scenario } from './harness/case-file.ts';
import { compareRuns, type Divergence } from './harness/compare.ts';
import { loadKnown, matches } from './harness/known.ts';
import { runScenario, type Endpoint } from './harness/run.ts';
import { driverAnswers } from '../../src/tools/reference/launch.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const KNOWN_PATH = join(HERE, 'known-divergences.txt');
export const REPORT_PATH = join(REPO_ROOT, '.cache', 'oracle', 'report.json');

const [refHost, refPort] = (process.env.ORACLE_REFERENCE ?? '127.0.99.1:9042').split(':');
const reference: Endpoint = { name: 'cassandra', host: refHost!, port: Number(refPort ?? 9042) };
const only = process.env.ORACLE_ONLY; // a substring of scenario ids, for working on a few cases
const scenarios = loadScenarios(join(HERE, 'cases')).filter((s) => only === undefined || s.id.includes(only));
// property:… lines belong to property.suite.ts.
const known = loadKnown(KNOWN_PATH).filter((k) => !k.key.startsWith('property:'));
const seenKnown = new Set<string>();

interface ScenarioReport {
  id: string; area: string; statements: number; known: Divergence[]; unknown: Divergence[];
  /** Known divergences matched by a `* <aspect>` line (the same gap in every scenario, e.g. a system_schema column). */
  global: number;
}
const reports: ScenarioReport[] = [];
let sibyl: Endpoint;

before(async () => {
  const release = await driverAnswers(reference.host, reference.port, 10_000);
  assert.ok(release !== undefined, `no reference Cassandra answers on ${reference.host}:${reference.port}; run \`npx sibyl reference up\` first (or set ORACLE_REFERENCE=host:port)`);
  const node = await startNodeProcess({ address: '127.0.98.1', startTimeoutMs: 60_000 });
  sibyl = { name: 'sibyl', host: node.address, port: node.nativePort };
});

function keyspaceFor(sc: Scenario): string {
  return `o_${sc.id.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`.slice(0, 40);
}

for (const sc of scenarios) {
  test(`${sc.id} (${sc.statements.length} statements)`, { timeout: 180_000 }, async () => {
    const ks = keyspaceFor(sc);
    const [c, s] = await Promise.all([runScenario(reference, sc, ks), runScenario(sibyl, sc, ks)]);
    const divergences = compareRuns(sc, c, s);
    const report: ScenarioReport = { id: sc.id, area: sc.area, statements: sc.statements.length, known: [], unknown: [], global: 0 };
    for (const d of divergences) {
      const k = known.find((x) => matches(x, d.key));
      if (k) seenKnown.add(k.key);
      if (k?.key.startsWith('* ')) report.global++;
      (k ? report.known : report.unknown).push(d);
    }
    reports.push(report);
    assert.equal(report.unknown.length, 0,
      `divergences not in known-divergences.txt:\n${report.unknown.map((d) => `  ${d.key}\n    ${d.detail}`).join('\n')}`);
  });
}

/** A known line's scenario ("lwt/lwt" of "lwt/lwt#3 rows"), or undefined for the all-scenario `* ` lines. */
const scenarioOf = (key: string): string | undefined => (key.startsWith('* ') ? undefined : key.split(/[# ]/)[0]);

test('every listed divergence still occurs (the file may only shrink)', () => {
  // With ORACLE_ONLY, only the lines of the scenarios that ran can be judged.
  const ran = new Set(scenarios.map((s) => s.id));
  const stale = known.filter((k) => !seenKnown.has(k.key) && (only === undefined || ran.has(scenarioOf(k.key) ?? '')));
  for (const k of stale) console.log(`# agrees now, remove from known-divergences.txt:${k.line}: ${k.key}`);
  if (process.env.ORACLE_STRICT_KNOWN === '1') assert.deepEqual(stale.map((k) => k.key), []);
});

after(() => {
  mkdirSync(dirname(REPORT_PATH), { recursive: true });
  const stale = only === undefined ? known.filter((k) => !seenKnown.has(k.key)).map((k) => k.key) : [];
  writeFileSync(REPORT_PATH, JSON.stringify({ at: new Date().toISOString(), reference, scenarios: reports, stale }, null, 2));
});
