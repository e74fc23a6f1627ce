// Java BigDecimal arithmetic on {unscaled, scale} values, for the decimal aggregates and operators: results keep the
// scales BigDecimal gives them (`1.50 + 1` is 2.50), and division rounds HALF_EVEN or to a MathContext precision.
import type { Decimal } from './codec.ts';

function rescale(d: Decimal, scale: number): bigint {
  return d.unscaled * 10n ** BigInt(scale - d.scale);
}

export function decimalAdd(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return { unscaled: rescale(a, scale) + rescale(b, scale), scale };
}

export function decimalSubtract(a: Decimal, b: Decimal): Decimal {
  return decimalAdd(a, { unscaled: -b.unscaled, scale: b.scale });
}

export function decimalMultiply(a: Decimal, b: Decimal): Decimal {
  return { unscaled: a.unscaled * b.unscaled, scale: a.scale + b.scale };
}

/** n / d rounded half to even (d ≠ 0). */
export function divideHalfEven(n: bigint, d: bigint): bigint {
  if (d < 0n) { n = -n; d = -d; }
  let q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice > d || (twice === d && (q & 1n) !== 0n)) q += n < 0n ? -1n : 1n;
  return q;
}

/** BigDecimal.divide(divisor, RoundingMode.HALF_EVEN): the quotient at the dividend's scale. */
export function decimalDivideKeepScale(a: Decimal, b: Decimal): Decimal {
  // a / b at scale s: unscaled = a.u * 10^(s - a.s + b.s) / b.u, with s = a.s.
  const shift = b.scale;
  const n = shift >= 0 ? a.unscaled * 10n ** BigInt(shift) : a.unscaled;
  const d = shift >= 0 ? b.unscaled : b.unscaled * 10n ** BigInt(-shift);
  return { unscaled: divideHalfEven(n, d), scale: a.scale };
}

const digitCount = (v: bigint): number => (v < 0n ? -v : v).toString().length;

/** Rounds to `precision` significant digits, HALF_EVEN (MathContext rounding). */
export function roundToPrecision(d: Decimal, precision: number): Decimal {
  const drop = digitCount(d.unscaled) - precision;
  if (drop <= 0) return d;
  const unscaled = divideHalfEven(d.unscaled, 10n ** BigInt(drop));
  // Rounding up may add a digit (999 → 1000): drop one more.
  if (digitCount(unscaled) > precision) return { unscaled: divideHalfEven(unscaled, 10n), scale: d.scale - drop - 1 };
  return { unscaled, scale: d.scale - drop };
}

/** BigDecimal.stripTrailingZeros. */
export function stripTrailingZeros(d: Decimal): Decimal {
  if (d.unscaled === 0n) return { unscaled: 0n, scale: 0 };
  let { unscaled, scale } = d;
  while (unscaled % 10n === 0n) {
    unscaled /= 10n;
    scale--;
  }
  return { unscaled, scale };
}

/**
 * BigDecimal.divide(divisor, MathContext(precision, HALF_EVEN)): the exact quotient when it has at most `precision`
 * digits (at the preferred scale a.scale - b.scale, or the smallest scale holding it exactly), otherwise rounded.
 */
export function decimalDivide(a: Decimal, b: Decimal, precision: number): Decimal {
  const preferred = a.scale - b.scale;
  if (a.unscaled === 0n) return { unscaled: 0n, scale: Math.max(Math.min(preferred, 2147483647), -2147483648) };
  // Enough extra digits that the rounding at `precision` significant digits is exact.
  const extra = precision + digitCount(b.unscaled) - digitCount(a.unscaled) + 3;
  const scaleUp = Math.max(extra, 0);
  const q = a.unscaled * 10n ** BigInt(scaleUp);
  const exact = q % b.unscaled === 0n;
  let result: Decimal = { unscaled: q / b.unscaled, scale: preferred + scaleUp };
  if (!exact) {
    // Keep the remainder's sign information with a sticky digit, so that HALF_EVEN sees the exact quotient's side.
    const sticky = { unscaled: result.unscaled * 10n + (q < 0n !== b.unscaled < 0n ? -1n : 1n), scale: result.scale + 1 };
    return roundToPrecision(sticky, precision);
  }
  result = roundToPrecision(result, precision);
  // An exact quotient takes the scale closest to the preferred one.
  const stripped = stripTrailingZeros(result);
  if (stripped.scale < preferred) return { unscaled: stripped.unscaled * 10n ** BigInt(preferred - stripped.scale), scale: preferred };
  return stripped;
}

/** BigDecimal.precision: the number of digits of the unscaled value. */
const precisionOf = (d: Decimal): number => digitCount(d.unscaled);

/** BigDecimal.divide(divisor, scale, HALF_UP). */
function divideToScale(a: Decimal, b: Decimal, scale: number): Decimal {
  // a/b = (a.u / b.u) × 10^(b.s − a.s); at `scale`: a.u × 10^(scale − a.s + b.s) / b.u.
  const shift = scale - a.scale + b.scale;
  let n = a.unscaled;
  let d = b.unscaled;
  if (shift >= 0) n *= 10n ** BigInt(shift);
  else d *= 10n ** BigInt(-shift);
  if (d < 0n) { n = -n; d = -d; }
  let q = n / d;
  const r = n % d;
  if ((r < 0n ? -r : r) * 2n >= d && r !== 0n) q += n < 0n ? -1n : 1n;
  return { unscaled: q, scale };
}

/**
 * Cassandra 5.0's decimal division: at least 32 digits after the point, and enough for 32 significant digits when
 * the quotient is small (its scale grows with the operands' difference in integer digits), rounded half up, then
 * stripped of trailing zeros (1.5 / 3 is 0.5, 1 / 3 is 0.33333333333333333333333333333333).
 */
export function cassandraDecimalDivide(a: Decimal, b: Decimal): Decimal {
  const intDigits = (precisionOf(a) - a.scale) - (precisionOf(b) - b.scale);
  const scale = Math.max(32, 32 - intDigits);
  return stripTrailingZeros(divideToScale(a, b, scale));
}

/** BigDecimal.divideToIntegralValue: the truncated quotient, at the preferred scale a.scale − b.scale when it can. */
function divideToIntegral(a: Decimal, b: Decimal): Decimal {
  const preferred = a.scale - b.scale;
  const n = b.scale >= a.scale ? a.unscaled * 10n ** BigInt(b.scale - a.scale) : a.unscaled;
  const d = b.scale >= a.scale ? b.unscaled : b.unscaled * 10n ** BigInt(a.scale - b.scale);
  const q = n / d; // truncates towards zero
  if (q === 0n) return { unscaled: 0n, scale: preferred };
  let out: Decimal = { unscaled: q, scale: 0 };
  if (preferred < 0) {
    while (out.scale > preferred && out.unscaled % 10n === 0n) out = { unscaled: out.unscaled / 10n, scale: out.scale - 1 };
  } else if (preferred > 0) {
    out = { unscaled: q * 10n ** BigInt(preferred), scale: preferred };
  }
  return out;
}

/** BigDecimal.remainder: a − divideToIntegralValue(a, b) × b, with its scale. */
export function decimalRemainder(a: Decimal, b: Decimal): Decimal {
  return decimalSubtract(a, decimalMultiply(divideToIntegral(a, b), b));
}
