// Response and ERROR envelopes of the native protocol, v3 to v5 (spec §4.2, §9; versions differ in the PREPARED and
// ROWS metadata ids of v5, a few type ids, and the function events of v3). Envelopes are written into a BodyWriter
// so that replies produced in the same tick can share one buffer (see writeResponseFrame / encodeFrames); every
// writer takes the protocol version of the connection (v4 when not given).
import { BodyWriter } from './buffers.ts';
import { CqlError, ErrorCode, ServerError } from '../model/errors.ts';
import { columnSpecs, resultMetadataId } from './column-specs.ts';
import { truncateUtf8, writeErrorBody } from './error-body.ts';

export { truncateUtf8 };
import { FrameFlag, HEADER_LENGTH } from './frame.ts';
import { Opcode, type EventMessage, type Response, type ResponseExtras, type ResultMessage, type RowsResult, type SchemaChange } from './messages.ts';
import { ProtocolVersion, responseFlags } from './versions.ts';

export const ResultKind = { VOID: 1, ROWS: 2, SET_KEYSPACE: 3, PREPARED: 4, SCHEMA_CHANGE: 5 } as const;
export const RowsFlag = { GLOBAL_TABLES_SPEC: 0x0001, HAS_MORE_PAGES: 0x0002, NO_METADATA: 0x0004, METADATA_CHANGED: 0x0008 } as const;
export const EVENT_STREAM = -1;
/** v1 and v2 (which Sibyl only ever refuses) had an 8-byte header with a 1-byte stream id. */
const OLD_HEADER_LENGTH = 8;
const V4 = ProtocolVersion.V4;

/** One reply to put on the wire: a response, or an error; each in `version` (v4 when not given). */
export type Outgoing =
  | { stream: number; response: Response; version?: number }
  | { stream: number; error: CqlError; version?: number };

// Small frames go into one long-lived slab; taken views are never overwritten, so sharing it is safe.
let sharedWriter: BodyWriter | undefined;
function defaultWriter(): BodyWriter {
  return (sharedWriter ??= new BodyWriter(256 * 1024));
}

/** A whole frame (header + body) for one response. */
export function encodeResponse(stream: number, response: Response, writer: BodyWriter = defaultWriter(), version: number = V4): Buffer {
  writeResponseFrame(writer, stream, response, version);
  return writer.take();
}

/** A whole ERROR frame, in `version` (1 or 2 give those versions' 8-byte header, for refusing them). */
export function encodeError(stream: number, err: CqlError, version: number = V4, writer = defaultWriter()): Buffer {
  writeErrorFrame(writer, stream, err, version);
  return writer.take();
}

export function encodeEvent(event: EventMessage, writer: BodyWriter = defaultWriter(), version: number = V4): Buffer {
  return encodeResponse(EVENT_STREAM, { opcode: Opcode.EVENT, event }, writer, version);
}

/** Several frames back to back in one Buffer (reply coalescing). */
export function encodeFrames(items: readonly Outgoing[], writer: BodyWriter = defaultWriter()): Buffer {
  for (const it of items) {
    if ('error' in it) writeErrorFrame(writer, it.stream, it.error, it.version ?? V4);
    else writeResponseFrame(writer, it.stream, it.response, it.version ?? V4);
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
export function writeResponseFrame(w: BodyWriter, stream: number, response: Response, version: number = V4): void {
  const mark = beginFrame(w, version, stream, response.opcode);
  try {
    if (response.opcode === Opcode.RESULT) writeResponseExtras(w, mark, response, version);
    writeResponseBody(w, response, version);
  } catch (e) {
    w.truncate(mark);
    throw e;
  }
  endFrame(w, mark, version);
}

export function writeErrorFrame(w: BodyWriter, stream: number, err: CqlError, version: number = V4): void {
  const mark = beginFrame(w, version, stream, Opcode.ERROR);
  try {
    writeErrorBody(w, err, version);
  } catch (e) {
    // The error's own fields did not encode (e.g. an oversized [short bytes]): fall back to a bare server error.
    w.truncate(mark);
    beginFrame(w, version, stream, Opcode.ERROR);
    w.writeInt(ErrorCode.SERVER_ERROR);
    w.writeString(truncateUtf8(`Cannot encode error: ${e instanceof Error ? e.message : String(e)}`));
  }
  endFrame(w, mark, version);
}

/** The tracing id and warnings ahead of a RESULT body (spec §2.2), with their header flags. */
function writeResponseExtras(w: BodyWriter, mark: number, extras: ResponseExtras, version: number): void {
  let flags = 0;
  if (extras.tracingId) {
    flags |= FrameFlag.TRACING;
    w.writeUuid(extras.tracingId);
  }
  // Warnings came with v4; a v3 client would misread the body.
  if (extras.warnings && extras.warnings.length > 0 && version >= ProtocolVersion.V4) {
    flags |= FrameFlag.WARNING;
    w.writeStringList(extras.warnings);
  }
  if (flags !== 0) w.patchOrByte(mark + 1, flags);
}

function headerLength(version: number): number {
  return version < ProtocolVersion.V3 ? OLD_HEADER_LENGTH : HEADER_LENGTH;
}

function beginFrame(w: BodyWriter, version: number, stream: number, opcode: number): number {
  const mark = w.mark();
  const hl = headerLength(version);
  w.ensure(hl);
  const b = w.buf;
  let p = w.pos;
  b[p++] = 0x80 | version;
  b[p++] = responseFlags(version);
  if (hl === HEADER_LENGTH) b[p++] = (stream >> 8) & 0xff;
  b[p++] = stream & 0xff;
  b[p] = opcode;
  w.pos = w.pos + hl;
  return mark;
}

function endFrame(w: BodyWriter, mark: number, version: number): void {
  const hl = headerLength(version);
  w.patchInt(mark + hl - 4, w.mark() - mark - hl);
}

function writeResponseBody(w: BodyWriter, r: Response, version: number): void {
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
      return writeResult(w, r.result, version);
    case Opcode.EVENT:
      return writeEvent(w, r.event, version);
  }
}

function writeResult(w: BodyWriter, res: ResultMessage, version: number): void {
  switch (res.kind) {
    case 'void':
      return w.writeInt(ResultKind.VOID);
    case 'rows':
      return writeRows(w, res, version);
    case 'set_keyspace':
      w.writeInt(ResultKind.SET_KEYSPACE);
      return w.writeString(res.keyspace);
    case 'prepared': {
      w.writeInt(ResultKind.PREPARED);
      w.writeShortBytes(res.id);
      if (version >= ProtocolVersion.V5) w.writeShortBytes(resultMetadataId(res.resultColumns));
      const vars = columnSpecs(res.variables, version);
      w.writeInt(vars.global ? RowsFlag.GLOBAL_TABLES_SPEC : 0);
      w.writeInt(res.variables.length);
      // The partition key indexes came with v4; v3's prepared metadata goes straight to the column specs.
      if (version >= ProtocolVersion.V4) {
        w.writeInt(res.pkIndexes.length);
        for (const i of res.pkIndexes) w.writeShort(i);
      }
      w.writeRaw(vars.bytes);
      if (res.resultColumns.length === 0) {
        w.writeInt(RowsFlag.NO_METADATA);
        w.writeInt(0);
      } else {
        const cols = columnSpecs(res.resultColumns, version);
        w.writeInt(cols.global ? RowsFlag.GLOBAL_TABLES_SPEC : 0);
        w.writeInt(res.resultColumns.length);
        w.writeRaw(cols.bytes);
      }
      return;
    }
    case 'schema_change':
      w.writeInt(ResultKind.SCHEMA_CHANGE);
      return writeSchemaChange(w, res, version);
  }
}

function writeSchemaChange(w: BodyWriter, c: SchemaChange, version: number): void {
  if ((c.target === 'FUNCTION' || c.target === 'AGGREGATE') && version < ProtocolVersion.V4) {
    // v3 cannot describe functions: Cassandra reports the keyspace as updated, followed by an empty name.
    w.writeString('UPDATED');
    w.writeString('KEYSPACE');
    w.writeString(c.keyspace);
    w.writeString('');
    return;
  }
  w.writeString(c.change);
  w.writeString(c.target);
  w.writeString(c.keyspace);
  if (c.target === 'KEYSPACE') return;
  w.writeString(c.name ?? '');
  if (c.target === 'FUNCTION' || c.target === 'AGGREGATE') w.writeStringList(c.argTypes ?? []);
}

function writeEvent(w: BodyWriter, e: EventMessage, version: number): void {
  w.writeString(e.type);
  if (e.type === 'SCHEMA_CHANGE') return writeSchemaChange(w, e, version);
  w.writeString(e.change);
  w.writeInet(e.address, e.port);
}

function writeRows(w: BodyWriter, res: RowsResult, version: number): void {
  const specs = columnSpecs(res.columns, version);
  const ncols = res.columns.length;
  // Metadata_changed exists from v5 on and always comes with the full metadata.
  const newId = version >= ProtocolVersion.V5 ? res.newMetadataId : undefined;
  const noMetadata = res.noMetadata === true && newId === undefined;
  let flags = 0;
  if (noMetadata) flags |= RowsFlag.NO_METADATA;
  else if (specs.global) flags |= RowsFlag.GLOBAL_TABLES_SPEC;
  if (res.pagingState) flags |= RowsFlag.HAS_MORE_PAGES;
  if (newId) flags |= RowsFlag.METADATA_CHANGED;
  w.writeInt(ResultKind.ROWS);
  w.writeInt(flags);
  w.writeInt(ncols);
  if (res.pagingState) w.writeBytes(res.pagingState);
  if (newId) w.writeShortBytes(newId);
  if (!noMetadata) w.writeRaw(specs.bytes);

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
