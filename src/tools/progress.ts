// Progress bars (cli-progress) for long work an operator watches: nodes starting in `cluster up`, operations of a
// `sibyl stress` run with n=. Only on a terminal: logs, tests and CI get no bars (callers print plain lines there).
// cli-progress is loaded only when a bar is shown, so node processes, which run from the same bundle, never load it.

export interface ProgressBars {
  /** Sets the bars' values, by key. */
  update(values: Record<string, number>): void;
  /** Prints a line above the bars (a line written straight to the terminal would be overdrawn by them). */
  log(line: string): void;
  stop(): void;
}

export interface BarSpec {
  key: string;
  label: string;
  total: number;
  /** What the counted things are ("nodes", "ops"). */
  unit: string;
}

/** Bars on `stream`, or undefined when it is not a terminal. */
export async function ttyProgress(specs: readonly BarSpec[], stream: NodeJS.WriteStream = process.stderr): Promise<ProgressBars | undefined> {
  if (stream.isTTY !== true || specs.length === 0) return undefined;
  const { default: cliProgress } = await import('cli-progress');
  const width = Math.max(...specs.map((s) => s.label.length));
  const multi = new cliProgress.MultiBar({
    stream,
    format: '{label} [{bar}] {percentage}% | {value}/{total} {unit} | {duration_formatted}',
    barsize: 30,
    hideCursor: true,
    clearOnComplete: false,
    fps: 5,
  }, cliProgress.Presets.shades_classic);
  const bars = new Map(specs.map((s) => [s.key, multi.create(s.total, 0, { label: s.label.padEnd(width), unit: s.unit })]));
  return {
    update(values) {
      for (const [key, v] of Object.entries(values)) bars.get(key)?.update(v);
    },
    log(line) {
      multi.log(`${line}\n`);
    },
    stop() {
      multi.stop();
    },
  };
}
