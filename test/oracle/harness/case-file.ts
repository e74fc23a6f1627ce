// Oracle scenarios: test/oracle/cases/<area>/<name>.cql. Statements end with `;` at the end of a line (a batch ends at
// `APPLY BATCH;`); `-- @directive` comment lines just before a statement tune how its outcomes are compared. `${ks}`
// stands for the scenario's fresh keyspace, which is also the session keyspace (USE), so most statements need no name.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface Statement {
  /** 1-based position in the scenario, the key of its divergences. */
  no: number;
  /** First line in the file, for messages. */
  line: number;
  cql: string;
  /** Compare rows as a multiset: the order is not defined by CQL (e.g. across partitions of different tables). */
  unordered: boolean;
  /** Compare only column names/types and the row count: the values are not deterministic (now(), uuid()). */
  shapeOnly: boolean;
  /** Page size; pages are fetched one by one and their sizes compared too. */
  pageSize?: number;
  /** Bound values: the statement is prepared and executed with these (JSON; the driver encodes per prepared types). */
  params?: unknown[];
  /** `-- @consistency SERIAL`: the statement's consistency level, by name (ONE by default). */
  consistency?: string;
  /** `-- @serial LOCAL_SERIAL`: the serial consistency of a conditional statement (SERIAL by default). */
  serial?: string;
}

export interface Scenario {
  /** "<area>/<name>", the key used in known-divergences.txt. */
  id: string;
  area: string;
  file: string;
  statements: Statement[];
}

const DIRECTIVE = /^--\s*@(\w[\w-]*)\s*(.*)$/;

function applyDirective(d: Partial<Statement>, name: string, arg: string, where: string): void {
  switch (name) {
    case 'unordered': d.unordered = true; break;
    case 'shape': d.shapeOnly = true; break;
    case 'paged': d.pageSize = Number(arg); break;
    case 'params': d.params = JSON.parse(arg) as unknown[]; break;
    case 'consistency': d.consistency = arg; break;
    case 'serial': d.serial = arg; break;
    default: throw new Error(`${where}: unknown directive @${name}`);
  }
}

export function parseScenario(text: string, id: string, file: string): Scenario {
  const statements: Statement[] = [];
  let pending: Partial<Statement> = {};
  let buf: string[] = [];
  let startLine = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (buf.length === 0) {
      const m = DIRECTIVE.exec(line);
      if (m) return applyDirective(pending, m[1]!, m[2]!.trim(), `${file}:${i + 1}`);
      if (line === '' || line.startsWith('--')) return;
      startLine = i + 1;
    }
    buf.push(raw);
    const cql = buf.join('\n').trim();
    const isBatch = /^BEGIN\s+(UNLOGGED\s+|COUNTER\s+)?BATCH\b/i.test(cql);
    const ends = isBatch ? /APPLY\s+BATCH\s*;$/i.test(line) : line.endsWith(';');
    if (!ends) return;
    statements.push({ no: statements.length + 1, line: startLine, cql: cql.replace(/;$/, ''), unordered: false, shapeOnly: false, ...pending });
    pending = {};
    buf = [];
  });
  if (buf.length > 0) throw new Error(`${file}:${startLine}: statement without a closing ';'`);
  const area = id.split('/')[0]!;
  return { id, area, file, statements };
}

/** Every scenario under `dir`, sorted by id. */
export function loadScenarios(dir: string): Scenario[] {
  const out: Scenario[] = [];
  for (const area of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory())) {
    for (const f of readdirSync(join(dir, area.name)).filter((n) => n.endsWith('.cql'))) {
      const file = join(dir, area.name, f);
      out.push(parseScenario(readFileSync(file, 'utf8'), `${area.name}/${f.replace(/\.cql$/, '')}`, relative(process.cwd(), file)));
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}
