// The cqlsh read-eval-print loop, after cqlshmain.py's Shell: lines accumulate until they end a statement, shell
// commands are handled here, everything else goes to the server, and results are printed the way cqlsh prints them.
// Errors go to stderr, prefixed with `file:line:` when input is not a terminal; the caller turns statementError into
// cqlsh's exit status 2.
import type { SslOptions } from './client.ts';
import { printTrace } from './tracing.ts';
import { writeSync, closeSync } from 'node:fs';
import { Consistency, type ConsistencyLevel } from '../../model/consistency.ts';
import type { ColumnSpec } from '../../protocol/messages.ts';
import type { CqlClient, QueryOptions, RowsResult } from './client.ts';
import { formatError, type HostInfo } from './errors.ts';
import { DISPLAY, formatNames, RED, safeCell, tableLines, verticalLines, type Cell, type FormatOptions } from './format.ts';
import { scanInput, type Statement } from './input.ts';
import { TtyLines, type LineSource } from './lines.ts';
import { SchemaCache } from './schema.ts';

export const CQLSH_VERSION = '6.1.0';
export const DEFAULT_PAGE_SIZE = 100;
/** What the Python driver fetches per page when a statement has no fetch size (PAGING OFF). */
const DRIVER_FETCH_SIZE = 5000;

export interface ShellConfig {
  host: string;
  port: number;
  username?: string;
  password?: string;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  ssl?: SslOptions;
}

export interface ServerInfo {
  clusterName: string;
  releaseVersion: string;
  cqlVersion: string;
  datacenter: string;
}

export type CommandHandler = (shell: Shell, st: Statement) => Promise<void> | void;

export class Shell {
  keyspace: string | undefined;
  consistency: ConsistencyLevel = Consistency.ONE;
  serialConsistency: ConsistencyLevel = Consistency.SERIAL;
  paging = true;
  pageSize = DEFAULT_PAGE_SIZE;
  expand = false;
  /** TRACING ON: statements are traced and their trace printed after their result. */
  tracing = false;
  username: string | undefined;
  stop = false;
  statementError = false;
  capture: { path: string; fd: number; savedColor: boolean } | undefined;
  /** cqlsh counts lines as it reads them: an error is reported with the number of the line after the statement. */
  lineno = 1;
  input!: LineSource;
  readonly schema: SchemaCache;
  private buffer = '';
  private lastLine = '';
  private emptyLines = 0;
  private prompt = '';
  private lastHistory = '';

  constructor(
    readonly config: ShellConfig,
    readonly client: CqlClient,
    readonly server: ServerInfo,
    readonly tty: boolean,
    public color: boolean,
    readonly commands: Readonly<Record<string, CommandHandler>>,
  ) {
    this.username = config.username;
    this.schema = new SchemaCache(() => this.client, config.requestTimeoutMs);
  }

  get hostInfo(): HostInfo {
    return { host: this.config.host, port: this.config.port, datacenter: this.server.datacenter };
  }

  /** Output formatting of query results (cqlsh's display defaults). */
  get formatOptions(): FormatOptions {
    return { ...DISPLAY, color: this.color };
  }

  applyColor(text: string, color: string): string {
    return this.color ? color + text + '\x1b[0m' : text;
  }

  /** Query output: to the CAPTURE file when capturing, else stdout (cqlshmain.py writeresult). */
  writeResult(text: string, newline = true): void {
    const s = text + (newline ? '\n' : '');
    if (this.capture) writeSync(this.capture.fd, s);
    else process.stdout.write(s);
  }

  /** Messages of shell commands (Python's print): always stdout. */
  print(text: string): void {
    process.stdout.write(text + '\n');
  }

  printErr(text: string): void {
    this.statementError = true;
    const t = this.tty ? text : `${this.input.name}:${this.lineno}:${text}`;
    process.stderr.write(this.applyColor(t, RED) + '\n');
  }

  resetPrompt(): void {
    const p = this.keyspace === undefined ? 'cqlsh> ' : `cqlsh:${this.keyspace}> `;
    this.prompt = this.username ? `${this.username}@${p}` : p;
  }

  private setContinuePrompt(): void {
    if (this.emptyLines >= 3) {
      this.prompt = "Statements are terminated with a ';'.  You can press CTRL-C to cancel an incomplete statement.";
      this.emptyLines = 0;
      return;
    }
    this.prompt = this.keyspace === undefined ? '   ... ' : `${' '.repeat(this.keyspace.length)}    ... `;
    this.emptyLines = this.lastLine.trim() === '' ? this.emptyLines + 1 : 0;
  }

  /** The statement typed so far (for completion across continuation lines). */
  get pendingText(): string {
    return this.buffer;
  }

  /** Drops the statement being typed (Ctrl-C) and returns the prompt to show. */
  interrupt(): string {
    this.buffer = '';
    this.emptyLines = 0;
    this.resetPrompt();
    return this.prompt;
  }

  /** cmdloop: reads lines until EXIT or the end of the input; `single` is -e's statement text. */
  async run(input: LineSource, single?: string): Promise<void> {
    this.input = input;
    this.resetPrompt();
    let singleDone = false;
    while (!this.stop && !singleDone) {
      let line: string | null;
      if (single !== undefined) {
        line = single;
        singleDone = true;
      } else {
        line = await input.readLine(this.prompt);
        if (line === null) {
          await this.handleEof();
          break;
        }
        this.lineno++;
      }
      this.lastLine = line;
      this.buffer += line;
      if (await this.onecmd(this.buffer)) {
        this.buffer = '';
        this.emptyLines = 0;
        this.resetPrompt();
      }
    }
  }

  private async handleEof(): Promise<void> {
    if (this.tty) this.print('');
    if (this.buffer.trim() !== '' && !(await this.onecmd(this.buffer))) this.printErr('Incomplete statement at end of file');
    this.stop = true;
  }

  /** Runs every statement of the text if it ends a statement; false when more lines are needed. */
  private async onecmd(text: string): Promise<boolean> {
    const scan = scanInput(text);
    if (!scan.complete) {
      this.setContinuePrompt();
      return false;
    }
    if (scan.statements.length === 0) return true;
    if (this.input instanceof TtyLines && (text.match(/\n/g)?.length ?? 0) > 1) {
      const entry = text.replace(/\n/g, ' ').trimEnd();
      if (entry !== this.lastHistory) this.input.addHistory(entry);
      this.lastHistory = entry;
    }
    for (const st of scan.statements) {
      if (this.stop) break;
      try {
        const handler = this.commands[st.command === '?' ? 'help' : st.command];
        if (handler) await handler(this, st);
        else await this.performStatement(st.text);
      } catch (e) {
        this.printErr(e instanceof Error ? e.message : String(e));
      }
    }
    return true;
  }

  /** Sends a statement to the server and prints what cqlsh prints for its result; false when it failed. */
  async performStatement(text: string): Promise<boolean> {
    let response;
    try {
      response = await this.client.query(text, { ...this.queryOptions(), tracing: this.tracing }, this.config.requestTimeoutMs);
    } catch (e) {
      this.printErr(formatError(e, this.hostInfo));
      return false;
    }
    const r = response.result;
    if (r.kind === 'set_keyspace') {
      this.keyspace = r.keyspace;
    } else if (r.kind === 'schema_change') {
      this.schema.invalidate();
    } else if (r.kind === 'rows') {
      if (text.slice(0, 6).toLowerCase() === 'select') await this.printResult(r, text);
      else if (r.rows.length > 0) {
        // Conditional updates answer with an [applied] row.
        this.writeResult('');
        await this.printStatic(r, true, 0);
      }
    }
    if (response.tracingId) await this.printTraceOf(response.tracingId);
    this.printWarnings(response.warnings);
    return true;
  }

  private async printTraceOf(id: Buffer): Promise<void> {
    try {
      await printTrace({ client: this.client, consistency: this.consistency, formatOptions: this.formatOptions, color: this.color, tty: this.tty,
        requestTimeoutMs: this.config.requestTimeoutMs, writeResult: (t, n) => this.writeResult(t, n), applyColor: (t, c) => this.applyColor(t, c) }, id);
    } catch (e) {
      this.printErr(`Unable to fetch query trace: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  queryOptions(pagingState?: Buffer): QueryOptions {
    const o = { consistency: this.consistency, serialConsistency: this.serialConsistency,
      pageSize: this.paging ? this.pageSize : DRIVER_FETCH_SIZE };
    return pagingState ? { ...o, pagingState } : o;
  }

  printWarnings(warnings: string[]): void {
    if (warnings.length === 0) return;
    this.writeResult('');
    this.writeResult('Warnings :');
    for (const w of warnings) {
      this.writeResult(w);
      this.writeResult('');
    }
  }

  /** cqlshmain.py print_result: pages one after the other, `---MORE---` between pages on a terminal. */
  private async printResult(first: RowsResult, text: string): Promise<void> {
    this.writeResult('');
    let page = first;
    let numRows = 0;
    let isFirst = true;
    for (;;) {
      if (page.rows.length > 0 || isFirst) {
        await this.printStatic(page, isFirst || this.tty, numRows);
        numRows += page.rows.length;
      }
      if (!page.pagingState) {
        if (!this.tty) this.writeResult('');
        break;
      }
      if (this.capture === undefined && this.tty) {
        if ((await this.input.readLine('---MORE---')) === null) break;
      }
      try {
        const next = await this.client.query(text, this.queryOptions(page.pagingState), this.config.requestTimeoutMs);
        if (next.result.kind !== 'rows') break;
        page = next.result;
      } catch (e) {
        this.printErr(formatError(e, this.hostInfo));
        return;
      }
      isFirst = false;
    }
    this.writeResult(`(${numRows} rows)`);
  }

  /** cqlshmain.py print_static_result: one page as a table, or vertically with EXPAND ON. */
  async printStatic(page: RowsResult, withHeader: boolean, rowOffset: number): Promise<void> {
    if (page.columns.length === 0) return;
    const names = formatNames(page.columns, this.color, await this.columnRoles(page.columns));
    if (page.rows.length === 0) {
      for (const l of tableLines(names, null, true)) this.writeResult(l);
      this.writeResult('');
      return;
    }
    const o = this.formatOptions;
    const values: Cell[][] = page.rows.map((row) => row.map((b, i) => safeCell(page.columns[i]!.type, b, o)));
    if (this.expand) {
      for (const l of verticalLines(names, values, rowOffset)) this.writeResult(l);
      return;
    }
    for (const l of tableLines(names, values, withHeader)) this.writeResult(l);
    if (this.tty) this.writeResult('');
  }

  /** Partition key, clustering and static columns get their own colours, when colours are on. */
  private async columnRoles(columns: ColumnSpec[]): Promise<((c: ColumnSpec) => string | undefined) | undefined> {
    const first = columns[0];
    if (!this.color || !first || first.table === '') return undefined;
    try {
      const meta = await this.schema.columns(first.keyspace, first.table);
      const kinds = new Map(meta.map((c) => [c.name, c.kind] as const));
      return (c) => (c.keyspace === first.keyspace && c.table === first.table ? kinds.get(c.name) : undefined);
    } catch {
      return undefined;
    }
  }

  stopCapture(): void {
    if (!this.capture) return;
    closeSync(this.capture.fd);
    this.color = this.capture.savedColor;
    this.capture = undefined;
  }
}
