// timestamp ± duration and date ± duration, as Cassandra's Duration.addTo does it: months first (the day of the
// month clamped to the month's length, as a calendar does), then days, then the time; a date takes only durations
// of whole days.
import { civilFromDays, DATE_EPOCH, daysFromCivil, daysInMonth, type Duration } from '../../model/values/codec.ts';

const MS_PER_DAY = 86400000;

/** Days since the epoch plus `months` calendar months. */
function addMonths(days: number, months: number): number {
  if (months === 0) return days;
  const [y, m, d] = civilFromDays(days);
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = total - ny * 12 + 1;
  return daysFromCivil(ny, nm, Math.min(d, daysInMonth(ny, nm)));
}

export function addDurationToTimestamp(ts: Buffer, d: Duration): Buffer {
  const ms = Number(ts.readBigInt64BE(0));
  const millis = Number(d.nanoseconds / 1000000n);
  let out: number;
  if (d.months === 0) out = ms + d.days * MS_PER_DAY + millis;
  else {
    const day = Math.floor(ms / MS_PER_DAY);
    const inDay = ms - day * MS_PER_DAY;
    out = (addMonths(day, d.months) + d.days) * MS_PER_DAY + inDay + millis;
  }
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(out));
  return b;
}

/** The date moved by whole months and days (the caller refuses durations with a time part). */
export function addDurationToDate(date: Buffer, d: Duration): Buffer {
  const days = date.readUInt32BE(0) - DATE_EPOCH;
  const out = Buffer.alloc(4);
  out.writeUInt32BE((addMonths(days, d.months) + d.days + DATE_EPOCH) >>> 0);
  return out;
}
