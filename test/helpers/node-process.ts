// Real node processes for end-to-end tests. Each node gets its own loopback address (127.0.N.x, see test/README.md) so
// test files can run in parallel on the standard ports, and its own temp directory; everything is torn down after the
// test file, even when a test fails half-way.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { writeConfigFiles, type NodeConfig } from '../../src/server/config.ts';
import { CLI_SOURCE as CLI, cliCommand, REPO_ROOT } from '../../src/tools/bundle.ts';

export { REPO_ROOT };

const OUTPUT_LIMIT = 64 * 1024;

export interface NodeProcessOptions {
  /** Loopback address to listen on, e.g. 127.0.2.1; used for listen, rpc and broadcast addresses. */
  address: string;
  nativePort?: number;
  /** Anything else for cassandra.yaml / cassandra-rackdc.properties (data and hints dirs default to the temp dir). */
  config?: Partial<NodeConfig>;
  logLevel?: string;
  /** How long to wait for the native port to accept connections (default 15 s). */
  startTimeoutMs?: number;
  env?: Record<string, string>;
}

export interface NodeProcess {
  readonly address: string;
  readonly nativePort: number;
  /** The node's temp directory: conf/, data/, hints/. Kept across restarts, removed by cleanup(). */
  readonly dir: string;
  readonly configPath: string;
  /** Pid of the current process, undefined when stopped. */
  readonly pid: number | undefined;
  /** The last 64 KiB of output (stdout is the node's JSON log). */
  readonly stdout: string;
  readonly stderr: string;
  /** Starts the process (again) and waits until the native port accepts connections. */
  start(): Promise<void>;
  /** SIGTERM, then wait for exit (SIGKILL after 10 s). Resolves with the exit code (null if killed by a signal). */
  stop(): Promise<number | null>;
  /** SIGKILL: simulates a crash. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  /** Kills the process if running and removes the temp directory. */
  cleanup(): Promise<void>;
}

const live = new Set<NodeProcess>();

// Registered when the test file imports this module, so the hook belongs to the file's root test: registered later,
// from inside a test or a before() hook, node:test would run it as soon as that test or hook finished.
after(async () => {
  await Promise.all([...live].map((n) => n.cleanup()));
});
// The last resort when the runner exits without running hooks (a crash, process.exit in a test).
process.on('exit', () => {
  for (const n of live) {
    if (n.pid !== undefined) {
      try {
        process.kill(n.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(n.dir, { recursive: true, force: true });
  }
});

function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((done) => {
    const sock = connect({ host, port });
    const finish = (ok: boolean): void => {
      sock.destroy();
      done(ok);
    };
    sock.setTimeout(timeoutMs, () => finish(false));
    sock.once('connect', () => finish(true));
    sock.once('error', () => finish(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Creates the node's directory and config, starts it and waits for its native port. */
export async function startNodeProcess(opts: NodeProcessOptions): Promise<NodeProcess> {
  if (!/^127\.\d+\.\d+\.\d+$/.test(opts.address)) throw new Error(`test nodes must use a loopback address, got ${opts.address}`);
  const nativePort = opts.nativePort ?? opts.config?.nativeTransportPort ?? 9042;
  const dir = mkdtempSync(join(tmpdir(), `sibyl-${opts.address}-`));
  const configPath = writeConfigFiles(join(dir, 'conf'), {
    dataDir: join(dir, 'data'),
    hintsDirectory: join(dir, 'hints'),
    ...opts.config,
    listenAddress: opts.address,
    rpcAddress: opts.address,
    nativeTransportPort: nativePort,
  });
  const node = new NodeProcessImpl(opts, dir, configPath, nativePort);
  live.add(node);
  try {
    await node.start();
  } catch (e) {
    await node.cleanup();
    throw e;
  }
  return node;
}

class NodeProcessImpl implements NodeProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  private out = '';
  private err = '';

  constructor(
    private readonly opts: NodeProcessOptions,
    readonly dir: string,
    readonly configPath: string,
    readonly nativePort: number,
  ) {}

  get address(): string {
    return this.opts.address;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  get stdout(): string {
    return this.out;
  }
  get stderr(): string {
    return this.err;
  }

  async start(): Promise<void> {
    if (this.child) throw new Error(`node ${this.address} is already running (pid ${this.child.pid})`);
    // Otherwise the readiness probe below would happily connect to some other test's leftover node.
    if (await canConnect(this.address, this.nativePort))
      throw new Error(`${this.address}:${this.nativePort} is already in use; each test file needs its own 127.0.N.x range`);
    // The launcher's bundle (built once, shared by every test file), as `sibyl cluster up` runs nodes; a stand-in
    // server (SIBYL_SERVER_MODULE, a .ts file) needs the tsx loader.
    const runtime = this.opts.env?.['SIBYL_SERVER_MODULE'] !== undefined ? ['--import', 'tsx', CLI] : await cliCommand();
    const args = [...runtime, 'node', '--config', this.configPath, '--log-level', this.opts.logLevel ?? 'info'];
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...this.opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (buf: string, chunk: Buffer): string => (buf + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    child.stdout!.on('data', (c: Buffer) => (this.out = keep(this.out, c)));
    child.stderr!.on('data', (c: Buffer) => (this.err = keep(this.err, c)));
    let exitInfo: string | undefined;
    this.exited = new Promise((done) => {
      child.once('exit', (code, signal) => {
        exitInfo = `exited with ${signal ?? `code ${code}`}`;
        if (this.child === child) this.child = undefined;
        done(code);
      });
    });
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 15_000);
    while (!(await canConnect(this.address, this.nativePort, 500))) {
      if (exitInfo !== undefined || Date.now() > deadline) {
        const why = exitInfo ?? `did not accept connections on ${this.address}:${this.nativePort} within ${this.opts.startTimeoutMs ?? 15_000} ms`;
        if (exitInfo === undefined) await this.kill();
        throw new Error(`node ${this.address} ${why}\n--- stderr ---\n${this.err}\n--- stdout (tail) ---\n${this.out.slice(-4000)}`);
      }
      await sleep(100);
    }
    // The port answering is not proof that it is *this* node: one that failed to bind exits right away, so give it a
    // moment and make sure it is still running.
    await sleep(200);
    if (exitInfo !== undefined) {
      throw new Error(`node ${this.address} ${exitInfo} right after its port answered (someone else holds ${this.address}:${this.nativePort}?)\n--- stderr ---\n${this.err}`);
    }
  }

  async stop(): Promise<number | null> {
    const child = this.child;
    if (!child) return null;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async cleanup(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }
}
