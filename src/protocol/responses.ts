// Response and ERROR frames of native protocol v4 (spec §4.2, §9). Frames are written into a BodyWriter so that
// replies produced in the same tick can share one buffer (see writeResponseFrame / encodeFrames).
import { BodyWriter } from './buffers.ts';
import {
  AlreadyExistsError, CqlError, ErrorCode, FunctionFailureError, ReadFailureError, ReadTimeoutError, ServerError,
  UnavailableError, UnpreparedError, WriteFailureError, WriteTimeoutError,
} from '../model/errors.ts';
import { HEADER_LENGTH, RESPONSE_VERSION } from './frame.ts';
import {
  Opcode, type ColumnSpec, type EventMessage, type Response, type ResultMessage, type RowsResult, type SchemaChange,
} from './messages.ts';
import { writeTypeOption } from './type-option.ts';

export const ResultKind = { VOID: 1, ROWS: 2, SET_KEYSPACE: 3, PREPARED: 4, SCHEMA_CHANGE: 5 } as const;
export const RowsFlag = { GLOBAL_TABLES_SPEC: 0x0001, HAS_MORE_PAGES: 0x0002, NO_METADATA: 0x0004 } as const;
export const EVENT_STREAM = -1;

/** One reply to put on the wire: a response, or an error (optionally with another version byte). */
export type Outgoing =
  | { stream: number; response: Response }
  | { stream: number; error: CqlError; version?: number };

// Small frames go into one long-lived slab; taken views are never overwritten, so sharing it is safe.
let sharedWriter: BodyWriter | undefined;
function defaultWriter(): BodyWriter {
  return (sharedWriter ??= new BodyWriter(256 * 1024));
}

/** A whole frame (header + body) for one response. */
export function encodeResponse(stream: number, response: Response, writer: BodyWriter = defaultWriter()): Buffer {
  writeResponseFrame(writer, stream, response);
  return writer.take();
}

/** A whole ERROR frame. `version` is the header byte: 0x84 except when answering an unsupported version. */
export function encodeError(stream: number, err: CqlError, version = RESPONSE_VERSION, writer = defaultWriter()): Buffer {
  writeErrorFrame(writer, stream, err, version);
  return writer.take();
}

export function encodeEvent(event: EventMessage, writer: BodyWriter = defaultWriter()): Buffer {
  return encodeResponse(EVENT_STREAM, { opcode: Opcode.EVENT, event }, writer);
}

/** Several frames back to back in one Buffer (reply coalescing). */
export function encodeFrames(items: readonly Outgoing[], writer: BodyWriter = defaultWriter()): Buffer {
  for (const it of items) {
    if ('error' in it) writeErrorFrame(writer, it.stream, it.error, it.version ?? RESPONSE_VERSION);
    else writeResponseFrame(writer, it.stream, it.response);
  }
  return writer.take();
}

/** Anything thrown while serving a request, as the CqlError to report. */
export function toCqlError(e: unknown): CqlError {
  if (e instanceof CqlError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new ServerError(msg);
}

/**
 * Appends one response frame to w (call w.take() later to get all appended frames). If encoding fails, nothing of
 * the frame stays in the writer and the error propagates.
 */
export function writeResponseFrame(w: BodyWriter, stream: number, response: Response): void {
  const mark = beginFrame(w, RESPONSE_VERSION, stream, response.opcode);
  try {
    writeResponseBody(w, response);
  } catch (e) {
    w.truncate(mark);
    throw e;
  }
  endFrame(w, mark);
}

export function writeErrorFrame(w: BodyWriter, stream: number, err: CqlError, version = RESPONSE_VERSION): void {
  const mark = beginFrame(w, version, stream, Opcode.ERROR);
  try {
    writeErrorBody(w, err);
  } catch (e) {
    // The error's own fields did not encode (e.g. an oversized [short bytes]): fall back to a bare server error.
    w.truncate(mark);
    beginFrame(w, version, stream, Opcode.ERROR);
    w.writeInt(ErrorCode.SERVER_ERROR);
    w.writeString(truncateUtf8(`Cannot encode error: ${e instanceof Error ? e.message : String(e)}`));
  }
  endFrame(w, mark);
}

function beginFrame(w: BodyWriter, version: number, stream: number, opcode: number): number {
  const mark = w.mark();
  w.ensure(HEADER_LENGTH);
  const b = w.buf;
  const p = w.pos;
  b[p] = version;
  b[p + 1] = 0;
  b[p + 2] = (stream >> 8) & 0xff;
  b[p + 3] = stream & 0xff;
  b[p + 4] = opcode;
  w.pos = p + HEADER_LENGTH;
  return mark;
}

function endFrame(w: BodyWriter, mark: number): void {
  w.patchInt(mark + 5, w.mark() - mark - HEADER_LENGTH);
}

function writeResponseBody(w: BodyWriter, r: Response): void {
  switch (r.opcode) {
    case Opcode.READY:
      return;
    case Opcode.SUPPORTED:
      return w.writeStringMultimap(r.options);
    case Opcode.AUTHENTICATE:
      return w.writeString(r.authenticator);
    case Opcode.AUTH_SUCCESS:
      return w.writeBytes(r.token);
    case Opcode.RESULT:
      return writeResult(w, r.result);
    case Opcode.EVENT:
      return writeEvent(w, r.event);
  }
}

function writeResult(w: BodyWriter, res: ResultMessage): void {
  switch (res.kind) {
    case 'void':
      return w.writeInt(ResultKind.VOID);
    case 'rows':
      return writeRows(w, res);
    case 'set_keyspace':
      w.writeInt(ResultKind.SET_KEYSPACE);
      return w.writeString(res.keyspace);
    case 'prepared': {
      w.writeInt(ResultKind.PREPARED);
      w.writeShortBytes(res.id);
      const vars = columnSpecs(res.variables);
      w.writeInt(vars.global ? RowsFlag.GLOBAL_TABLES_SPEC : 0);
      w.writeInt(res.variables.length);
      w.writeInt(res.pkIndexes.length);
      for (const i of res.pkIndexes) w.writeShort(i);
      w.writeRaw(vars.bytes);
      if (res.resultColumns.length === 0) {
        w.writeInt(RowsFlag.NO_METADATA);
        w.writeInt(0);
      } else {
        const cols = columnSpecs(res.resultColumns);
        w.writeInt(cols.global ? RowsFlag.GLOBAL_TABLES_SPEC : 0);
        w.writeInt(res.resultColumns.length);
        w.writeRaw(cols.bytes);
      }
      return;
    }
    case 'schema_change':
      w.writeInt(ResultKind.SCHEMA_CHANGE);
      return writeSchemaChange(w, res);
  }
}

function writeSchemaChange(w: BodyWriter, c: SchemaChange): void {
  w.writeString(c.change);
  w.writeString(c.target);
  w.writeString(c.keyspace);
  if (c.target === 'KEYSPACE') return;
  w.writeString(c.name ?? '');
  if (c.target === 'FUNCTION' || c.target === 'AGGREGATE') w.writeStringList(c.argTypes ?? []);
}

function writeEvent(w: BodyWriter, e: EventMessage): void {
  w.writeString(e.type);
  if (e.type === 'SCHEMA_CHANGE') return writeSchemaChange(w, e);
  w.writeString(e.change);
  w.writeInet(e.address, e.port);
}

interface EncodedSpecs {
  global: boolean;
  /** Global table spec (if any) followed by every column's spec, ready to copy into a metadata section. */
  bytes: Buffer;
}

// Column lists are reused for every page of a query and every execution of a prepared statement, so their encoded
// form is computed once per list. Callers must not mutate a column list after handing it to the encoder.
const specCache = new WeakMap<readonly ColumnSpec[], EncodedSpecs>();

function columnSpecs(columns: readonly ColumnSpec[]): EncodedSpecs {
  let enc = specCache.get(columns);
  if (enc) return enc;
  const w = new BodyWriter(256);
  const first = columns[0];
  const global = first !== undefined && columns.every((c) => c.keyspace === first.keyspace && c.table === first.table);
  if (global) {
    w.writeString(first.keyspace);
    w.writeString(first.table);
  }
  for (const c of columns) {
    if (!global) {
      w.writeString(c.keyspace);
      w.writeString(c.table);
    }
    w.writeString(c.name);
    writeTypeOption(w, c.type);
  }
  enc = { global, bytes: Buffer.from(w.take()) };
  specCache.set(columns, enc);
  return enc;
}

function writeRows(w: BodyWriter, res: RowsResult): void {
  const specs = columnSpecs(res.columns);
  const ncols = res.columns.length;
  let flags = 0;
  if (res.noMetadata) flags |= RowsFlag.NO_METADATA;
  else if (specs.global) flags |= RowsFlag.GLOBAL_TABLES_SPEC;
  if (res.pagingState) flags |= RowsFlag.HAS_MORE_PAGES;
  w.writeInt(ResultKind.ROWS);
  w.writeInt(flags);
  w.writeInt(ncols);
  if (res.pagingState) w.writeBytes(res.pagingState);
  if (!res.noMetadata) w.writeRaw(specs.bytes);

  const rows = res.rows;
  // Size the whole row section first so the copy loop below runs without per-cell capacity checks.
  let size = 4;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    if (row.length !== ncols) throw new ServerError(`Row ${r} has ${row.length} values for ${ncols} columns`);
    for (let i = 0; i < ncols; i++) {
      const cell = row[i];
      size += cell ? 4 + cell.length : 4;
    }
  }
  w.ensure(size);
  const buf = w.buf;
  let p = w.pos;
  buf.writeInt32BE(rows.length, p);
  p += 4;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let i = 0; i < ncols; i++) {
      const cell = row[i];
      if (!cell) {
        buf[p] = 0xff;
        buf[p + 1] = 0xff;
        buf[p + 2] = 0xff;
        buf[p + 3] = 0xff;
        p += 4;
        continue;
      }
      const n = cell.length;
      buf[p] = n >>> 24;
      buf[p + 1] = (n >>> 16) & 0xff;
      buf[p + 2] = (n >>> 8) & 0xff;
      buf[p + 3] = n & 0xff;
      p += 4;
      if (n <= 16) for (let k = 0; k < n; k++) buf[p++] = cell[k]!;
      else {
        buf.set(cell, p);
        p += n;
      }
    }
  }
  w.pos = p;
}

function writeErrorBody(w: BodyWriter, err: CqlError): void {
  w.writeInt(err.code);
  w.writeString(truncateUtf8(err.message));
  if (err instanceof UnavailableError) {
    w.writeConsistency(err.consistency);
    w.writeInt(err.required);
    w.writeInt(err.alive);
  } else if (err instanceof WriteTimeoutError) {
    w.writeConsistency(err.consistency);
    w.writeInt(err.received);
    w.writeInt(err.blockFor);
    w.writeString(err.writeType);
  } else if (err instanceof ReadTimeoutError) {
    w.writeConsistency(err.consistency);
    w.writeInt(err.received);
    w.writeInt(err.blockFor);
    w.writeByte(err.dataPresent ? 1 : 0);
  } else if (err instanceof ReadFailureError) {
    w.writeConsistency(err.consistency);
    w.writeInt(err.received);
    w.writeInt(err.blockFor);
    w.writeInt(err.numFailures);
    w.writeByte(err.dataPresent ? 1 : 0);
  } else if (err instanceof FunctionFailureError) {
    w.writeString(err.keyspace);
    w.writeString(err.functionName);
    w.writeStringList(err.argTypes);
  } else if (err instanceof WriteFailureError) {
    w.writeConsistency(err.consistency);
    w.writeInt(err.received);
    w.writeInt(err.blockFor);
    w.writeInt(err.numFailures);
    w.writeString(err.writeType);
  } else if (err instanceof AlreadyExistsError) {
    w.writeString(err.keyspace);
    w.writeString(err.table);
  } else if (err instanceof UnpreparedError) {
    w.writeShortBytes(err.id);
  }
}

/** Cuts s so that its UTF-8 form fits a [string] (error messages may embed arbitrarily long query text). */
export function truncateUtf8(s: string, maxBytes = 0xffff): string {
  if (s.length * 3 <= maxBytes) return s;
  const b = Buffer.from(s, 'utf8');
  if (b.length <= maxBytes) return s;
  let cut = maxBytes;
  // Back up to a character boundary: never start the cut inside a multi-byte sequence.
  while (cut > 0 && (b[cut]! & 0xc0) === 0x80) cut--;
  return b.toString('utf8', 0, cut);
}
