// Timestamp text: the date-time formats Cassandra's TimestampSerializer accepts, and the cqlsh display form.
// Times without a zone are UTC (a Cassandra node's JVM default in every deployment we emulate).
import { civilFromDays, daysFromCivil, daysInMonth, formatYear } from './codec.ts';

const ZONE_ABBREVIATIONS: Record<string, number> = {
  UTC: 0, GMT: 0, UT: 0, Z: 0, WET: 0, CET: 60, EET: 120, EST: -300, EDT: -240, CST: -360, CDT: -300,
  MST: -420, MDT: -360, PST: -480, PDT: -420, HST: -600, AKST: -540, AKDT: -480, JST: 540, IST: 330,
};

const OFFSET_RE = /^([+-])(\d{2})(?::?(\d{2}))?$/;

/** Minutes east of UTC for a zone designator, undefined if unknown. */
function zoneOffset(zone: string, general: boolean): number | undefined {
  const m = OFFSET_RE.exec(zone);
  if (m) {
    const h = Number(m[2]);
    const mi = Number(m[3] ?? '0');
    if (h > 23 || mi > 59) return undefined;
    return (m[1] === '-' ? -1 : 1) * (h * 60 + mi);
  }
  if (zone === 'Z') return 0;
  if (!general) return undefined;
  const gmt = /^GMT([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(zone);
  if (gmt) {
    const h = Number(gmt[2]);
    const mi = Number(gmt[3] ?? '0');
    if (h > 23 || mi > 59) return undefined;
    return (gmt[1] === '-' ? -1 : 1) * (h * 60 + mi);
  }
  return ZONE_ABBREVIATIONS[zone.toUpperCase()];
}

const TS_RE =
  /^(\d{1,9})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?(?:( ?)(Z|[+-]\d{2}(?::?\d{2})?|[A-Za-z]{1,5}|GMT[+-]\d{1,2}(?::?\d{2})?))?$/;

/**
 * Milliseconds since the epoch for a Cassandra timestamp string (`2011-02-03`, `2011-02-03 04:05`,
 * `2011-02-03T04:05:00.000+0000`, `…Z`, `… +01:00`, `… UTC`), undefined if malformed. Like Java's
 * SimpleDateFormat, the fraction is a count of milliseconds (`.5` is 5 ms) and must not exceed 999.
 */
export function parseTimestampString(text: string): number | undefined {
  const m = TS_RE.exec(text);
  if (!m) return undefined;
  const [, ys, mos, ds, hs, mis, ss, fs, space, zone] = m;
  if (hs === undefined && zone === undefined && space) return undefined;
  const y = Number(ys);
  const mo = Number(mos);
  const d = Number(ds);
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  const h = hs === undefined ? 0 : Number(hs);
  const mi = mis === undefined ? 0 : Number(mis);
  const s = ss === undefined ? 0 : Number(ss);
  const ms = fs === undefined ? 0 : Number(fs);
  if (h > 23 || mi > 59 || s > 59 || ms > 999) return undefined;
  let offset = 0;
  if (zone !== undefined) {
    // Zone names need the separating space (`z` patterns); numeric offsets may be attached (`X` patterns).
    const general = space === ' ';
    const o = zoneOffset(zone, general);
    if (o === undefined) return undefined;
    if (!general && !/^(Z|[+-])/.test(zone)) return undefined;
    offset = o;
  }
  const days = daysFromCivil(y, mo, d);
  return days * 86400000 + ((h * 60 + mi - offset) * 60 + s) * 1000 + ms;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

function split(ms: number): { date: string; time: string; millis: number } {
  const days = Math.floor(ms / 86400000);
  let rest = ms - days * 86400000;
  const [y, mo, d] = civilFromDays(days);
  const h = Math.floor(rest / 3600000);
  rest -= h * 3600000;
  const mi = Math.floor(rest / 60000);
  rest -= mi * 60000;
  const s = Math.floor(rest / 1000);
  return { date: `${formatYear(y)}-${pad(mo, 2)}-${pad(d, 2)}`, time: `${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}`, millis: rest - s * 1000 };
}

/** cqlsh's default display: `2011-02-03 04:05:00.000000+0000` (microseconds, always UTC). */
export function formatTimestampCqlsh(ms: number): string {
  const p = split(ms);
  return `${p.date} ${p.time}.${pad(p.millis, 3)}000+0000`;
}

/** Cassandra's toCQLLiteral form: `2011-02-03T04:05:00.000Z`. */
export function formatTimestampIso(ms: number): string {
  const p = split(ms);
  return `${p.date}T${p.time}.${pad(p.millis, 3)}Z`;
}
