// cqlsh's own commands (cqlshmain.py do_*), with their messages. Anything cqlsh's grammar would not accept is
// reported as cqlsh does: `Improper <command> command.`
import { createReadStream, openSync } from 'node:fs';
import { homedir } from 'node:os';
import { readCollection, readMap } from '../../model/values/collections.ts';
import { Consistency, consistencyName } from '../../model/errors.ts';
import { CqlClient, ServerErrorResponse, type RowsResult } from './client.ts';
import { copyCommand } from './copy.ts';
import { describeErrorMessage, formatConnectError, pyRepr } from './errors.ts';
import { BLUE, columnize } from './format.ts';
import { CQL_DOCS_URL, CQL_TOPICS, SHELL_TOPICS, shellHelp } from './help.ts';
import type { Statement } from './input.ts';
import { ioError, tokenize, unquoteString } from './args.ts';
import { StreamLines, TtyLines } from './lines.ts';
import { textRecords } from './schema.ts';
import { CQLSH_VERSION, DEFAULT_PAGE_SIZE, Shell, type CommandHandler } from './shell.ts';

const improper = (shell: Shell, st: Statement): void => {
  shell.printErr(`Improper ${tokenize(st.text)[0]?.text ?? st.command} command.`);
};

const expandPath = (p: string): string => (p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p);

const LEVELS = ['ANY', 'ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'LOCAL_QUORUM', 'EACH_QUORUM', 'SERIAL', 'LOCAL_SERIAL',
  'LOCAL_ONE'];

const consistency: CommandHandler = (shell, st) => {
  const args = tokenize(st.text).slice(1);
  if (args.length === 0) return shell.print(`Current consistency level is ${consistencyName(shell.consistency)}.`);
  const level = args[0]!.text.toUpperCase();
  if (args.length > 1 || !LEVELS.includes(level)) return improper(shell, st);
  shell.consistency = Consistency[level as keyof typeof Consistency];
  shell.print(`Consistency level set to ${level}.`);
};

const serial: CommandHandler = (shell, st) => {
  const args = tokenize(st.text).slice(1);
  if (args[0]?.text.toUpperCase() !== 'CONSISTENCY' || args.length > 2) return improper(shell, st);
  if (args.length === 1) {
    return shell.print(`Current serial consistency level is ${consistencyName(shell.serialConsistency)}.`);
  }
  const level = args[1]!.text.toUpperCase();
  if (level !== 'SERIAL' && level !== 'LOCAL_SERIAL') return improper(shell, st);
  shell.serialConsistency = Consistency[level];
  shell.print(`Serial consistency level set to ${level}.`);
};

/** cqlshmain.py SwitchCommand: ON/OFF with its fixed messages; returns the new state, or undefined for a value. */
function switchCommand(shell: Shell, state: boolean, arg: string | undefined, command: string, desc: string):
  boolean | undefined {
  if (arg === undefined) {
    shell.print(state ? `${desc} is currently enabled. Use ${command} OFF to disable`
      : `${desc} is currently disabled. Use ${command} ON to enable.`);
    return state;
  }
  if (arg.toUpperCase() === 'ON') {
    if (state) shell.printErr(`${desc} is already enabled. Use ${command} OFF to disable.`);
    else shell.print(`Now ${desc} is enabled`);
    return true;
  }
  if (arg.toUpperCase() === 'OFF') {
    if (!state) shell.printErr(`${desc} is not enabled.`);
    else shell.print(`Disabled ${desc}.`);
    return false;
  }
  return undefined;
}

const expand: CommandHandler = (shell, st) => {
  const args = tokenize(st.text).slice(1);
  const arg = args[0]?.text;
  if (args.length > 1 || (arg !== undefined && !/^(on|off)$/i.test(arg))) return improper(shell, st);
  shell.expand = switchCommand(shell, shell.expand, arg, 'EXPAND', 'Expanded output') ?? shell.expand;
};

const paging: CommandHandler = (shell, st) => {
  const args = tokenize(st.text).slice(1);
  const arg = args[0]?.text;
  if (args.length > 1 || (arg !== undefined && !/^(on|off|\d+)$/i.test(arg))) return improper(shell, st);
  const state = switchCommand(shell, shell.paging, arg, 'PAGING', 'Query paging');
  // A number switches paging on with that page size (SwitchCommandWithValue).
  shell.paging = arg !== undefined && /^\d+$/.test(arg) ? true : state ?? shell.paging;
  if (shell.paging && arg !== undefined && /^\d+$/.test(arg)) shell.pageSize = Number(arg);
  if (shell.paging) shell.print(`Page size: ${shell.pageSize}`);
  else shell.pageSize = DEFAULT_PAGE_SIZE;
};

const tracing: CommandHandler = (shell, st) => {
  const args = tokenize(st.text).slice(1);
  const arg = args[0]?.text;
  if (args.length > 1 || (arg !== undefined && !/^(on|off)$/i.test(arg))) return improper(shell, st);
  shell.tracing = switchCommand(shell, shell.tracing, arg, 'TRACING', 'Tracing') ?? shell.tracing;
};

const help: CommandHandler = (shell, st) => {
  const topics = tokenize(st.text).slice(1).map((t) => t.text);
  if (topics.length === 0) {
    const block = (header: string, names: string[]): void => {
      shell.print(header);
      shell.print('='.repeat(header.length));
      for (const l of columnize(names.map((n) => n.toUpperCase()).sort(), 79)) shell.print(l);
      shell.print('');
    };
    block('\nDocumented shell commands:', SHELL_TOPICS);
    block('CQL help topics:', Object.keys(CQL_TOPICS));
    return;
  }
  for (const t of topics) {
    const doc = shellHelp(t.toLowerCase());
    const page = CQL_TOPICS[t.toLowerCase()];
    if (doc !== undefined) process.stdout.write(doc + '\n');
    else if (page !== undefined) {
      shell.printErr(`*** No browser to display CQL help. URL for help topic ${t} : ${CQL_DOCS_URL}${page}`);
    } else shell.printErr(`*** No help on ${t}`);
  }
};

const exit: CommandHandler = (shell) => {
  shell.stop = true;
};

const clear: CommandHandler = () => {
  process.stdout.write('\x1b[H\x1b[2J');
};

const history: CommandHandler = (shell, st) => {
  if (!(shell.input instanceof TtyLines)) return;
  const n = Number(tokenize(st.text)[1]?.text ?? 50);
  const h = shell.input.history();
  // readline already holds this HISTORY line; cqlsh lists the entries before it.
  for (const entry of h.slice(Math.max(0, h.length - 1 - n), -1)) shell.print(entry);
};

const login: CommandHandler = (shell, st) => {
  const args = tokenize(st.text).slice(1);
  if (args.length < 1 || args.length > 2) return improper(shell, st);
  shell.username = args[0]!.text;
};

const show: CommandHandler = async (shell, st) => {
  const args = tokenize(st.text).slice(1);
  const what = args[0]?.text.toLowerCase();
  const s = shell.server;
  if (what === 'version') {
    shell.print(`[cqlsh ${CQLSH_VERSION} | Cassandra ${s.releaseVersion} | CQL spec ${s.cqlVersion} | Native protocol v4]`);
  } else if (what === 'host') {
    const { host, port } = shell.config;
    shell.print(`Connected to ${shell.applyColor(s.clusterName, BLUE)} at ${host}:${port}`);
  } else if (what === 'session' && args[1]) {
    shell.printErr(`Trace session ${args[1].text} wasn't found: Sibyl does not record query traces.`);
  } else improper(shell, st);
};

const capture: CommandHandler = (shell, st) => {
  const args = tokenize(st.text).slice(1);
  if (args.length === 0) {
    if (shell.capture) shell.print(`Currently capturing query output to ${pyRepr(shell.capture.path)}.`);
    else shell.print('Currently not capturing query output.');
    return;
  }
  const arg = args[0]!;
  if (args.length > 1 || (arg.kind !== 'string' && arg.text.toUpperCase() !== 'OFF')) return improper(shell, st);
  if (arg.kind !== 'string') {
    if (!shell.capture) return shell.printErr('Not currently capturing output.');
    return shell.stopCapture();
  }
  if (shell.capture) {
    return shell.printErr(`Already capturing output to ${shell.capture.path}. Use CAPTURE OFF to disable.`);
  }
  const path = expandPath(unquoteString(arg.text));
  let fd: number;
  try {
    fd = openSync(path, 'a');
  } catch (e) {
    return shell.printErr(`Could not open ${pyRepr(path)} for append: ${ioError(e, path)}`);
  }
  // Captured output is plain text.
  shell.capture = { path, fd, savedColor: shell.color };
  shell.color = false;
  shell.print(`Now capturing query output to ${pyRepr(path)}.`);
};

/** SOURCE runs the file in a sub-shell with its own session, as cqlsh does: settings start afresh. */
const source: CommandHandler = async (shell, st) => {
  const args = tokenize(st.text).slice(1);
  if (args.length !== 1 || args[0]!.kind !== 'string') return improper(shell, st);
  const path = expandPath(unquoteString(args[0]!.text));
  const stream = createReadStream(path);
  const opened = await new Promise<unknown>((resolve) => {
    stream.once('open', () => resolve(undefined));
    stream.once('error', (e) => resolve(e));
  });
  if (opened !== undefined) return shell.printErr(`Could not open ${pyRepr(path)}: ${ioError(opened, path)}`);
  let client: CqlClient;
  try {
    client = await CqlClient.connect(shell.config);
    if (shell.keyspace !== undefined) {
      await client.query(`USE "${shell.keyspace.replace(/"/g, '""')}"`, { consistency: Consistency.ONE },
        shell.config.requestTimeoutMs);
    }
  } catch (e) {
    stream.destroy();
    return shell.printErr(formatConnectError(e, shell.config.host, shell.config.port));
  }
  const sub = new Shell(shell.config, client, shell.server, false, shell.color, shell.commands);
  sub.keyspace = shell.keyspace;
  try {
    await sub.run(new StreamLines(path, stream));
  } finally {
    sub.stopCapture();
    client.close();
    stream.destroy();
  }
};

/** Server-side DESCRIBE (Cassandra 4.0): the rows are printed the way cqlsh 6 prints them. */
const describe: CommandHandler = async (shell, st) => {
  const what = (tokenize(st.text)[1]?.text ?? '').toLowerCase();
  let rows: RowsResult | undefined;
  let pagingState: Buffer | undefined;
  try {
    do {
      const { result, warnings } = await shell.client.query(st.text, { consistency: Consistency.LOCAL_ONE,
        pageSize: shell.paging ? shell.pageSize : 5000, pagingState }, shell.config.requestTimeoutMs);
      if (result.kind !== 'rows') return;
      rows = rows ? { ...rows, rows: [...rows.rows, ...result.rows] } : result;
      pagingState = result.pagingState;
      shell.printWarnings(warnings);
    } while (pagingState);
  } catch (e) {
    // cqlsh parses DESCRIBE itself, so what the server finds unparsable is an improper command for cqlsh.
    if (e instanceof ServerErrorResponse && e.code === 0x2000) return improper(shell, st);
    return shell.printErr(describeErrorMessage(e, shell.hostInfo));
  }
  const records = textRecords(rows);
  if (['columnfamilies', 'tables', 'types', 'functions', 'aggregates'].includes(what)) {
    let ks: string | undefined;
    let names: string[] = [];
    const flush = (): void => {
      shell.print('');
      if (shell.keyspace === undefined) {
        shell.print(`Keyspace ${ks}`);
        shell.print('---------' + '-'.repeat(ks!.length));
      }
      for (const l of columnize(names)) shell.print(l);
    };
    for (const r of records) {
      if (r['keyspace_name'] !== ks) {
        if (ks !== undefined) flush();
        ks = r['keyspace_name'];
        names = [];
      }
      names.push(r['name'] ?? '');
    }
    if (ks !== undefined) {
      flush();
      shell.print('');
    }
  } else if (what === 'keyspaces') {
    shell.print('');
    for (const l of columnize(records.map((r) => r['name'] ?? ''))) shell.print(l);
    shell.print('');
  } else if (what === 'cluster') {
    describeCluster(shell, rows);
  } else {
    for (const r of records) {
      shell.print('');
      shell.writeResult(r['create_statement'] ?? '', false);
      shell.print('');
    }
  }
};

function describeCluster(shell: Shell, rows: RowsResult): void {
  const col = (name: string): number => rows.columns.findIndex((c) => c.name === name);
  const str = (b: Buffer | null | undefined): string => (b ? b.toString('utf8') : '');
  for (const row of rows.rows) {
    shell.print(`\nCluster: ${str(row[col('cluster')])}`);
    shell.print(`Partitioner: ${str(row[col('partitioner')])}`);
    shell.print(`Snitch: ${str(row[col('snitch')])}\n`);
    const ri = col('range_ownership');
    if (ri >= 0) {
      shell.print('Range ownership:');
      for (const [token, hosts] of rangeOwnership(row[ri] ?? null)) {
        shell.print(` ${token.padStart(39)}  [${hosts.join(', ')}]`);
      }
      shell.print('');
    }
  }
}

/** map<text, frozen<list<text>>> → entries. */
function rangeOwnership(buf: Buffer | null): Array<[string, string[]]> {
  if (!buf) return [];
  return readMap(buf).map(([k, v]) => [k.toString('utf8'), readCollection(v, 'list').map((b) => b.toString('utf8'))]);
}

const debug: CommandHandler = () => undefined;

export const COMMANDS: Readonly<Record<string, CommandHandler>> = {
  help, consistency, serial, describe, desc: describe, show, source, capture, login, tracing, expand, paging, exit,
  quit: exit, clear, cls: clear, history, debug, copy: copyCommand,
};
