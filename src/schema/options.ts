// WITH-clause options of CREATE/ALTER TABLE and the replication map of CREATE/ALTER KEYSPACE: names, defaults,
// normalisation (short class names → full names) and Cassandra 4's validation messages.
import { ConfigError, SyntaxError } from '../model/errors.ts';
import type { OptionValue } from '../model/ast.ts';
import { DEFAULT_TABLE_OPTIONS, type TableOptions } from './model.ts';

export const SIMPLE_STRATEGY = 'org.apache.cassandra.locator.SimpleStrategy';
export const NTS = 'org.apache.cassandra.locator.NetworkTopologyStrategy';
export const LOCAL_STRATEGY = 'org.apache.cassandra.locator.LocalStrategy';
const LOCATOR = 'org.apache.cassandra.locator.';
const KNOWN_STRATEGIES = new Set([SIMPLE_STRATEGY, NTS, LOCAL_STRATEGY, `${LOCATOR}EverywhereStrategy`]);

/** Option names accepted by CREATE/ALTER TABLE (Cassandra 4.0 TableParams.Option, plus `id`). */
const TABLE_OPTION_NAMES = new Set([
  'additional_write_policy', 'bloom_filter_fp_chance', 'caching', 'cdc', 'comment', 'compaction', 'compression',
  'crc_check_chance', 'default_time_to_live', 'extensions', 'gc_grace_seconds', 'max_index_interval',
  'memtable_flush_period_in_ms', 'min_index_interval', 'read_repair', 'speculative_retry', 'id',
]);
// Removed in 4.0 but still written by 3.x-era schema scripts; accepting and ignoring them keeps those working.
const IGNORED_TABLE_OPTIONS = new Set(['read_repair_chance', 'dclocal_read_repair_chance']);

const MAX_TTL = 630720000; // 20 years, Cassandra's Attributes.MAX_TTL

function scalar(name: string, v: OptionValue): string {
  if (typeof v === 'object') throw new SyntaxError(`Invalid value for property '${name}'. It should be a string`);
  return String(v);
}

function map(name: string, v: OptionValue): Record<string, string> {
  if (typeof v !== 'object') throw new SyntaxError(`Invalid value for property '${name}'. It should be a map.`);
  return v;
}

function int(name: string, v: OptionValue): number {
  const s = scalar(name, v);
  if (!/^[+-]?\d+$/.test(s.trim()) || Math.abs(Number(s)) > 2147483647) {
    throw new SyntaxError(`Invalid integer value ${s} for '${name}'`);
  }
  return Number(s);
}

function double(name: string, v: OptionValue): number {
  const s = scalar(name, v);
  const n = Number(s);
  if (s.trim() === '' || (Number.isNaN(n) && s.trim() !== 'NaN')) throw new SyntaxError(`Invalid double value ${s} for '${name}'`);
  return n;
}

function bool(name: string, v: OptionValue): boolean {
  const s = scalar(name, v).toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw new SyntaxError(`Invalid boolean value ${s} for '${name}'. Only 'true' and 'false' are accepted.`);
}

/** Reject unknown option names before anything else, as Cassandra's PropertyDefinitions.validate does. */
export function checkTableOptionNames(options: Record<string, OptionValue>): void {
  for (const name of Object.keys(options)) {
    if (!TABLE_OPTION_NAMES.has(name) && !IGNORED_TABLE_OPTIONS.has(name)) {
      throw new SyntaxError(`Unknown property '${name}'`);
    }
  }
}

/** The options of a new table (base = defaults) or an altered one (base = its current options). */
export function buildTableOptions(options: Record<string, OptionValue>, base: TableOptions = DEFAULT_TABLE_OPTIONS): TableOptions {
  checkTableOptionNames(options);
  const o: TableOptions = { ...base };
  for (const [name, v] of Object.entries(options)) {
    switch (name) {
      case 'bloom_filter_fp_chance': o.bloom_filter_fp_chance = double(name, v); break;
      case 'caching': o.caching = caching(map(name, v)); break;
      case 'comment': o.comment = scalar(name, v); break;
      case 'compaction': o.compaction = compaction(map(name, v)); break;
      case 'compression': o.compression = compression(map(name, v)); break;
      case 'crc_check_chance': o.crc_check_chance = double(name, v); break;
      case 'default_time_to_live': o.default_time_to_live = int(name, v); break;
      case 'extensions': o.extensions = extensions(map(name, v)); break;
      case 'gc_grace_seconds': o.gc_grace_seconds = int(name, v); break;
      case 'max_index_interval': o.max_index_interval = int(name, v); break;
      case 'memtable_flush_period_in_ms': o.memtable_flush_period_in_ms = int(name, v); break;
      case 'min_index_interval': o.min_index_interval = int(name, v); break;
      case 'speculative_retry': o.speculative_retry = retryPolicy(name, scalar(name, v)); break;
      case 'additional_write_policy': o.additional_write_policy = retryPolicy(name, scalar(name, v)); break;
      case 'read_repair': o.read_repair = readRepair(scalar(name, v)); break;
      case 'cdc': o.cdc = bool(name, v); break;
      default: break; // `id` is handled by CREATE TABLE; ignored legacy options fall through here
    }
  }
  validateTableOptions(o);
  return o;
}

function validateTableOptions(o: TableOptions): void {
  const fail = (msg: string): never => {
    throw new ConfigError(msg);
  };
  if (!(o.bloom_filter_fp_chance > 0 && o.bloom_filter_fp_chance <= 1)) {
    fail(`bloom_filter_fp_chance must be larger than 6.71E-5 and less than or equal to 1.0 (got ${o.bloom_filter_fp_chance})`);
  }
  if (!(o.crc_check_chance >= 0 && o.crc_check_chance <= 1)) {
    fail(`crc_check_chance must be larger than or equal to 0 and smaller than or equal to 1.0 (got ${o.crc_check_chance})`);
  }
  if (o.default_time_to_live < 0) fail(`default_time_to_live must be greater than or equal to 0 (got ${o.default_time_to_live})`);
  if (o.default_time_to_live > MAX_TTL) {
    fail(`default_time_to_live must be less than or equal to ${MAX_TTL} (got ${o.default_time_to_live})`);
  }
  if (o.gc_grace_seconds < 0) fail(`gc_grace_seconds must be greater than or equal to 0 (got ${o.gc_grace_seconds})`);
  if (o.min_index_interval < 1) fail(`min_index_interval must be greater than or equal to 1 (got ${o.min_index_interval})`);
  if (o.max_index_interval < o.min_index_interval) {
    fail(`max_index_interval must be greater than or equal to min_index_interval (${o.min_index_interval}) (got ${o.max_index_interval})`);
  }
  if (o.memtable_flush_period_in_ms < 0) {
    fail(`memtable_flush_period_in_ms must be greater than or equal to 0 (got ${o.memtable_flush_period_in_ms})`);
  }
}

function caching(m: Record<string, string>): Record<string, string> {
  const out = { ...DEFAULT_TABLE_OPTIONS.caching };
  for (const [k, raw] of Object.entries(m)) {
    const v = String(raw).toUpperCase();
    if (k === 'keys') {
      if (v !== 'ALL' && v !== 'NONE') {
        throw new ConfigError(`Invalid value '${raw}' for caching sub-option 'keys': only 'ALL' and 'NONE' are allowed`);
      }
      out.keys = v;
    } else if (k === 'rows_per_partition') {
      if (v !== 'ALL' && v !== 'NONE' && !/^\d+$/.test(v)) {
        throw new ConfigError(
          `Invalid value '${raw}' for caching sub-option 'rows_per_partition': only 'ALL', 'NONE' or a positive integer are allowed`,
        );
      }
      out.rows_per_partition = v;
    } else {
      throw new ConfigError(`Invalid caching sub-options ${JSON.stringify(m)}: only 'keys' and 'rows_per_partition' are allowed`);
    }
  }
  return out;
}

const COMPACTION_PKG = 'org.apache.cassandra.db.compaction.';
const COMPACTION_CLASSES = new Set(
  ['SizeTieredCompactionStrategy', 'LeveledCompactionStrategy', 'TimeWindowCompactionStrategy', 'DateTieredCompactionStrategy']
    .map((c) => COMPACTION_PKG + c),
);

function compaction(m: Record<string, string>): Record<string, string> {
  const cls = m.class;
  if (cls === undefined) throw new ConfigError("Missing sub-option 'class' for the 'compaction' option.");
  const full = cls.includes('.') ? cls : COMPACTION_PKG + cls;
  if (!COMPACTION_CLASSES.has(full)) throw new ConfigError(`Unable to find compaction strategy class '${full}'`);
  // CompactionParams always carries both thresholds, so system_schema and DESCRIBE show them.
  return { max_threshold: '32', min_threshold: '4', ...stringValues(m), class: full };
}

const COMPRESSION_PKG = 'org.apache.cassandra.io.compress.';
const COMPRESSORS = new Set(
  ['LZ4Compressor', 'SnappyCompressor', 'DeflateCompressor', 'ZstdCompressor', 'NoopCompressor'].map((c) => COMPRESSION_PKG + c),
);

function compression(m: Record<string, string>): Record<string, string> {
  const opts = stringValues(m);
  // An empty map (cassandra-stress writes `compression = {}`) means "no compression", as in Cassandra.
  if (Object.keys(opts).length === 0) return { enabled: 'false' };
  if (opts.enabled !== undefined && opts.enabled.toLowerCase() === 'false') return { enabled: 'false' };
  delete opts.enabled;
  const cls = opts.class ?? opts.sstable_compression;
  delete opts.sstable_compression;
  if (cls === undefined || cls === '') throw new ConfigError("Missing sub-option 'class' for the 'compression' option.");
  const full = cls.includes('.') ? cls : COMPRESSION_PKG + cls;
  if (!COMPRESSORS.has(full)) throw new ConfigError(`Unable to find compressor class '${full}'`);
  const chunk = opts.chunk_length_in_kb ?? (opts.chunk_length_kb !== undefined ? opts.chunk_length_kb : '16');
  delete opts.chunk_length_kb;
  if (!/^\d+$/.test(chunk) || (Number(chunk) & (Number(chunk) - 1)) !== 0 || Number(chunk) === 0) {
    throw new ConfigError(`chunk_length_in_kb must be a power of 2`);
  }
  return { ...opts, chunk_length_in_kb: chunk, class: full };
}

function extensions(m: Record<string, string>): Record<string, string> {
  // Extensions are blobs; kept as hex so TableOptions stays JSON-safe.
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) {
    const s = String(v);
    out[k] = /^0x[0-9a-fA-F]*$/.test(s) ? s.slice(2).toLowerCase() : Buffer.from(s, 'utf8').toString('hex');
  }
  return out;
}

function stringValues(m: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) out[k] = String(v);
  return out;
}

/** Normalise a speculative-retry policy the way Cassandra prints it back ('99PERCENTILE' → '99p'). */
function retryPolicy(name: string, raw: string): string {
  const s = raw.trim();
  const up = s.toUpperCase();
  if (up === 'NONE' || up === 'ALWAYS') return up;
  const pct = /^(\d+(?:\.\d+)?)\s*(P|PERCENTILE)$/i.exec(s);
  if (pct) {
    const p = Number(pct[1]);
    if (p <= 0 || p >= 100) throw new ConfigError(`Invalid value ${raw} for option '${name}'`);
    return `${Number(p.toFixed(4))}p`;
  }
  const ms = /^(\d+(?:\.\d+)?)\s*MS$/i.exec(s);
  if (ms) return `${Number(ms[1])}ms`;
  const minmax = /^(MIN|MAX)\s*\((.+),(.+)\)$/i.exec(s);
  if (minmax) {
    const a = retryPolicy(name, minmax[2]);
    const b = retryPolicy(name, minmax[3]);
    return `${minmax[1].toUpperCase()}(${a},${b})`;
  }
  throw new ConfigError(`Invalid value ${raw} for option '${name}'`);
}

function readRepair(raw: string): string {
  const v = raw.toUpperCase();
  if (v !== 'BLOCKING' && v !== 'NONE') throw new ConfigError(`Invalid value ${raw} for option 'read_repair'`);
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// Replication

export interface ReplicationOptions {
  /** Data centers the cluster knows; when given, NTS `replication_factor` expands to them and unknown DCs fail. */
  dataCenters?: string[];
}

/** Validate a replication map and return it with the full class name under 'class'. */
export function normalizeReplication(keyspace: string, given: Record<string, string>, opts: ReplicationOptions): Record<string, string> {
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(given)) if (k !== 'class') options[k] = String(v);
  const cls = given.class;
  if (cls === undefined) throw new ConfigError('Missing replication strategy class');
  const full = cls.includes('.') ? cls : LOCATOR + cls;
  if (full === `${LOCATOR}OldNetworkTopologyStrategy`) {
    throw new ConfigError(
      'The support for the OldNetworkTopologyStrategy has been removed in C* version 4.0. ' +
        'The keyspace strategy should be switch to NetworkTopologyStrategy',
    );
  }
  if (!KNOWN_STRATEGIES.has(full)) throw new ConfigError(`Unable to find replication strategy class '${full}'`);
  if (full === LOCAL_STRATEGY) {
    throw new ConfigError('Unable to use given strategy class: LocalStrategy is reserved for internal use.');
  }
  const simpleName = full.slice(LOCATOR.length);
  const unrecognized = (k: string): never => {
    throw new ConfigError(`Unrecognized strategy option {${k}} passed to ${simpleName} for keyspace ${keyspace}`);
  };
  if (full === SIMPLE_STRATEGY) {
    if (options.replication_factor === undefined) {
      throw new ConfigError('SimpleStrategy requires a replication_factor strategy option.');
    }
    for (const k of Object.keys(options)) if (k !== 'replication_factor') unrecognized(k);
    validateRf(options.replication_factor);
    return { class: full, replication_factor: options.replication_factor };
  }
  if (full === NTS) {
    const out: Record<string, string> = { class: full };
    const defaultRf = options.replication_factor;
    if (defaultRf !== undefined) validateRf(defaultRf);
    for (const [k, v] of Object.entries(options)) {
      if (k === 'replication_factor') continue;
      if (opts.dataCenters !== undefined && !opts.dataCenters.includes(k)) unrecognized(k);
      validateRf(v);
      out[k] = v;
    }
    if (defaultRf !== undefined) {
      // Cassandra 4 expands a bare replication_factor to every known DC not listed explicitly.
      if (opts.dataCenters === undefined) out.replication_factor = defaultRf;
      else for (const dc of opts.dataCenters) if (out[dc] === undefined) out[dc] = defaultRf;
    }
    return out;
  }
  for (const v of Object.values(options)) validateRf(v);
  return { class: full, ...options };
}

function validateRf(s: string): void {
  if (/^-\d+$/.test(s.trim())) throw new ConfigError(`Replication factor must be non-negative, found ${s.trim()}`);
  if (!/^\d+$/.test(s.trim())) throw new ConfigError(`For input string: "${s}"`);
}
