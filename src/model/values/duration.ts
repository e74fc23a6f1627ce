// Duration text forms (CQL duration literals and strings): `1h30m`, ISO 8601 `P1DT2H`, `P2W` and the alternative
// `P0001-02-03T04:05:06`, with Cassandra's ordering and overflow rules.
import { InvalidRequestError } from '../errors.ts';
import type { Duration } from './codec.ts';

const NS_US = 1000n;
const NS_MS = 1000000n;
const NS_S = 1000000000n;
const NS_M = 60n * NS_S;
const NS_H = 60n * NS_M;
const INT_MAX = 2147483647n;
const LONG_MAX = (1n << 63n) - 1n;

const UNIT_NAMES = ['', 'years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds', 'milliseconds',
  'microseconds', 'nanoseconds'];

class Builder {
  private months = 0n;
  private days = 0n;
  private nanos = 0n;
  private lastUnit = 0;

  constructor(private readonly negative: boolean) {}

  // Units must come in decreasing size, each at most once.
  private order(unit: number): void {
    if (unit === this.lastUnit) {
      throw new InvalidRequestError(`Invalid duration. The ${UNIT_NAMES[unit]} are specified multiple times`);
    }
    if (unit < this.lastUnit) {
      throw new InvalidRequestError(
        `Invalid duration. The ${UNIT_NAMES[this.lastUnit]} should be after ${UNIT_NAMES[unit]}`);
    }
    this.lastUnit = unit;
  }

  private static check(units: bigint, limit: bigint, name: string): void {
    if (units > limit) {
      throw new InvalidRequestError(
        `Invalid duration. The total number of ${name} must be less or equal to ${INT_MAX}`);
    }
  }

  add(unit: number, n: bigint): this {
    this.order(unit);
    if (unit <= 2) {
      const per = unit === 1 ? 12n : 1n;
      Builder.check(n, (INT_MAX - this.months) / per, 'months');
      this.months += n * per;
    } else if (unit <= 4) {
      const per = unit === 3 ? 7n : 1n;
      Builder.check(n, (INT_MAX - this.days) / per, 'days');
      this.days += n * per;
    } else {
      const per = [NS_H, NS_M, NS_S, NS_MS, NS_US, 1n][unit - 5]!;
      Builder.check(n, (LONG_MAX - this.nanos) / per, 'nanoseconds');
      this.nanos += n * per;
    }
    return this;
  }

  build(): Duration {
    const s = this.negative ? -1n : 1n;
    // `0 * -1` must stay +0 for months/days so deepEqual comparisons of zero durations behave.
    return { months: Number(this.months * s) || 0, days: Number(this.days * s) || 0, nanoseconds: this.nanos * s };
  }
}

const STANDARD_UNITS: Record<string, number> = {
  y: 1, mo: 2, w: 3, d: 4, h: 5, m: 6, s: 7, ms: 8, us: 9, 'µs': 9, ns: 10,
};
const STANDARD_RE = /(\d+)(mo|ms|us|µs|ns|y|w|d|h|s|m)/iy;
const ISO_RE = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const ISO_WEEK_RE = /^P(\d+)W$/;
const ISO_ALT_RE = /^P(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

/** Parses a duration as Cassandra's Duration.from; throws InvalidRequestError on malformed text. */
export function parseDuration(input: string): Duration {
  const negative = input.startsWith('-');
  const src = negative ? input.slice(1) : input;
  const fail = (): never => {
    throw new InvalidRequestError(`Unable to convert '${src}' to a duration`);
  };
  const b = new Builder(negative);
  if (src.startsWith('P')) {
    if (src.endsWith('W')) {
      const m = ISO_WEEK_RE.exec(src) ?? fail();
      return b.add(3, BigInt(m[1]!)).build();
    }
    if (src.includes('-')) {
      const m = ISO_ALT_RE.exec(src) ?? fail();
      for (const [i, unit] of [1, 2, 4, 5, 6, 7].entries()) b.add(unit, BigInt(m[i + 1]!));
      return b.build();
    }
    const m = ISO_RE.exec(src) ?? fail();
    const slots: Array<[number, number]> = [[1, 1], [2, 2], [3, 4]];
    for (const [g, unit] of slots) if (m[g] !== undefined) b.add(unit, BigInt(m[g]));
    if (m[4] !== undefined) {
      for (const [g, unit] of [[5, 5], [6, 6], [7, 7]] as Array<[number, number]>) {
        if (m[g] !== undefined) b.add(unit, BigInt(m[g]));
      }
    }
    return b.build();
  }
  STANDARD_RE.lastIndex = 0;
  let pos = 0;
  let any = false;
  while (pos < src.length) {
    STANDARD_RE.lastIndex = pos;
    const m = STANDARD_RE.exec(src);
    if (!m) break;
    any = true;
    b.add(STANDARD_UNITS[m[2]!.toLowerCase()]!, BigInt(m[1]!));
    pos = STANDARD_RE.lastIndex;
  }
  if (!any || pos !== src.length) fail();
  return b.build();
}

/** Cassandra's Duration.toString (also what cqlsh prints): `1y2mo3d4h5m6s7ms8us9ns`, `-` prefix if negative. */
export function durationToString(d: Duration): string {
  let out = d.months < 0 || d.days < 0 || d.nanoseconds < 0n ? '-' : '';
  const part = (v: bigint, div: bigint, unit: string): bigint => {
    if (v === 0n || v < div) return v;
    out += `${v / div}${unit}`;
    return v % div;
  };
  const abs = (v: bigint): bigint => (v < 0n ? -v : v);
  part(part(abs(BigInt(d.months)), 12n, 'y'), 1n, 'mo');
  part(abs(BigInt(d.days)), 1n, 'd');
  if (d.nanoseconds !== 0n) {
    let r = part(abs(d.nanoseconds), NS_H, 'h');
    r = part(r, NS_M, 'm');
    r = part(r, NS_S, 's');
    r = part(r, NS_MS, 'ms');
    r = part(r, NS_US, 'us');
    part(r, 1n, 'ns');
  }
  return out;
}
