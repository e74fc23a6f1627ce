// TRACING ON: after each traced statement, cqlsh fetches its session from system_traces (waiting, as the Python
// driver's QueryTrace.populate does, until the session has its duration) and prints it the way cqlshlib/tracing.py
// does: a header row from the session, one row per event ("activity [thread]"), and "Request complete", with
// columns activity, timestamp (local time, Python's str(datetime)), source, source_elapsed and client.
import { setTimeout as sleep } from 'node:timers/promises';
import { T } from '../../model/types.ts';
import { timeuuidTicks, uuidToString } from '../../model/values/uuid.ts';
import type { Consistency } from '../../model/consistency.ts';
import type { CqlClient, RowsResult } from './client.ts';
import { formatCell, MAGENTA, tableLines, type Cell, type FormatOptions } from './format.ts';

/** cqlsh's --max-trace-wait default (seconds), and the driver's pause between polls. */
const MAX_TRACE_WAIT_MS = 10_000;
const POLL_MS = 3;

export interface TracePrinter {
  client: CqlClient;
  consistency: (typeof Consistency)[keyof typeof Consistency];
  formatOptions: FormatOptions;
  color: boolean;
  tty: boolean;
  requestTimeoutMs: number;
  writeResult(text: string, newline?: boolean): void;
  applyColor(text: string, color: string): string;
}

interface SessionRow {
  request: string;
  coordinator: string;
  startedAtMs: number;
  durationMicros: number | null;
  client: string;
}

function inetText(b: Buffer | null): string {
  if (!b) return '';
  if (b.length === 4) return [...b].join('.');
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(b.readUInt16BE(i).toString(16));
  return parts.join(':');
}

const text = (b: Buffer | null): string => (b ? b.toString('utf8') : '');
const int = (b: Buffer | null): number | null => (b && b.length === 4 ? b.readInt32BE(0) : null);

async function rows(p: TracePrinter, cql: string): Promise<RowsResult | undefined> {
  const { result } = await p.client.query(cql, { consistency: p.consistency, pageSize: 5000 }, p.requestTimeoutMs);
  return result.kind === 'rows' ? result : undefined;
}

async function fetchSession(p: TracePrinter, id: string): Promise<SessionRow | undefined> {
  const deadline = Date.now() + MAX_TRACE_WAIT_MS;
  let wait = POLL_MS;
  for (let attempt = 0; attempt < 100 && Date.now() < deadline; attempt++) {
    const r = await rows(p, `SELECT request, coordinator, started_at, duration, client FROM system_traces.sessions WHERE session_id = ${id}`);
    const row = r?.rows[0];
    const duration = row ? int(row[3]!) : null;
    if (row && duration !== null) {
      const startedAtMs = row[2] ? Number(row[2].readBigInt64BE(0)) : 0;
      return { request: text(row[0]!), coordinator: inetText(row[1]!), startedAtMs, durationMicros: duration, client: inetText(row[4]!) };
    }
    await sleep(wait);
    wait = Math.min(wait * 2, 500);
  }
  return undefined;
}

/** Python's str(datetime) of a local time, from µs since the epoch. */
function pythonDatetime(micros: number): string {
  const d = new Date(Math.floor(micros / 1000));
  const p2 = (n: number) => String(n).padStart(2, '0');
  const base = `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
  const us = ((micros % 1_000_000) + 1_000_000) % 1_000_000;
  return us === 0 ? base : `${base}.${String(us).padStart(6, '0')}`;
}

/** Unix µs of a timeuuid. */
function timeuuidMicros(b: Buffer): number {
  return Number(timeuuidTicks(b) / 10n);
}

/** cqlsh prints timedelta.microseconds: the sub-second part only, and "--" for a zero (false) timedelta. */
const elapsedValue = (micros: number | null): number | string => (micros ? micros % 1_000_000 : '--');

function cellOf(v: number | string, o: FormatOptions): Cell {
  if (typeof v === 'number') {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return formatCell(T.int, b, o);
  }
  return formatCell(T.text, Buffer.from(v, 'utf8'), { ...o, rawText: true });
}

/** Prints the trace of one traced statement (cqlshmain.py perform_simple_statement with tracing enabled). */
export async function printTrace(p: TracePrinter, tracingId: Buffer): Promise<void> {
  const id = uuidToString(tracingId);
  const session = await fetchSession(p, id);
  if (!session) {
    p.writeResult(`Statement trace did not complete within ${MAX_TRACE_WAIT_MS / 1000} seconds; trace data may be incomplete.`);
    return;
  }
  const events = await rows(p, `SELECT event_id, activity, source, source_elapsed, thread FROM system_traces.events WHERE session_id = ${id}`);
  if (!events || events.rows.length === 0) return;
  const startedMicros = session.startedAtMs * 1000;
  const table: Array<Array<number | string>> = [[session.request, pythonDatetime(startedMicros), session.coordinator, 0, session.client]];
  for (const e of events.rows) {
    const when = e[0] ? pythonDatetime(timeuuidMicros(e[0])) : '';
    table.push([`${text(e[1]!)} [${text(e[4]!)}]`, when, inetText(e[2]!), elapsedValue(int(e[3]!)), session.client]);
  }
  if (session.durationMicros) {
    table.push(['Request complete', pythonDatetime(startedMicros + session.durationMicros), session.coordinator, session.durationMicros % 1_000_000, session.client]);
  }
  const o = p.formatOptions;
  const names = ['activity', 'timestamp', 'source', 'source_elapsed', 'client'].map((n) => ({ text: n, colored: p.color ? p.applyColor(n, MAGENTA) : n, width: n.length }));
  p.writeResult('');
  p.writeResult(p.applyColor('Tracing session: ', MAGENTA), false);
  p.writeResult(id);
  p.writeResult('');
  for (const l of tableLines(names, table.map((r) => r.map((v) => cellOf(v, o))), true)) p.writeResult(l);
  if (p.tty) p.writeResult('');
  p.writeResult('');
}
