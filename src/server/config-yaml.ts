// The yaml side of config loading: a reader that remembers which keys were consumed (so the rest can be reported as
// unknown), and the error every refused value ends in, `Invalid yaml: <key> …`, naming the key.

/** `key` is the offending yaml key (dotted for nested ones), `file` the config file being read. */
export class ConfigLoadError extends Error {
  override readonly name = 'ConfigLoadError';
  constructor(message: string, readonly key?: string, readonly file?: string) {
    super(message);
  }
}

export const show = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)) ?? String(v);
export const invalid = (key: string, expected: string, got: unknown): ConfigLoadError =>
  new ConfigLoadError(`Invalid yaml: ${key} must be ${expected} (got ${show(got)})`, key);

export function toInt(v: unknown): number | undefined {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number(v.trim());
  return undefined;
}

const DURATION_MS: Record<string, number> = { ms: 1, milliseconds: 1, s: 1000, seconds: 1000, m: 60_000, minutes: 60_000, h: 3_600_000, hours: 3_600_000, d: 86_400_000, days: 86_400_000 };
const SIZE_MIB: Record<string, number> = { b: 1 / 2 ** 20, bytes: 1 / 2 ** 20, kib: 1 / 1024, mib: 1, gib: 1024 };

/** Walks the parsed yaml, remembering which keys were consumed so the rest can be reported. */
export class YamlReader {
  readonly used = new Set<string>();
  constructor(readonly raw: Record<string, unknown>) {}

  /** Blank values (`key:`) count as absent, which is how Cassandra's loader treats them. */
  get(key: string): unknown {
    this.used.add(key);
    const v = this.raw[key];
    return v === null ? undefined : v;
  }
  has(key: string): boolean { return key in this.raw; }
  str(key: string, def: string): string {
    const v = this.get(key);
    if (v === undefined) return def;
    if (typeof v !== 'string' || v.trim() === '') throw invalid(key, 'a non-empty string', v);
    return v.trim();
  }
  optStr(key: string): string | undefined {
    return this.get(key) === undefined ? undefined : this.str(key, '');
  }
  int(key: string, def: number, min: number, max: number): number {
    const v = this.get(key);
    if (v === undefined) return def;
    const n = toInt(v);
    if (n === undefined || n < min || n > max) throw invalid(key, `an integer between ${min} and ${max}`, v);
    return n;
  }
  port(key: string, def: number): number { return this.int(key, def, 1, 65535); }
  /** Pre-4.1 `x_in_ms: 10000` or 4.1's `x: 10000ms`; both at once is ambiguous, as Cassandra also says. */
  private unitValue(oldKey: string, newKey: string): { old: boolean; v: unknown; m: RegExpExecArray | null } {
    const [o, v] = [this.get(oldKey), this.get(newKey)];
    if (o !== undefined && v !== undefined)
      throw new ConfigLoadError(`Invalid yaml: ${oldKey} and ${newKey} are the same setting; set only one`, newKey);
    return { old: o !== undefined, v, m: typeof v === 'string' ? /^\s*(\d+)\s*([a-zA-Z]+)\s*$/.exec(v) : null };
  }
  durationMs(oldKey: string, newKey: string, def: number): number {
    const { old, v, m } = this.unitValue(oldKey, newKey);
    if (old) return this.int(oldKey, def, 0, Number.MAX_SAFE_INTEGER);
    if (v === undefined) return def;
    const unit = m ? DURATION_MS[m[2]!.toLowerCase()] : undefined;
    if (!m || unit === undefined) throw invalid(newKey, 'a duration such as 10000ms, 10s, 5m or 3h', v);
    return Number(m[1]) * unit;
  }
  sizeMb(oldKey: string, newKey: string, def: number, max: number): number {
    const { old, v, m } = this.unitValue(oldKey, newKey);
    if (old) return this.int(oldKey, def, 1, max);
    if (v === undefined) return def;
    const unit = m ? SIZE_MIB[m[2]!.toLowerCase()] : undefined;
    const mb = m && unit !== undefined ? Number(m[1]) * unit : NaN;
    if (!Number.isInteger(mb) || mb < 1 || mb > max) throw invalid(newKey, `a whole number of MiB between 1MiB and ${max}MiB (e.g. 16MiB)`, v);
    return mb;
  }
  /** Pre-4.1 `x_in_kb: 1024` or 4.1's `x: 1024KiB` (also B, MiB, GiB), in KiB; 0 allowed (Cassandra: unlimited). */
  sizeKib(oldKey: string, newKey: string, def: number): number {
    const { old, v, m } = this.unitValue(oldKey, newKey);
    if (old) return this.int(oldKey, def, 0, Number.MAX_SAFE_INTEGER);
    if (v === undefined) return def;
    const unit = m ? SIZE_MIB[m[2]!.toLowerCase()] : undefined;
    const kib = m && unit !== undefined ? Number(m[1]) * unit * 1024 : NaN;
    if (!Number.isFinite(kib) || kib < 0) throw invalid(newKey, 'a data size such as 1024KiB or 1MiB', v);
    return kib;
  }
  /**
   * A data rate as Cassandra 5.0 reads it (DataRateSpec): `24MiB/s`, `1024KiB/s` or `1000B/s`, in bytes per second,
   * 0 = unthrottled; the pre-4.1 key is in megabits per second (`200` ≈ 24MiB/s), converted as Cassandra converts it.
   */
  dataRateBytesPerSec(oldMegabitsKey: string, newKey: string, def: number): number {
    const [o, v] = [this.get(oldMegabitsKey), this.get(newKey)];
    if (o !== undefined && v !== undefined)
      throw new ConfigLoadError(`Invalid yaml: ${oldMegabitsKey} and ${newKey} are the same setting; set only one`, newKey);
    if (o !== undefined) return Math.floor((this.int(oldMegabitsKey, 0, 0, Number.MAX_SAFE_INTEGER) * 1_000_000) / 8);
    if (v === undefined) return def;
    const m = typeof v === 'string' ? /^\s*(\d+)\s*(B|KiB|MiB)\/s\s*$/.exec(v) : null;
    if (!m) throw invalid(newKey, 'a data rate such as 24MiB/s, 1024KiB/s or 1000B/s', v);
    return Number(m[1]) * (m[2] === 'B' ? 1 : m[2] === 'KiB' ? 1024 : 1024 * 1024);
  }
}
