// Primitive encodings shared by the value modules: varint/decimal (Java BigInteger/BigDecimal layouts), the
// unsigned/zig-zag vints used by duration, the date/time calendars and inet text forms.

const TWO64 = 1n << 64n;

/** Minimal two's complement big-endian bytes, as Java's BigInteger.toByteArray (0 → 00, 128 → 0080). */
export function bigintToVarint(v: bigint): Buffer {
  if (v >= -128n && v <= 127n) return Buffer.from([Number(v) & 0xff]);
  if (v >= -2147483648n && v <= 2147483647n) {
    const n = Number(v);
    const len = n >= -32768 && n <= 32767 ? 2 : n >= -8388608 && n <= 8388607 ? 3 : 4;
    const b = Buffer.alloc(len);
    b.writeIntBE(n, 0, len);
    return b;
  }
  if (v >= 0n) {
    let hex = v.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    if (parseInt(hex[0]!, 16) >= 8) hex = '00' + hex;
    return Buffer.from(hex, 'hex');
  }
  // Smallest n with v >= -2^(8n-1); the bit length of ~v plus a sign bit gives it.
  const bits = (-v - 1n).toString(2).length + 1;
  const n = Math.ceil(bits / 8);
  const hex = (v + (1n << BigInt(8 * n))).toString(16).padStart(2 * n, '0');
  return Buffer.from(hex, 'hex');
}

export function varintToBigint(buf: Buffer): bigint {
  const len = buf.length;
  if (len === 0) return 0n;
  if (len <= 6) return BigInt(buf.readIntBE(0, len));
  const u = BigInt('0x' + buf.toString('hex'));
  return buf[0]! & 0x80 ? u - (1n << BigInt(8 * len)) : u;
}

export interface Decimal {
  unscaled: bigint;
  scale: number;
}

export function encodeDecimal(d: Decimal): Buffer {
  const mag = bigintToVarint(d.unscaled);
  const out = Buffer.alloc(4 + mag.length);
  out.writeInt32BE(d.scale, 0);
  mag.copy(out, 4);
  return out;
}

export function decodeDecimal(buf: Buffer): Decimal {
  return { scale: buf.readInt32BE(0), unscaled: varintToBigint(buf.subarray(4)) };
}

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
/** Parses Java BigDecimal(String) syntax, keeping the scale the text implies (`1.50` has scale 2). */
export function parseDecimal(text: string): Decimal | undefined {
  const m = DECIMAL_RE.exec(text);
  if (!m) return undefined;
  const intPart = m[2] ?? '';
  const frac = m[3] ?? '';
  if (intPart === '' && frac === '') return undefined;
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  let unscaled = BigInt((intPart + frac) || '0');
  if (m[1] === '-') unscaled = -unscaled;
  const scale = frac.length - exp;
  if (!Number.isSafeInteger(scale) || scale > 2147483647 || scale < -2147483648) return undefined;
  return { unscaled, scale };
}

/** Java BigDecimal.toString / Python Decimal str: plain unless scale < 0 or the adjusted exponent < -6. */
export function decimalToString(d: Decimal): string {
  const neg = d.unscaled < 0n;
  const digits = (neg ? -d.unscaled : d.unscaled).toString();
  const sign = neg ? '-' : '';
  if (d.scale === 0) return sign + digits;
  const adjusted = -d.scale + (digits.length - 1);
  if (d.scale > 0 && adjusted >= -6) {
    if (digits.length > d.scale) {
      return sign + digits.slice(0, digits.length - d.scale) + '.' + digits.slice(digits.length - d.scale);
    }
    return sign + '0.' + '0'.repeat(d.scale - digits.length) + digits;
  }
  const mant = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
  return sign + mant + 'E' + (adjusted >= 0 ? '+' : '') + adjusted;
}

/** Decimal from a JS number using its shortest round-trip text (what users expect from `1.1`). */
export function decimalFromNumber(n: number): Decimal {
  const d = parseDecimal(String(n));
  if (!d) throw new RangeError(`Cannot represent ${n} as a decimal`);
  return d;
}

// ---- vints (Cassandra VIntCoding): leading 1-bits of the first byte count the extra bytes ----

export function writeUnsignedVInt(v: bigint, out: number[]): void {
  v = BigInt.asUintN(64, v);
  if (v < 0x80n) {
    out.push(Number(v));
    return;
  }
  const bits = v.toString(2).length;
  // Each extra byte adds 8 payload bits and costs one marker bit; 9 bytes hold a full 64-bit value.
  const extra = Math.min(8, Math.ceil((bits - 7) / 7));
  const bytes: number[] = [];
  let rest = v;
  for (let i = 0; i < extra; i++) {
    bytes.unshift(Number(rest & 0xffn));
    rest >>= 8n;
  }
  const marker = extra === 8 ? 0xff : (0xff << (8 - extra)) & 0xff;
  out.push(marker | Number(rest), ...bytes);
}

/** Returns the value and the offset after it, or undefined when the buffer is too short. */
export function readUnsignedVInt(buf: Buffer, offset: number): [bigint, number] | undefined {
  if (offset >= buf.length) return undefined;
  const first = buf[offset]!;
  let extra = 0;
  while (extra < 8 && first & (0x80 >> extra)) extra++;
  if (offset + 1 + extra > buf.length) return undefined;
  let v = BigInt(first & (extra === 8 ? 0 : 0xff >> (extra + 1)));
  for (let i = 1; i <= extra; i++) v = (v << 8n) | BigInt(buf[offset + i]!);
  return [v, offset + 1 + extra];
}

export const zigzagEncode = (n: bigint): bigint => BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
export const zigzagDecode = (u: bigint): bigint => BigInt.asIntN(64, (u >> 1n) ^ -(u & 1n));

export interface Duration {
  months: number;
  days: number;
  nanoseconds: bigint;
}

export function encodeDuration(d: Duration): Buffer {
  const out: number[] = [];
  writeUnsignedVInt(zigzagEncode(BigInt(d.months)), out);
  writeUnsignedVInt(zigzagEncode(BigInt(d.days)), out);
  writeUnsignedVInt(zigzagEncode(d.nanoseconds), out);
  return Buffer.from(out);
}

/** Undefined when the bytes are not three vints. Range and sign checks live in validate.ts. */
export function decodeDuration(buf: Buffer): Duration | undefined {
  const a = readUnsignedVInt(buf, 0);
  if (!a) return undefined;
  const b = readUnsignedVInt(buf, a[1]);
  if (!b) return undefined;
  const c = readUnsignedVInt(buf, b[1]);
  if (!c || c[1] !== buf.length) return undefined;
  return { months: Number(zigzagDecode(a[0])), days: Number(zigzagDecode(b[0])), nanoseconds: zigzagDecode(c[0]) };
}

export { TWO64 };

// ---- date (days with the epoch at 2^31) and time (ns since midnight) ----

export const DATE_EPOCH = 2147483648;

/** Days since 1970-01-01 of a proleptic Gregorian date (valid far beyond JS Date's range). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

export function formatYear(y: number): string {
  return y < 0 ? '-' + pad(-y, 4) : pad(y, 4);
}

/** `2020-01-31` for days since the Unix epoch (signed). */
export function daysToDateString(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${formatYear(y)}-${pad(m, 2)}-${pad(d, 2)}`;
}

export function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

// java.time's ISO_LOCAL_DATE, which Cassandra 5.0 parses dates with: two-digit month and day, a four-digit year, or
// a signed one ('+' only for more than four digits).
const DATE_TEXT_RE = /^(\d{4}|-\d{4,9}|\+\d{5,9})-(\d{2})-(\d{2})$/;
/** Days since the Unix epoch for `yyyy-mm-dd`, undefined if malformed or not a calendar date. */
export function parseDateString(text: string): number | undefined {
  const m = DATE_TEXT_RE.exec(text);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  return daysFromCivil(y, mo, d);
}

export const NANOS_PER_DAY = 86400000000000n;

/** `08:12:54.123456789` (always nine fractional digits, as Cassandra's TimeSerializer.toString). */
export function formatTime(ns: bigint): string {
  const s = ns / 1000000000n;
  const frac = ns % 1000000000n;
  const h = Number(s / 3600n);
  const mi = Number((s / 60n) % 60n);
  const se = Number(s % 60n);
  return `${pad(h, 2)}:${pad(mi, 2)}:${pad(se, 2)}.${frac.toString().padStart(9, '0')}`;
}

const TIME_RE = /^(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,9}))?$/;
/** ns since midnight for `hh:mm:ss[.fffffffff]`, undefined if malformed or out of range. */
export function parseTimeString(text: string): bigint | undefined {
  const m = TIME_RE.exec(text.trim());
  if (!m) return undefined;
  const h = Number(m[1]);
  const mi = Number(m[2]);
  const s = Number(m[3]);
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const frac = BigInt((m[4] ?? '').padEnd(9, '0'));
  return (BigInt(h * 3600 + mi * 60 + s) * 1000000000n) + frac;
}

// ---- inet ----

/**
 * Java's IPv4 literal forms (InetAddress.getByName): `a.b.c.d`, and the shorter `a.b.c` (c fills 16 bits), `a.b`
 * (b fills 24 bits) and `a` (32 bits), as Cassandra's InetAddressType accepts them.
 */
export function parseJavaIpv4(s: string): Buffer | undefined {
  if (!/^\d+(\.\d+){0,3}$/.test(s)) return undefined;
  const parts = s.split('.').map(Number);
  const out = Buffer.alloc(4);
  const last = parts.length - 1;
  for (let i = 0; i < last; i++) {
    if (parts[i]! > 255) return undefined;
    out[i] = parts[i]!;
  }
  const tailBytes = 4 - last;
  const tail = parts[last]!;
  if (!Number.isSafeInteger(tail) || tail >= 2 ** (8 * tailBytes)) return undefined;
  out.writeUIntBE(tail, last, tailBytes);
  return out;
}

export function parseInet(text: string): Buffer | undefined {
  const s = text.trim();
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return parseJavaIpv4(s);
  if (!s.includes(':')) return undefined;
  let head = s;
  let v4tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const tail = s.slice(lastColon + 1);
    const v4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(tail) ? parseJavaIpv4(tail) : undefined;
    if (!v4 || v4.length !== 4) return undefined;
    v4tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    // Keep a '::' that ends right before the dotted quad; otherwise drop the separating ':'.
    head = s[lastColon - 1] === ':' ? s.slice(0, lastColon + 1) : s.slice(0, lastColon);
  }
  const want = 8 - v4tail.length;
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (p: string): number[] | undefined => {
    if (p === '') return [];
    const out: number[] = [];
    for (const g of p.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(halves[0]!);
  const right = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!left || !right) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const missing = want - left.length - right.length;
    if (missing < 1) return undefined;
    groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  } else {
    if (left.length !== want) return undefined;
    groups = left;
  }
  groups.push(...v4tail);
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** Java's InetAddress.getHostAddress forms: dotted quad, or eight uncompressed hex groups for IPv6. */
export function inetToString(buf: Buffer): string {
  if (buf.length === 4) return `${buf[0]}.${buf[1]}.${buf[2]}.${buf[3]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(buf.readUInt16BE(i).toString(16));
  return groups.join(':');
}

/** RFC 5952 compressed IPv6 (cqlsh's display, via Python's socket.inet_ntop). */
export function inetToCompactString(buf: Buffer): string {
  if (buf.length === 4) return inetToString(buf);
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push(buf.readUInt16BE(i));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLen).join(':');
}
