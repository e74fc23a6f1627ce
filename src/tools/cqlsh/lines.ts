// Where the shell's lines come from: a terminal (readline with cqlsh's history file and tab completion), or a
// stream (piped stdin, -f FILE, SOURCE) read line by line so that the line numbers of error messages add up.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';

export interface LineSource {
  /** `<stdin>` or the file name, for `file:line:` prefixes. */
  readonly name: string;
  /** The next line with its `\n` (the last line of a file may lack it); null at the end of the input. */
  readLine(prompt: string): Promise<string | null>;
}

/** A stream read line by line, from the first readLine() on (-e never touches stdin unless COPY FROM STDIN asks). */
export class StreamLines implements LineSource {
  private chunks?: AsyncIterator<string | Buffer>;
  private pending = '';
  private ended = false;

  constructor(
    readonly name: string,
    private readonly stream: NodeJS.ReadableStream,
  ) {}

  async readLine(): Promise<string | null> {
    for (;;) {
      const nl = this.pending.indexOf('\n');
      if (nl >= 0) {
        const line = this.pending.slice(0, nl + 1);
        this.pending = this.pending.slice(nl + 1);
        return line;
      }
      if (this.ended) {
        const rest = this.pending;
        this.pending = '';
        return rest === '' ? null : rest;
      }
      if (!this.chunks) {
        this.stream.setEncoding('utf8');
        this.chunks = (this.stream as AsyncIterable<string | Buffer>)[Symbol.asyncIterator]();
      }
      const next = await this.chunks.next();
      if (next.done) this.ended = true;
      else this.pending += String(next.value);
    }
  }
}

/** cqlsh's history file: $CQL_HISTORY, else ~/.cassandra/cqlsh_history (cqlshmain.py resolve_cql_history_file). */
export function historyFile(env: NodeJS.ProcessEnv = process.env): string {
  return env['CQL_HISTORY'] ?? join(homedir(), '.cassandra', 'cqlsh_history');
}

export type Completer = (line: string) => Promise<[string[], string]>;

const HISTORY_SIZE = 1000;

export class TtyLines implements LineSource {
  readonly name = '<stdin>';
  private readonly rl: Interface;
  private readonly queue: string[] = [];
  private waiting?: (line: string | null) => void;
  private closed = false;
  /** Called on Ctrl-C: the shell drops the statement being typed and returns the prompt to show again. */
  onInterrupt?: () => string;

  constructor(
    private readonly file: string,
    completer: Completer,
  ) {
    this.rl = createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: true,
      history: loadHistory(file),
      historySize: HISTORY_SIZE,
      completer: (line: string, done: (err: null | Error, result: [string[], string]) => void) => {
        completer(line).then((r) => done(null, r), () => done(null, [[], line]));
      },
    });
    this.rl.on('line', (line) => {
      const w = this.waiting;
      this.waiting = undefined;
      if (w) w(line + '\n');
      else this.queue.push(line + '\n');
    });
    this.rl.on('close', () => {
      this.closed = true;
      const w = this.waiting;
      this.waiting = undefined;
      w?.(null);
    });
    this.rl.on('SIGINT', () => {
      // Clear what was typed on the current line (Ctrl-E, Ctrl-U), as Python's KeyboardInterrupt leaves input().
      this.rl.write(null, { ctrl: true, name: 'e' });
      this.rl.write(null, { ctrl: true, name: 'u' });
      process.stdout.write('\n');
      const prompt = this.onInterrupt?.();
      if (prompt !== undefined && this.waiting) {
        this.rl.setPrompt(prompt);
        this.rl.prompt();
      }
    });
  }

  readLine(prompt: string): Promise<string | null> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.rl.setPrompt(prompt);
      this.rl.prompt();
    });
  }

  /** Entries, oldest first. */
  history(): string[] {
    return [...this.liveHistory()].reverse();
  }

  /** cqlsh adds a multi-line statement to the history as one line too (cqlshmain.py handle_statement). */
  addHistory(entry: string): void {
    const h = this.liveHistory();
    if (h[0] !== entry) h.unshift(entry);
    if (h.length > HISTORY_SIZE) h.length = HISTORY_SIZE;
  }

  saveHistory(): void {
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const lines = this.history();
      writeFileSync(this.file, lines.length ? lines.join('\n') + '\n' : '');
    } catch {
      // As cqlsh: a history that cannot be written is silently not saved.
    }
  }

  close(): void {
    this.rl.close();
  }

  private liveHistory(): string[] {
    // readline keeps its history newest-first on the interface (the `history` option seeds the same array).
    return (this.rl as unknown as { history: string[] }).history;
  }
}

function loadHistory(file: string): string[] {
  try {
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
    return lines.slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}
