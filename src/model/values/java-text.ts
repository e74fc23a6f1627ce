// Java's Double.toString and Float.toString as the JDK 17 that runs Cassandra 5.0 prints them: the text of toJson()
// of a double/float, CAST(… AS text) and the Java values quoted in error messages. Digits are the shortest that
// read back as the same value, except in FloatingDecimal's "easy case" (a whole number below 2^63), where the JDK
// prints the exact integer digits less the low digits its binary precision cannot vouch for, which is why
// Float.toString(123456789f) is "1.23456792E8" where the shortest form would be 1.2345679E8. (The JDK's general
// path is also not always shortest, for a few rare values; those print shortest here.)

/** insignificantDigitsForPow2(p2): how many low decimal digits of an integer scaled by 2^p2 are noise. */
const INSIGNIFICANT = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9,
  9, 10, 10, 10, 11, 11, 11, 12, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15, 15, 16, 16, 16, 17, 17, 17, 18, 18, 18, 19];

interface Decimal {
  digits: string; // no leading or trailing zeros
  /** The value is 0.digits × 10^exp. */
  exp: number;
}

/** The exact digits of a whole number below 2^63, rounded as FloatingDecimal.developLongDigits does. */
function easyDigits(abs: number, mantissaBits: number): Decimal | undefined {
  if (!Number.isInteger(abs) || abs < 1 || abs >= 2 ** 63) return undefined;
  let v = BigInt(abs);
  const binExp = v.toString(2).length - 1;
  // The JDK counts the full mantissa width (53 or 24 bits) as significant for normal values.
  const p2 = binExp - mantissaBits - 1;
  const insignificant = binExp > mantissaBits && p2 > 1 && p2 < INSIGNIFICANT.length ? INSIGNIFICANT[p2]! : 0;
  if (insignificant > 0) {
    const pow = 10n ** BigInt(insignificant);
    const residue = v % pow;
    v /= pow;
    if (residue * 2n >= pow) v++;
  }
  let s = v.toString();
  const exp = s.length + insignificant;
  s = s.replace(/0+$/, '');
  return { digits: s, exp };
}

/** Shortest round-trip digits from a JS exponential form (`1.2345e+7`). */
function fromExponential(e: string): Decimal {
  const [mant, ex] = e.split('e') as [string, string];
  const digits = mant.replace('.', '').replace(/0+$/, '') || '0';
  return { digits, exp: Number(ex) + 1 };
}

function shortestFloatDigits(v: number): Decimal {
  for (let p = 1; p <= 9; p++) {
    const s = v.toExponential(p - 1);
    if (Math.fround(Number(s)) === v) return fromExponential(s);
  }
  return fromExponential(v.toExponential(8));
}

/** FloatingDecimal.toJavaFormatString: plain for 10^-3 ≤ |v| < 10^7, computerized scientific notation otherwise. */
function layout(neg: boolean, d: Decimal): string {
  const sign = neg ? '-' : '';
  const { digits, exp } = d;
  if (exp > 0 && exp <= 7) {
    const intPart = digits.length >= exp ? digits.slice(0, exp) : digits + '0'.repeat(exp - digits.length);
    const frac = digits.length > exp ? digits.slice(exp) : '0';
    return `${sign}${intPart}.${frac}`;
  }
  if (exp <= 0 && exp > -3) return `${sign}0.${'0'.repeat(-exp)}${digits}`;
  return `${sign}${digits[0]}.${digits.length > 1 ? digits.slice(1) : '0'}E${exp - 1}`;
}

function special(v: number): string | undefined {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  return undefined;
}

export function javaDoubleToString(v: number): string {
  const s = special(v);
  if (s !== undefined) return s;
  const abs = Math.abs(v);
  return layout(v < 0, easyDigits(abs, 53) ?? fromExponential(abs.toExponential()));
}

/** `v` must be a float32 value (Math.fround'ed). */
export function javaFloatToString(v: number): string {
  const s = special(v);
  if (s !== undefined) return s;
  const abs = Math.abs(v);
  return layout(v < 0, easyDigits(abs, 24) ?? shortestFloatDigits(abs));
}
