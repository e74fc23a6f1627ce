// `sibyl cqlsh [options] [host [port]]`: Apache Cassandra 4.x's cqlsh (6.1) against a Sibyl node, with cqlsh's
// options, defaults ($CQLSH_HOST / $CQLSH_PORT, 127.0.0.1:9042, ONE, paging 100), banner, messages and exit codes:
// 1 when it cannot connect, 2 when a statement failed in batch mode (-e, -f, piped input), as cqlshmain.py main().
import { createReadStream } from 'node:fs';
import { Command } from 'commander';
import { quoteIdentIfNeeded } from '../../model/types.ts';
import { Consistency } from '../../model/errors.ts';
import { ioError } from './args.ts';
import { ConnectError, CqlClient, ServerErrorResponse, type SslOptions } from './client.ts';
import { readCqlshrc, sslOptions } from './cqlshrc.ts';
import { COMMANDS } from './commands.ts';
import { complete } from './complete.ts';
import { formatConnectError, pyRepr } from './errors.ts';
import { BLUE } from './format.ts';
import { historyFile, StreamLines, TtyLines, type LineSource } from './lines.ts';
import { fetchAll, textRecords } from './schema.ts';
import { CQLSH_VERSION, Shell, type ServerInfo, type ShellConfig } from './shell.ts';

interface CqlshOptions {
  color?: boolean;
  execute?: string;
  file?: string;
  keyspace?: string;
  username?: string;
  password?: string;
  requestTimeout: string;
  connectTimeout: string;
  tty?: boolean;
  version?: boolean;
  ssl?: boolean;
  cqlshrc?: string;
}

const USAGE = 'Usage: cqlsh [options] [host [port]]';

function usageError(message: string): never {
  process.stderr.write(`${USAGE}\n\ncqlsh: error: ${message}\n`);
  process.exit(2);
}

/** Writes everything still buffered for stdout/stderr, then exits. */
async function exit(code: number): Promise<never> {
  await new Promise<void>((done) => process.stdout.write('', () => done()));
  await new Promise<void>((done) => process.stderr.write('', () => done()));
  process.exit(code);
}

/** cqlshmain.py should_use_color: a terminal on stdout whose TERM is not dumb. */
function shouldUseColor(): boolean {
  const term = process.env['TERM'] ?? '';
  return process.stdout.isTTY === true && term !== '' && term !== 'dumb';
}

async function serverInfo(client: CqlClient, timeoutMs: number): Promise<ServerInfo> {
  const r = textRecords(await fetchAll(client, "select * from system.local where key = 'local'", timeoutMs))[0] ?? {};
  return {
    clusterName: r['cluster_name'] ?? '', releaseVersion: r['release_version'] ?? '', cqlVersion: r['cql_version'] ?? '',
    datacenter: r['data_center'] ?? '',
  };
}

export async function runCqlsh(hostArg: string | undefined, portArg: string | undefined, o: CqlshOptions): Promise<never> {
  // `cqlsh … | head` closes the pipe early: stop quietly, as there is no one left to tell.
  for (const out of [process.stdout, process.stderr]) {
    out.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
  if (o.version) {
    process.stdout.write(`cqlsh ${CQLSH_VERSION}\n`);
    return exit(0);
  }
  const host = hostArg ?? process.env['CQLSH_HOST'] ?? '127.0.0.1';
  const portText = portArg ?? process.env['CQLSH_PORT'] ?? '9042';
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) usageError(`${pyRepr(portText)} is not a valid port number.`);
  if (!/^\d+$/.test(o.connectTimeout)) usageError(`"${o.connectTimeout}" is not a valid connect timeout.`);
  if (!/^\d+$/.test(o.requestTimeout)) usageError(`"${o.requestTimeout}" is not a valid request timeout.`);
  if (o.password !== undefined) {
    process.stderr.write('\nWarning: Using a password on the command line interface can be insecure.\n'
      + 'Recommendation: use the credentials file to securely provide the password.\n\n');
  }
  const rc = readCqlshrc(o.cqlshrc);
  let ssl: SslOptions | undefined;
  try {
    ssl = o.ssl === true ? sslOptions(rc) : undefined;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return exit(1);
  }
  const rcAuth = rc.get('authentication');
  const config: ShellConfig = {
    host, port: Number(portText), username: o.username ?? rcAuth?.get('username'), password: o.password ?? rcAuth?.get('password'),
    ...(ssl !== undefined ? { ssl } : {}),
    requestTimeoutMs: Number(o.requestTimeout) * 1000, connectTimeoutMs: Number(o.connectTimeout) * 1000,
  };
  // Batch mode whenever statements come from -e or -f; otherwise stdin decides, unless -t forces a terminal.
  const tty = o.execute === undefined && o.file === undefined && (o.tty === true || process.stdin.isTTY === true);
  const color = o.color ?? (o.file === undefined && shouldUseColor());

  let fileStream: NodeJS.ReadableStream | undefined;
  if (o.file !== undefined) {
    const stream = createReadStream(o.file);
    const err = await new Promise<NodeJS.ErrnoException | undefined>((done) => {
      stream.once('open', () => done(undefined));
      stream.once('error', (e) => done(e));
    });
    if (err) {
      process.stderr.write(`Can't open ${pyRepr(o.file)}: ${ioError(err, o.file)}\n`);
      return exit(1);
    }
    fileStream = stream;
  }

  let client: CqlClient;
  let server: ServerInfo;
  let keyspace: string | undefined;
  try {
    client = await CqlClient.connect(config);
    server = await serverInfo(client, config.requestTimeoutMs);
    if (o.keyspace !== undefined) {
      const use = `USE ${quoteIdentIfNeeded(o.keyspace)}`;
      const { result } = await client.query(use, { consistency: Consistency.ONE }, config.requestTimeoutMs);
      if (result.kind === 'set_keyspace') keyspace = result.keyspace;
    }
  } catch (e) {
    process.stderr.write(formatConnectError(wrapConnect(e), host, config.port) + '\n');
    return exit(1);
  }

  const shell = new Shell(config, client, server, tty, color, COMMANDS);
  shell.keyspace = keyspace;
  let input: LineSource;
  if (fileStream) input = new StreamLines(o.file!, fileStream);
  else if (tty) {
    const lines = new TtyLines(historyFile(), (line) => complete(shell, shell.pendingText, line));
    lines.onInterrupt = () => shell.interrupt();
    input = lines;
  } else input = new StreamLines('<stdin>', process.stdin);

  if (tty) {
    shell.print(`Connected to ${shell.applyColor(server.clusterName, BLUE)} at ${host}:${config.port}`);
    shell.print(`[cqlsh ${CQLSH_VERSION} | Cassandra ${server.releaseVersion} | CQL spec ${server.cqlVersion} | `
      + 'Native protocol v4]');
    shell.print('Use HELP for help.');
  }
  // cqlsh appends the missing `;` to -e's text.
  const single = o.execute === undefined ? undefined : o.execute.endsWith(';') ? o.execute : o.execute + ';';
  try {
    await shell.run(input, single);
  } finally {
    if (input instanceof TtyLines) {
      input.saveHistory();
      input.close();
    }
    shell.stopCapture();
    client.close();
  }
  return exit(!tty && shell.statementError ? 2 : 0);
}

/** Errors after the TCP connection (system.local, USE of -k) are reported inside the same `Connection error`. */
function wrapConnect(e: unknown): unknown {
  return e instanceof ServerErrorResponse ? new ConnectError(null, e.message, e) : e;
}

export function registerCqlshCommand(program: Command): void {
  program
    .command('cqlsh')
    .description('CQL shell, compatible with Apache Cassandra 4.x cqlsh')
    .usage('[options] [host [port]]')
    .argument('[host]', 'host to connect to (default $CQLSH_HOST or 127.0.0.1)')
    .argument('[port]', 'native protocol port (default $CQLSH_PORT or 9042)')
    .option('-C, --color', 'Always use color output')
    .option('--no-color', 'Never use color output')
    .option('--ssl', 'Use SSL (the [ssl] section of cqlshrc: certfile, validate, userkey, usercert)')
    .option('--cqlshrc <file>', 'Specify an alternative cqlshrc file location.')
    .option('-u, --username <name>', 'Authenticate as user.')
    .option('-p, --password <password>', 'Authenticate using password.')
    .option('-k, --keyspace <keyspace>', 'Authenticate to the given keyspace.')
    .option('-f, --file <file>', 'Execute commands from FILE, then exit')
    .option('-e, --execute <statement>', 'Execute the statement and quit.')
    .option('--connect-timeout <seconds>', 'Specify the connection timeout in seconds (default: 5 seconds).', '5')
    .option('--request-timeout <seconds>', 'Specify the default request timeout in seconds (default: 10 seconds).', '10')
    .option('-t, --tty', 'Force tty mode (command prompt).')
    .option('--encoding <encoding>', 'Specify a non-default encoding for output (only utf8).')
    .option('--cqlversion <version>', 'Accepted for compatibility; the node speaks CQL 3.4.5.')
    .option('--protocol-version <version>', 'Accepted for compatibility; the node speaks protocol v4.')
    .option('--debug', 'Accepted for compatibility.')
    .option('-v, --version', 'Print the current version of cqlsh.')
    .action(async (host: string | undefined, port: string | undefined, opts: CqlshOptions) => {
      await runCqlsh(host, port, opts);
    });
}
