// cassandra-stress's command line, parsed into typed settings: `write n=1000000 cl=ONE -rate threads=50 -node a,b
// -schema "replication(strategy=NetworkTopologyStrategy, us-east=3)" -pop seq=1..1M -log interval=1s`. The first
// group is the command and its options, then one group per `-option`. Defaults are cassandra-stress's (4.0–5.0):
// LOCAL_ONE, keyspace1 with SimpleStrategy RF 1, 5 columns of 34 bytes, 200 threads for `write n=…` and an automatic
// thread ramp otherwise, `seq=1..N` for writes and `gaussian(1..N)` for reads. Pure: no I/O.
import {
  parseCount, parseDistribution, parseWeights, StressArgsError, type DistributionSpec,
} from './distribution.ts';

export { StressArgsError } from './distribution.ts';

export const COMMANDS = ['write', 'read', 'mixed', 'counter_write', 'counter_read', 'user', 'help'] as const;
export type CommandName = (typeof COMMANDS)[number];

export const CONSISTENCY_NAMES = ['ANY', 'ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'LOCAL_QUORUM', 'EACH_QUORUM', 'LOCAL_ONE', 'SERIAL', 'LOCAL_SERIAL'] as const;
export type ConsistencyName = (typeof CONSISTENCY_NAMES)[number];

/** How long a run lasts: a count of operations, a duration, or until the op rate's standard error is small enough. */
export type RunLength =
  | { readonly kind: 'count'; readonly ops: number }
  | { readonly kind: 'duration'; readonly ms: number; readonly text: string }
  | { readonly kind: 'uncertainty'; readonly target: number; readonly minMeasurements: number; readonly maxMeasurements: number };

export interface CommandSettings {
  readonly type: Exclude<CommandName, 'help'>;
  readonly length: RunLength;
  readonly consistency: ConsistencyName;
  readonly noWarmup: boolean;
  readonly truncate: 'never' | 'once' | 'always';
  /** mixed: weights of READ and WRITE (default 1:1); user: weights of the profile's operations (`ops(…)`). */
  readonly ratio: ReadonlyMap<string, number>;
  /** user: the profile YAML's path. */
  readonly profile?: string;
}

export type RateSettings =
  | { readonly kind: 'threads'; readonly threads: number; readonly opsPerSec: number; readonly fixed: boolean }
  | { readonly kind: 'ramp'; readonly minThreads: number; readonly maxThreads: number; readonly auto: boolean };

export interface SchemaSettings {
  readonly keyspace: string;
  /** The replication map for CREATE KEYSPACE: `class` plus the strategy's options. */
  readonly replication: ReadonlyMap<string, string>;
  readonly compaction?: ReadonlyMap<string, string>;
  readonly compression?: string;
}

export interface StressSettings {
  readonly command: CommandSettings;
  readonly rate: RateSettings;
  readonly nodes: { readonly hosts: readonly string[]; readonly datacenter?: string; readonly whitelist: boolean };
  /** native: the CQL port; admin: the JMX port (7199), where a Sibyl node serves its admin API. */
  readonly port: { readonly native: number; readonly admin: number };
  readonly schema: SchemaSettings;
  readonly columns: { readonly count: number; readonly size: DistributionSpec; readonly names: readonly string[] };
  /** The seed (key index) distribution: SEQ for writes, GAUSSIAN for reads by default. */
  readonly population: { readonly dist: DistributionSpec; readonly wrap: boolean };
  /** api: the DataStax driver (native), or Sibyl's pipelined client to the -node hosts only (simplenative). */
  readonly mode: { readonly api: 'native' | 'simplenative'; readonly prepared: boolean; readonly connectionsPerHost: number; readonly maxPending: number; readonly protocolVersion: number };
  readonly log: { readonly intervalMs: number; readonly hdrFile?: string; readonly file?: string; readonly noSummary: boolean; readonly noSettings: boolean };
  readonly graph?: { readonly file: string; readonly title?: string; readonly revision?: string };
  readonly errors: { readonly ignore: boolean; readonly retries: number };
}

/** argv → tokens: whitespace splits, except inside parentheses (`replication(strategy=X, dc1=3)` is one token). */
export function tokenize(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (const arg of argv) {
    let depth = 0;
    let cur = '';
    for (const ch of arg) {
      if (ch === '(') depth++;
      if (ch === ')') depth = Math.max(0, depth - 1);
      if (/\s/.test(ch) && depth === 0) {
        if (cur !== '') out.push(cur);
        cur = '';
      } else cur += ch;
    }
    if (cur !== '') out.push(cur);
  }
  return out;
}

const isOptionName = (t: string): boolean => /^-[a-z][a-z-]*$/i.test(t);

/** Tokens grouped: '' holds the command and its options, then `-rate` → [threads=4], … */
export function groupTokens(tokens: readonly string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>([['', []]]);
  let current = '';
  for (const t of tokens) {
    if (isOptionName(t)) {
      current = t.toLowerCase();
      if (groups.has(current)) throw new StressArgsError(`${t} is given twice`);
      groups.set(current, []);
    } else groups.get(current)!.push(t);
  }
  return groups;
}

/** `key=value` → [key, value]; the key is lower-cased, values keep their case. Also `threads>=4`, `err<0.02`. */
function splitOption(t: string): [string, string | undefined] {
  const m = /^([A-Za-z][A-Za-z0-9_.-]*(?:>=|<=|[<>=]))(.*)$/.exec(t);
  return m === null ? [t.toLowerCase(), undefined] : [m[1]!.toLowerCase(), m[2]!];
}

function durationMs(text: string): number {
  const m = /^(\d+)(ms|s|m|h)$/i.exec(text);
  if (m === null) throw new StressArgsError(`Invalid duration "${text}" (expected e.g. 30s, 5m, 1h)`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2]!.toLowerCase() as 'ms' | 's' | 'm' | 'h'];
}

function consistency(text: string): ConsistencyName {
  const cl = text.toUpperCase() as ConsistencyName;
  if (!CONSISTENCY_NAMES.includes(cl)) throw new StressArgsError(`Invalid consistency level "${text}" (one of ${CONSISTENCY_NAMES.join('|')})`);
  return cl;
}

function integer(text: string | undefined, what: string, min = 1): number {
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n < min) throw new StressArgsError(`Invalid value for ${what}: "${text ?? ''}" (expected an integer ≥ ${min})`);
  return n;
}

function parseCommand(params: readonly string[]): CommandSettings {
  const [name, ...rest] = params;
  if (name === undefined) throw new StressArgsError('No command given: write, read, mixed, counter_write, counter_read or user (try `sibyl stress help`)');
  const type = name.toLowerCase() as CommandName;
  if (!COMMANDS.includes(type) || type === 'help') throw new StressArgsError(`Unknown command "${name}" (write, read, mixed, counter_write, counter_read, user)`);
  let count: number | undefined;
  let duration: { ms: number; text: string } | undefined;
  let target: number | undefined;
  let minM = 30;
  let maxM = 200;
  let cl: ConsistencyName = 'LOCAL_ONE';
  let noWarmup = false;
  let truncate: CommandSettings['truncate'] = 'never';
  let ratio = new Map<string, number>(type === 'mixed' ? [['READ', 1], ['WRITE', 1]] : []);
  let profile: string | undefined;
  for (const p of rest) {
    const [key, value] = splitOption(p);
    if (key === 'n=') count = parseCount(value!, 'n=');
    else if (key === 'duration=') duration = { ms: durationMs(value!), text: value! };
    else if (key === 'err<') target = Number(value);
    else if (key === 'n>') minM = integer(value, 'n>');
    else if (key === 'n<') maxM = integer(value, 'n<');
    else if (key === 'cl=') cl = consistency(value!);
    else if (key === 'no-warmup') noWarmup = true;
    else if (key === 'truncate=' && ['never', 'once', 'always'].includes(value!.toLowerCase())) truncate = value!.toLowerCase() as CommandSettings['truncate'];
    else if (type === 'mixed' && key.startsWith('ratio(')) ratio = upperKeys(parseWeights(p, 'ratio'), ['READ', 'WRITE']);
    else if (type === 'mixed' && key.startsWith('clustering=')) parseDistribution(value!, 'clustering=');
    else if (type === 'user' && key === 'profile=') profile = value!;
    else if (type === 'user' && key.startsWith('ops(')) ratio = parseWeights(p, 'ops');
    else throw new StressArgsError(`Invalid ${type} option "${p}"`);
  }
  if ([count, duration, target].filter((x) => x !== undefined).length > 1) throw new StressArgsError('Choose one of n=, duration= and err<');
  // Cassandra refuses reads at ANY; say so here, since the Node.js driver would quietly send them at ONE.
  const writesOnly = type === 'write' || type === 'counter_write' || (type === 'user' && [...ratio.keys()].every((k) => k === 'insert'));
  if (cl === 'ANY' && !writesOnly) throw new StressArgsError('cl=ANY: ANY ConsistencyLevel is only supported for writes');
  if (type === 'user' && profile === undefined) throw new StressArgsError('user requires profile=FILE.yaml');
  if (type === 'user' && ratio.size === 0) throw new StressArgsError('user requires ops(name=weight,…), e.g. ops(insert=1)');
  const length: RunLength = count !== undefined ? { kind: 'count', ops: count }
    : duration !== undefined ? { kind: 'duration', ...duration }
    : { kind: 'uncertainty', target: target ?? 0.02, minMeasurements: minM, maxMeasurements: maxM };
  return { type, length, consistency: cl, noWarmup, truncate, ratio, ...(profile !== undefined ? { profile } : {}) };
}

function upperKeys(w: Map<string, number>, allowed: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of w) {
    const u = k.toUpperCase();
    if (!allowed.includes(u)) throw new StressArgsError(`Invalid ratio entry "${k}" (mixed takes ${allowed.map((a) => a.toLowerCase()).join(' and ')})`);
    out.set(u, v);
  }
  return out;
}

function parseRate(params: readonly string[] | undefined, cmd: CommandSettings): RateSettings {
  if (params === undefined) {
    // cassandra-stress: `write n=…` runs 200 threads; anything else ramps threads up until throughput saturates.
    const writes = cmd.type === 'write' || cmd.type === 'counter_write';
    return writes && cmd.length.kind === 'count' ? { kind: 'threads', threads: 200, opsPerSec: 0, fixed: false } : { kind: 'ramp', minThreads: 4, maxThreads: 1000, auto: true };
  }
  let threads: number | undefined;
  let min: number | undefined;
  let max: number | undefined;
  let auto = false;
  let fixed = 0;
  let throttle = 0;
  const perSecond = (v: string | undefined, what: string): number => {
    const m = /^(\d+)\/s$/.exec(v ?? '');
    if (m === null) throw new StressArgsError(`Invalid value for ${what}: "${v ?? ''}" (expected N/s, e.g. 1000/s)`);
    return Number(m[1]);
  };
  for (const p of params) {
    const [key, value] = splitOption(p);
    if (key === 'threads=') threads = integer(value, 'threads=');
    else if (key === 'threads>=') min = integer(value, 'threads>=');
    else if (key === 'threads<=') max = integer(value, 'threads<=');
    else if (key === 'auto') auto = true;
    else if (key === 'fixed=') fixed = perSecond(value, 'fixed=');
    else if (key === 'throttle=') throttle = perSecond(value, 'throttle=');
    else throw new StressArgsError(`Invalid -rate option "${p}" (threads=N, threads>=N, threads<=N, auto, fixed=N/s, throttle=N/s)`);
  }
  if (fixed > 0 && throttle > 0) throw new StressArgsError("-rate: can't have both fixed and throttle set, choose one.");
  if (threads !== undefined) {
    if (min !== undefined || max !== undefined || auto) throw new StressArgsError('-rate: threads= cannot be combined with threads>=, threads<= or auto');
    return { kind: 'threads', threads, opsPerSec: Math.max(fixed, throttle), fixed: fixed > 0 };
  }
  if (fixed > 0 || throttle > 0) throw new StressArgsError('-rate: fixed= and throttle= need threads=N');
  const minThreads = min ?? 4;
  const maxThreads = max ?? 1000;
  if (maxThreads < minThreads) throw new StressArgsError('-rate: threads<= is below threads>=');
  return { kind: 'ramp', minThreads, maxThreads, auto };
}

function parseNodes(params: readonly string[] | undefined): StressSettings['nodes'] {
  const hosts: string[] = [];
  let datacenter: string | undefined;
  let whitelist = false;
  for (const p of params ?? []) {
    const [key, value] = splitOption(p);
    if (key === 'datacenter=') datacenter = value!;
    else if (key === 'whitelist') whitelist = true;
    else if (key.endsWith('=')) throw new StressArgsError(`Invalid -node option "${p}" (a comma-separated host list, datacenter=DC, whitelist)`);
    else hosts.push(...p.split(',').map((h) => h.trim()).filter((h) => h !== ''));
  }
  return { hosts: hosts.length > 0 ? hosts : ['127.0.0.1'], ...(datacenter !== undefined ? { datacenter } : {}), whitelist };
}

/** `replication(strategy=NetworkTopologyStrategy, us-east=3)`: `factor` is cassandra-stress's replication_factor. */
function parseOptionMap(token: string, what: string): Map<string, string> {
  const m = /^[a-z]+\s*\((.*)\)$/is.exec(token);
  if (m === null) throw new StressArgsError(`Invalid ${what}: "${token}" (expected ${what}(key=value, …))`);
  const out = new Map<string, string>();
  for (const part of m[1]!.split(',')) {
    if (part.trim() === '') continue;
    const kv = /^\s*([^=\s]+)\s*=\s*(.*?)\s*$/.exec(part);
    if (kv === null) throw new StressArgsError(`Invalid ${what} entry "${part.trim()}" (expected key=value)`);
    out.set(kv[1]!, kv[2]!);
  }
  return out;
}

function parseSchema(params: readonly string[] | undefined): SchemaSettings {
  let keyspace = 'keyspace1';
  let replication = new Map<string, string>([['class', 'SimpleStrategy'], ['replication_factor', '1']]);
  let compaction: Map<string, string> | undefined;
  let compression: string | undefined;
  for (const p of params ?? []) {
    const [key, value] = splitOption(p);
    if (key.startsWith('replication(')) {
      const opts = parseOptionMap(p, 'replication');
      replication = new Map([['class', opts.get('strategy') ?? 'SimpleStrategy']]);
      for (const [k, v] of opts) if (k !== 'strategy') replication.set(k === 'factor' ? 'replication_factor' : k, v);
      if (replication.size === 1) replication.set('replication_factor', '1');
    } else if (key.startsWith('compaction(')) {
      const opts = parseOptionMap(p, 'compaction');
      compaction = new Map([...opts].map(([k, v]) => [k === 'strategy' ? 'class' : k, v]));
    } else if (key === 'keyspace=') keyspace = value!;
    else if (key === 'compression=') compression = value!;
    else throw new StressArgsError(`Invalid -schema option "${p}" (replication(…), keyspace=, compaction(…), compression=)`);
  }
  return { keyspace, replication, ...(compaction ? { compaction } : {}), ...(compression ? { compression } : {}) };
}

function parseColumns(params: readonly string[] | undefined): StressSettings['columns'] {
  let count = 5;
  let size: DistributionSpec = { kind: 'fixed', value: 34 };
  let names: string[] | undefined;
  for (const p of params ?? []) {
    const [key, value] = splitOption(p);
    if (key === 'n=') {
      const d = /^\d+$/.test(value!) ? { kind: 'fixed' as const, value: Number(value) } : parseDistribution(value!, '-col n=');
      if (d.kind !== 'fixed' || d.value < 1) throw new StressArgsError('-col n= must be FIXED(N) with N ≥ 1 (a varying column count is not supported)');
      count = d.value;
    } else if (key === 'size=') size = /^\d+$/.test(value!) ? { kind: 'fixed', value: Number(value) } : parseDistribution(value!, '-col size=');
    else if (key === 'names=') names = value!.split(',').map((s) => s.trim()).filter((s) => s !== '');
    else throw new StressArgsError(`Invalid -col option "${p}" (n=FIXED(N), size=DIST, names=a,b,…)`);
  }
  if (names !== undefined && names.length !== count) count = names.length;
  return { count, size, names: names ?? Array.from({ length: count }, (_, i) => `C${i}`) };
}

function parsePopulation(params: readonly string[] | undefined, cmd: CommandSettings): StressSettings['population'] {
  const limit = cmd.length.kind === 'count' && cmd.length.ops > 0 ? cmd.length.ops : 1_000_000;
  let dist: DistributionSpec | undefined;
  let wrap = true;
  for (const p of params ?? []) {
    const [key, value] = splitOption(p);
    if (key === 'seq=') dist = parseDistribution(`seq(${value})`, '-pop seq=');
    else if (key === 'dist=') dist = parseDistribution(value!, '-pop dist=');
    else if (key === 'no-wrap') wrap = false;
    else if (key === 'contents=' || key === 'read-lookback=') continue;
    else throw new StressArgsError(`Invalid -pop option "${p}" (seq=MIN..MAX, dist=DIST, no-wrap)`);
  }
  // cassandra-stress: writes (and a user profile that only inserts) walk the seeds in order, the rest draw them.
  const writes = cmd.type === 'write' || cmd.type === 'counter_write' || (cmd.type === 'user' && [...cmd.ratio.keys()].every((k) => k === 'insert'));
  return { dist: dist ?? (writes ? { kind: 'seq', min: 1, max: limit } : parseDistribution(`gaussian(1..${limit})`, '-pop')), wrap };
}

function parseMode(params: readonly string[] | undefined): StressSettings['mode'] {
  let api: 'native' | 'simplenative' = 'native';
  let prepared = true;
  let connectionsPerHost = 1;
  let maxPending = 2048;
  let protocolVersion = 4;
  for (const p of params ?? []) {
    const [key, value] = splitOption(p);
    if (key === 'native' || key === 'cql3' || key === 'javadriver') continue;
    else if (key === 'simplenative') api = 'simplenative';
    else if (key === 'prepared') prepared = true;
    else if (key === 'unprepared') prepared = false;
    else if (key === 'connectionsperhost=') connectionsPerHost = integer(value, 'connectionsPerHost=');
    else if (key === 'maxpending=') maxPending = integer(value, 'maxPending=');
    else if (key === 'protocolversion=') {
      protocolVersion = integer(value, 'protocolVersion=');
      if (protocolVersion > 4 || protocolVersion < 3) throw new StressArgsError('-mode protocolVersion= must be 3 or 4 (Sibyl speaks native protocol v4)');
    } else if (key === 'user=' || key === 'password=' || key === 'compression=') continue;
    else if (key === 'thrift') throw new StressArgsError('-mode thrift is not supported: Sibyl speaks the native protocol only');
    else throw new StressArgsError(`Invalid -mode option "${p}" (native|simplenative cql3 prepared|unprepared, connectionsPerHost=N, maxPending=N, protocolVersion=4)`);
  }
  if (api === 'simplenative' && !prepared) throw new StressArgsError('-mode simplenative sends prepared statements only');
  return { api, prepared, connectionsPerHost, maxPending, protocolVersion };
}

function parseLog(params: readonly string[] | undefined): StressSettings['log'] {
  let intervalMs = 1000;
  let hdrFile: string | undefined;
  let file: string | undefined;
  let noSummary = false;
  let noSettings = false;
  for (const p of params ?? []) {
    const [key, value] = splitOption(p);
    if (key === 'interval=') intervalMs = /^\d+$/.test(value!) ? Number(value) * 1000 : durationMs(value!);
    else if (key === 'hdrfile=') hdrFile = value!;
    else if (key === 'file=') file = value!;
    else if (key === 'no-summary') noSummary = true;
    else if (key === 'no-settings') noSettings = true;
    else if (key === 'level=') continue;
    else throw new StressArgsError(`Invalid -log option "${p}" (interval=1s, hdrfile=FILE, file=FILE, level=, no-summary, no-settings)`);
  }
  if (intervalMs < 100) throw new StressArgsError('-log interval= must be at least 100ms');
  return { intervalMs, ...(hdrFile ? { hdrFile } : {}), ...(file ? { file } : {}), noSummary, noSettings };
}

function parseKeyValues(params: readonly string[] | undefined, group: string, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of params ?? []) {
    const [key, value] = splitOption(p);
    if (value === undefined || !allowed.includes(key)) throw new StressArgsError(`Invalid ${group} option "${p}" (${allowed.map((a) => `${a}…`).join(', ')})`);
    out.set(key.slice(0, -1), value);
  }
  return out;
}

function parseErrors(params: readonly string[] | undefined): StressSettings['errors'] {
  let ignore = false;
  let retries = 9;
  for (const p of params ?? []) {
    const [key, value] = splitOption(p);
    if (key === 'ignore') ignore = true;
    else if (key === 'retries=') retries = integer(value, 'retries=', 0);
    else if (key === 'skip-read-validation') continue;
    else throw new StressArgsError(`Invalid -errors option "${p}" (ignore, retries=N)`);
  }
  return { ignore, retries };
}

const GROUPS = ['', '-rate', '-node', '-port', '-schema', '-col', '-pop', '-mode', '-log', '-graph', '-errors'];

/** The whole command line → settings. Throws StressArgsError naming the offending option. */
export function parseStressArgs(argv: readonly string[]): StressSettings {
  const groups = groupTokens(tokenize(argv));
  for (const g of groups.keys()) {
    if (!GROUPS.includes(g)) throw new StressArgsError(`Unsupported option ${g} (supported: ${GROUPS.filter((x) => x !== '').join(' ')})`);
  }
  const command = parseCommand(groups.get('')!);
  const port = parseKeyValues(groups.get('-port'), '-port', ['native=', 'jmx=']);
  const graph = groups.has('-graph') ? parseKeyValues(groups.get('-graph'), '-graph', ['file=', 'title=', 'revision=', 'op=']) : undefined;
  if (graph !== undefined && !graph.has('file')) throw new StressArgsError('-graph requires file=FILE.html');
  return {
    command,
    rate: parseRate(groups.get('-rate'), command),
    nodes: parseNodes(groups.get('-node')),
    port: { native: port.has('native') ? integer(port.get('native'), '-port native=') : 9042, admin: port.has('jmx') ? integer(port.get('jmx'), '-port jmx=') : 7199 },
    schema: parseSchema(groups.get('-schema')),
    columns: parseColumns(groups.get('-col')),
    population: parsePopulation(groups.get('-pop'), command),
    mode: parseMode(groups.get('-mode')),
    log: parseLog(groups.get('-log')),
    ...(graph !== undefined ? { graph: { file: graph.get('file')!, ...(graph.has('title') ? { title: graph.get('title')! } : {}), ...(graph.has('revision') ? { revision: graph.get('revision')! } : {}) } } : {}),
    errors: parseErrors(groups.get('-errors')),
  };
}
