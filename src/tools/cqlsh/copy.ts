// COPY TO / COPY FROM (cqlshlib/copyutil.py): the same options, progress line and summary lines. cqlsh fans the
// work out to child processes over token ranges; here one process pages through the table (export) or keeps a
// bounded number of prepared INSERTs in flight (import), which is what a single node needs.
import { readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { quoteIdentIfNeeded } from '../../model/types.ts';
import type { ColumnSpec } from '../../protocol/messages.ts';
import type { RowsResult } from './client.ts';
import { convertField } from './copy-convert.ts';
import { makeDialect, parseCsv, writeRow, type Dialect } from './csv.ts';
import { describeError, pyRepr } from './errors.ts';
import { safeCell, type FormatOptions } from './format.ts';
import type { Statement } from './input.ts';
import type { CommandHandler, Shell } from './shell.ts';
import { ioError, tokenize, unquoteName, unquoteString, type Token } from './args.ts';

const KNOWN_OPTIONS = new Set([
  'delimiter', 'quote', 'escape', 'header', 'null', 'datetimeformat', 'maxattempts', 'reportfrequency', 'decimalsep',
  'thousandssep', 'boolstyle', 'numprocesses', 'configfile', 'ratefile', 'encoding', 'pagesize', 'pagetimeout',
  'begintoken', 'endtoken', 'maxrequests', 'maxoutputsize', 'floatprecision', 'doubleprecision', 'chunksize',
  'ingestrate', 'maxbatchsize', 'minbatchsize', 'maxrows', 'skiprows', 'skipcols', 'maxparseerrors',
  'maxinserterrors', 'errfile', 'preparedstatements', 'ttl',
]);

interface CopyCommand {
  keyspace?: string;
  table: string;
  columns?: string[];
  direction: 'TO' | 'FROM';
  /** Undefined for STDIN / STDOUT. */
  file?: string;
  options: Map<string, string>;
}

function parseCopy(text: string): CopyCommand | undefined {
  const t = tokenize(text);
  let i = 1;
  const ident = (tok: Token | undefined): tok is Token => tok !== undefined && (tok.kind === 'word' || tok.kind === 'name');
  if (!ident(t[i])) return undefined;
  let keyspace: string | undefined;
  let table = unquoteName(t[i++]!);
  if (t[i]?.text === '.') {
    if (!ident(t[i + 1])) return undefined;
    keyspace = table;
    table = unquoteName(t[i + 1]!);
    i += 2;
  }
  let columns: string[] | undefined;
  if (t[i]?.text === '(') {
    columns = [];
    i++;
    while (ident(t[i])) {
      columns.push(unquoteName(t[i++]!));
      if (t[i]?.text === ',') i++;
    }
    if (t[i++]?.text !== ')' || columns.length === 0) return undefined;
  }
  const direction = t[i++]?.text.toUpperCase();
  if (direction !== 'TO' && direction !== 'FROM') return undefined;
  const target = t[i++];
  if (!target) return undefined;
  let file: string | undefined;
  if (target.kind === 'string') file = unquoteString(target.text);
  else if (target.text.toUpperCase() !== (direction === 'TO' ? 'STDOUT' : 'STDIN')) return undefined;
  const options = new Map<string, string>();
  if (t[i]?.text.toUpperCase() === 'WITH') {
    do {
      i++;
      const name = t[i];
      const value = t[i + 2];
      if (!name || t[i + 1]?.text !== '=' || !value) return undefined;
      options.set(name.text.toLowerCase(), value.kind === 'string' ? unescape(unquoteString(value.text)) : value.text);
      i += 3;
    } while (t[i]?.text.toUpperCase() === 'AND');
  }
  if (i !== t.length) return undefined;
  return { keyspace, table, columns, direction, file, options };
}

/** Option values may spell control characters with backslash escapes (DELIMITER='\t'). */
const unescape = (s: string): string =>
  s.replace(/\\([tnr\\'])/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r' })[c] ?? c);

/** copyutil.py RateMeter: the `Processed: …` line, rewritten in place with a carriage return. */
class RateMeter {
  private readonly start = Date.now();
  private last = this.start;
  private current = 0;
  total = 0;
  private rate = 0;

  constructor(
    private readonly log: ((s: string) => void) | undefined,
    private readonly intervalMs: number,
  ) {}

  increment(n: number): void {
    this.current += n;
    if (Date.now() - this.last >= this.intervalMs) {
      this.update();
      this.logLine();
    }
  }

  private update(): void {
    const now = Date.now();
    const elapsed = (now - this.last) / 1000;
    if (elapsed > 0) {
      const r = this.current / elapsed;
      this.rate = this.rate === 0 ? r : (this.rate + r) / 2;
    }
    this.last = now;
    this.total += this.current;
    this.current = 0;
  }

  private logLine(): void {
    const secs = (Date.now() - this.start) / 1000;
    const avg = secs > 0 ? this.total / secs : 0;
    const f = (x: number): string => x.toFixed(0).padStart(7);
    this.log?.(`Processed: ${this.total} rows; Rate: ${f(this.rate)} rows/s; Avg. rate: ${f(avg)} rows/s\r\r`);
  }

  finish(): number {
    this.update();
    this.logLine();
    return this.total;
  }
}

/** copyutil.py describe_interval: `1 minute and 2.500 seconds`. */
export function describeInterval(seconds: number): string {
  const parts: string[] = [];
  let s = seconds;
  for (const [len, unit] of [[86400, 'day'], [3600, 'hour'], [60, 'minute']] as const) {
    const n = Math.floor(s / len);
    if (n > 0) parts.push(`${n} ${unit}${n > 1 ? 's' : ''}`);
    s -= n * len;
  }
  const words = `${s.toFixed(3)} seconds`;
  if (parts.length > 1) return `${parts.join(', ')}, and ${words}`;
  return parts.length === 1 ? `${parts[0]} and ${words}` : words;
}

interface Task {
  shell: Shell;
  keyspace: string;
  table: string;
  columns: string[];
  file?: string;
  options: Map<string, string>;
  dialect: Dialect;
  /** Primary key columns. */
  keys: Set<string>;
  /** Progress and summary lines: stdout, except when exporting to STDOUT. */
  say: (s: string, eol?: string) => void;
}

const opt = (t: Task, name: string, dflt: string): string => t.options.get(name) ?? dflt;
const intOpt = (t: Task, name: string, dflt: number): number => {
  const v = Number(t.options.get(name) ?? dflt);
  return Number.isFinite(v) ? v : dflt;
};
const qualified = (t: Task): string => `${quoteIdentIfNeeded(t.keyspace)}.${quoteIdentIfNeeded(t.table)}`;

export const copyCommand: CommandHandler = async (shell: Shell, st: Statement) => {
  const c = parseCopy(st.text);
  if (!c) return shell.printErr(`Improper ${tokenize(st.text)[0]?.text ?? 'copy'} command.`);
  const keyspace = c.keyspace ?? shell.keyspace;
  if (keyspace === undefined) return shell.printErr('Not in any keyspace.');
  if (!(await shell.schema.keyspaces()).includes(keyspace)) return shell.printErr(`Keyspace ${pyRepr(keyspace)} not found.`);
  const meta = await shell.schema.columns(keyspace, c.table);
  if (meta.length === 0) return shell.printErr(`Column family ${c.table} not found`);
  const unknown = [...c.options.keys()].filter((k) => !KNOWN_OPTIONS.has(k));
  if (unknown.length > 0) return shell.printErr(`Unrecognized COPY ${c.direction} options: ${unknown.join(', ')}`);
  const columns = c.columns ?? meta.map((m) => m.name);
  const quiet = c.file === undefined && c.direction === 'TO';
  const task: Task = {
    shell, keyspace, table: c.table, columns, file: c.file, options: c.options,
    keys: new Set(meta.filter((m) => m.kind === 'partition_key' || m.kind === 'clustering').map((m) => m.name)),
    dialect: makeDialect(c.options.get('delimiter'), c.options.get('quote'), c.options.get('escape')),
    say: quiet ? () => undefined : (s, eol = '\n') => process.stdout.write(s + eol),
  };
  const cores = availableParallelism();
  task.say(`Using ${intOpt(task, 'numprocesses', Math.max(1, Math.min(16, cores - 1)))} child processes`);
  for (const col of columns) {
    if (!meta.some((m) => m.name === col)) return shell.printErr(`Invalid column name ${col}`);
  }
  if (c.direction === 'TO') return exportTable(task);
  for (const m of meta) {
    if ((m.kind === 'partition_key' || m.kind === 'clustering') && !columns.includes(m.name)) {
      return shell.printErr(`Primary key column '${m.name}' missing or skipped`);
    }
  }
  return importTable(task);
};

async function exportTable(t: Task): Promise<void> {
  const { shell } = t;
  const started = Date.now();
  const o: FormatOptions = {
    color: false, floatPrecision: intOpt(t, 'floatprecision', 5), doublePrecision: intOpt(t, 'doubleprecision', 12),
    millisOnly: true, rawText: true, nullText: opt(t, 'null', ''),
    boolStyle: opt(t, 'boolstyle', 'True, False').split(',').map((s) => s.trim()) as [string, string],
  };
  let out = '';
  if (opt(t, 'header', 'false').toLowerCase() === 'true') out += writeRow(t.columns, t.dialect);
  if (t.file !== undefined) {
    try {
      writeFileSync(t.file, out);
      out = '';
    } catch (e) {
      return shell.printErr(`Can't open ${pyRepr(t.file)} for writing: ${ioError(e, t.file)}`);
    }
  }
  t.say(`\nStarting copy of ${t.keyspace}.${t.table} with columns [${t.columns.join(', ')}].`);
  const meter = new RateMeter((s) => t.say(s, ''), Number(opt(t, 'reportfrequency', '0.25')) * 1000);
  const cql = `SELECT ${t.columns.map(quoteIdentIfNeeded).join(', ')} FROM ${qualified(t)}`;
  const flush = (): void => {
    if (t.file === undefined) process.stdout.write(out);
    else appendFileSync(t.file, out);
    out = '';
  };
  let pagingState: Buffer | undefined;
  let rows = 0;
  try {
    do {
      const { result } = await shell.client.query(cql, { consistency: shell.consistency,
        pageSize: intOpt(t, 'pagesize', 1000), pagingState }, shell.config.requestTimeoutMs);
      if (result.kind !== 'rows') break;
      out += csvLines(result, o, t.dialect);
      flush();
      rows += result.rows.length;
      meter.increment(result.rows.length);
      pagingState = result.pagingState;
    } while (pagingState);
  } catch (e) {
    const d = describeError(e, shell.hostInfo);
    shell.printErr(`Error for (None, None): ${d.name} - ${d.text} (permanently given up after ${rows} rows and 1 attempts)`);
    shell.printErr('Exported 0 ranges out of 1 total ranges, some records might be missing');
  }
  const total = meter.finish();
  const files = t.file === undefined ? 0 : 1;
  t.say(`\n${total} rows exported to ${files} files in ${describeInterval((Date.now() - started) / 1000)}.`);
}

function csvLines(r: RowsResult, o: FormatOptions, d: Dialect): string {
  let s = '';
  for (const row of r.rows) s += writeRow(row.map((b, i) => safeCell(r.columns[i]!.type, b, o).text), d);
  return s;
}

/** The CSV records to import: the files (a comma-separated list) or lines typed up to a `.` line. */
async function readSource(t: Task): Promise<{ records: string[][]; files: number } | undefined> {
  if (t.file === undefined) {
    t.say('[Use . on a line by itself to end input]');
    let text = '';
    for (;;) {
      const line = await t.shell.input.readLine('[copy] ');
      t.shell.lineno++;
      if (line === null || line.replace(/\r?\n$/, '') === '.') break;
      text += line;
    }
    return { records: parseCsv(text, t.dialect), files: 0 };
  }
  const records: string[][] = [];
  const paths = t.file.split(',').map((p) => p.trim()).filter((p) => p !== '');
  for (const p of paths) {
    let text: string;
    try {
      text = readFileSync(p, 'utf8');
    } catch (e) {
      t.shell.printErr(`Failed to import from ${p}: ${ioError(e, p)}`);
      continue;
    }
    const rows = parseCsv(text, t.dialect);
    records.push(...(opt(t, 'header', 'false').toLowerCase() === 'true' ? rows.slice(1) : rows));
  }
  return { records, files: paths.length };
}

async function importTable(t: Task): Promise<void> {
  const { shell } = t;
  const started = Date.now();
  const skipCols = new Set(opt(t, 'skipcols', '').split(',').map((s) => s.trim()).filter((s) => s !== ''));
  const valid = t.columns.filter((c) => !skipCols.has(c));
  t.say(`\nStarting copy of ${t.keyspace}.${t.table} with columns [${valid.join(', ')}].`);
  const source = await readSource(t);
  if (!source) return;
  const skipRows = intOpt(t, 'skiprows', 0);
  const maxRows = intOpt(t, 'maxrows', -1);
  let records = source.records.slice(skipRows);
  if (maxRows >= 0) records = records.slice(0, maxRows);
  const ttl = intOpt(t, 'ttl', -1);
  const cql = `INSERT INTO ${qualified(t)} (${valid.map(quoteIdentIfNeeded).join(', ')}) VALUES (${valid.map(() => '?')
    .join(', ')})${ttl > 0 ? ` USING TTL ${ttl}` : ''}`;
  let prepared;
  try {
    prepared = (await shell.client.prepare(cql, shell.config.requestTimeoutMs)).result;
  } catch (e) {
    const d = describeError(e, shell.hostInfo);
    return shell.printErr(`Failed to import ${records.length} rows: ${d.name} - ${d.text},  given up without retries`);
  }
  if (prepared.kind !== 'prepared') return;
  const vars: ColumnSpec[] = prepared.variables;
  const meter = new RateMeter((s) => t.say(s, ''), Number(opt(t, 'reportfrequency', '0.25')) * 1000);
  const errFile = opt(t, 'errfile', `import_${t.keyspace}_${t.table}.err`);
  const maxAttempts = intOpt(t, 'maxattempts', 5);
  const failed: string[][] = [];
  const nullText = opt(t, 'null', '');
  const conv = { decimalSep: opt(t, 'decimalsep', '.'), thousandsSep: opt(t, 'thousandssep', ''),
    boolStyle: opt(t, 'boolstyle', 'True, False').split(',').map((s) => s.trim()) };
  const insertOne = async (rec: string[]): Promise<void> => {
    let values: Array<Buffer | null>;
    try {
      const fields = rec.filter((_, i) => !skipCols.has(t.columns[i]!));
      if (rec.length !== t.columns.length) throw new Error(`Invalid row length ${rec.length} should be ${t.columns.length}`);
      values = fields.map((f, i) => (f === nullText ? nullFor(t, valid[i]!, nullText) : convertField(vars[i]!, f, conv)));
    } catch (e) {
      failed.push(rec);
      shell.printErr(`Failed to import 1 rows: ParseError - ${(e as Error).message},  given up without retries`);
      return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await shell.client.execute(prepared.id, { consistency: shell.consistency, values }, shell.config.requestTimeoutMs);
        meter.increment(1);
        return;
      } catch (e) {
        const d = describeError(e, shell.hostInfo);
        const retry = d.name === 'OperationTimedOut' || d.name === 'WriteTimeout' || d.name === 'Unavailable';
        if (!retry || attempt >= maxAttempts) {
          failed.push(rec);
          shell.printErr(`Failed to import 1 rows: ${d.name} - ${d.text},  given up after ${attempt} attempts`);
          return;
        }
      }
    }
  };
  const inFlight = 32 * Math.max(1, intOpt(t, 'numprocesses', 1));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < records.length) await insertOne(records[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, records.length) }, worker));
  if (failed.length > 0) {
    appendFileSync(errFile, failed.map((r) => writeRow(r, t.dialect)).join(''));
    shell.printErr(`Failed to process ${failed.length} rows; failed rows written to ${errFile}`);
  }
  const total = meter.finish();
  t.say(`\n${total} rows imported from ${source.files} files in ${describeInterval((Date.now() - started) / 1000)} `
    + `(${skipRows} skipped).`);
}

/** copyutil.py get_null_primary_key_message: key columns cannot be null, which is a parse error of the row. */
function nullFor(t: Task, column: string, nullText: string): null {
  if (!t.keys.has(column)) return null;
  let msg = `Cannot insert null value for primary key column '${column}'.`;
  if (nullText === '') msg += ' If you want to insert empty strings, consider using the WITH NULL=<marker> option for COPY.';
  throw new Error(msg);
}
