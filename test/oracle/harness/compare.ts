// Where Sibyl's outcomes differ from Cassandra's. Each divergence has a stable key: "<scenario>#<statement> <aspect>"
// for a statement, "<scenario> schema:<table>" / "<scenario> describe" for what the scenario left in the schema.
import type { Scenario } from './case-file.ts';
import type { Outcome, ScenarioRun } from './run.ts';

export interface Divergence {
  key: string;
  detail: string;
  /** One line: what each side did, for a known-divergences.txt reason. */
  summary?: string;
}

/** An outcome in a few words: `ok`, `3 rows`, `error 0x2200 "message"`. */
export function summarize(o: Outcome): string {
  if (o.kind === 'void') return 'ok';
  if (o.kind === 'rows') return `${o.rows.length} row(s)`;
  const msg = o.message.length > 90 ? `${o.message.slice(0, 90)}…` : o.message;
  return `${o.code !== undefined ? `error 0x${o.code.toString(16)}` : o.errorClass} "${msg}"`;
}

const show = (x: unknown, limit = Number(process.env.ORACLE_SHOW_LIMIT ?? 600)): string => {
  const s = JSON.stringify(x) ?? 'undefined';
  return s.length > limit ? `${s.slice(0, limit)}…` : s;
};

/**
 * Cassandra lists a function's "known type signatures" in the iteration order of a hash collection, which changes
 * from one JVM run to the next (seen: the same statement, two orders on two runs); the list is compared as a set.
 */
export function signatureOrderFree(message: string): string {
  return message.replace(/\(known type signatures: (.*)\)$/, (_m, list: string) => `(known type signatures: ${list.split(/, (?=[\w.]+ : \()/).sort().join(', ')})`);
}

const sortRows = (rows: unknown[][]): string[] => rows.map((r) => JSON.stringify(r)).sort();

export function compareOutcome(key: string, cql: string, c: Outcome, s: Outcome, opts: { unordered: boolean; shapeOnly: boolean }): Divergence[] {
  const d = (aspect: string, a: unknown, b: unknown): Divergence => ({
    key: `${key} ${aspect}`,
    summary: aspect === 'outcome' || aspect.startsWith('error')
      ? `Cassandra: ${summarize(c)}; Sibyl: ${summarize(s)}`
      : `${aspect} differ: Cassandra ${show(a, 120)}; Sibyl ${show(b, 120)}`,
    detail: `${cql.replace(/\s+/g, ' ')}\n    cassandra: ${show(a)}\n    sibyl:     ${show(b)}`,
  });
  if (c.kind !== s.kind) return [d('outcome', c, s)];
  if (c.kind === 'error' && s.kind === 'error') {
    const out: Divergence[] = [];
    if (c.errorClass !== s.errorClass || c.code !== s.code) out.push(d('error-code', [c.errorClass, c.code], [s.errorClass, s.code]));
    if (signatureOrderFree(c.message) !== signatureOrderFree(s.message)) out.push(d('error-message', c.message, s.message));
    return out;
  }
  const out: Divergence[] = [];
  if ((c.kind === 'rows' || c.kind === 'void') && (s.kind === 'rows' || s.kind === 'void')) {
    if (show(c.warnings, 1e9) !== show(s.warnings, 1e9)) out.push(d('warnings', c.warnings, s.warnings));
  }
  if (c.kind === 'rows' && s.kind === 'rows') {
    if (show(c.columns, 1e9) !== show(s.columns, 1e9)) out.push(d('columns', c.columns, s.columns));
    if (opts.shapeOnly) {
      if (c.rows.length !== s.rows.length) out.push(d('row-count', c.rows.length, s.rows.length));
    } else {
      const a = opts.unordered ? sortRows(c.rows) : c.rows.map((r) => JSON.stringify(r));
      const b = opts.unordered ? sortRows(s.rows) : s.rows.map((r) => JSON.stringify(r));
      if (show(a, 1e9) !== show(b, 1e9)) out.push(d('rows', c.rows, s.rows));
    }
    if (show(c.pages, 1e9) !== show(s.pages, 1e9)) out.push(d('pages', c.pages, s.pages));
  }
  return out;
}

export function compareRuns(sc: Scenario, c: ScenarioRun, s: ScenarioRun): Divergence[] {
  const out: Divergence[] = [];
  sc.statements.forEach((st, i) => {
    out.push(...compareOutcome(`${sc.id}#${st.no}`, `${sc.file}:${st.line}: ${st.cql}`, c.outcomes[i]!, s.outcomes[i]!, st));
  });
  for (const table of new Set([...Object.keys(c.schema), ...Object.keys(s.schema)])) {
    const a = c.schema[table] ?? [];
    const b = s.schema[table] ?? [];
    if (show(a, 1e9) === show(b, 1e9)) continue;
    out.push(...(table.startsWith('describe') ? describeDiff(sc.id, a, b) : schemaTableDiff(sc.id, table, a, b)));
  }
  return out;
}

/**
 * Column by column, so one column Sibyl lacks is one divergence (listed once for all scenarios as
 * `* schema:tables.<column>`) and does not hide a wrong value in another column.
 */
function schemaTableDiff(id: string, table: string, a: unknown[][], b: unknown[][]): Divergence[] {
  const [ha = [], ...ra] = a;
  const [hb = [], ...rb] = b;
  const out: Divergence[] = [];
  if (ra.length !== rb.length) {
    out.push({ key: `${id} schema:${table}`, detail: `row count ${ra.length} vs ${rb.length}
${rowsDiff(a, b)}` });
    return out;
  }
  for (const col of new Set([...ha, ...hb].map(String))) {
    const ia = ha.indexOf(col);
    const ib = hb.indexOf(col);
    const va = ia < 0 ? 'missing' : ra.map((r) => r[ia]);
    const vb = ib < 0 ? 'missing' : rb.map((r) => r[ib]);
    if (show(va, 1e9) !== show(vb, 1e9)) {
      out.push({ key: `${id} schema:${table}.${col}`, detail: `    cassandra: ${show(va)}\n    sibyl:     ${show(vb)}` });
    }
  }
  return out;
}

/** DESCRIBE output line by line, the keyspace name replaced so the same difference has the same key everywhere. */
function describeDiff(id: string, a: unknown[][], b: unknown[][]): Divergence[] {
  const ks = `o_${id.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`.slice(0, 40);
  const lines = (rows: unknown[][]): string[] =>
    rows.flatMap((r) => String(r[0]).replaceAll(ks, '${ks}').split('\n').map((l) => l.trim()));
  const la = lines(a);
  const lb = lines(b);
  const out: Divergence[] = [];
  for (const l of la.filter((x) => !lb.includes(x))) out.push({ key: `${id} describe:-${l}`, detail: `    only cassandra: ${l}` });
  for (const l of lb.filter((x) => !la.includes(x))) out.push({ key: `${id} describe:+${l}`, detail: `    only sibyl: ${l}` });
  return out;
}

/** The header difference, or the first rows that differ, rather than both tables whole. */
function rowsDiff(a: unknown[][], b: unknown[][]): string {
  const lines: string[] = [];
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n && lines.length < 8; i++) {
    if (show(a[i], 1e9) !== show(b[i], 1e9)) lines.push(`    row ${i}\n      cassandra: ${show(a[i], 800)}\n      sibyl:     ${show(b[i], 800)}`);
  }
  return lines.join('\n');
}
