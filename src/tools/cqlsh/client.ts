// A small native-protocol v4 client for cqlsh, built on the server's own codec pieces (BodyReader/BodyWriter,
// readTypeOption). cqlsh needs the raw [bytes] of every cell to display them exactly as cqlshlib does (empty values,
// float precision, collection order), and it talks to exactly one host (cqlsh's WhiteListRoundRobinPolicy); a
// general-purpose driver decodes values into JS objects and wants a data centre and a whole cluster's metadata.
import type { ConsistencyLevel } from '../../model/consistency.ts';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { BodyReader, BodyWriter } from '../../protocol/buffers.ts';
import { FrameFlag, HEADER_LENGTH, PROTOCOL_VERSION } from '../../protocol/frame.ts';
import { Opcode, type ColumnSpec } from '../../protocol/messages.ts';
import { QueryFlag } from '../../protocol/requests.ts';
import { ResultKind, RowsFlag } from '../../protocol/responses.ts';
import { readTypeOption } from '../../protocol/type-option.ts';

export interface QueryOptions {
  consistency: ConsistencyLevel;
  serialConsistency?: ConsistencyLevel;
  pageSize?: number;
  pagingState?: Buffer;
  values?: Array<Buffer | null>;
  /** Sets the TRACING flag: the server traces the request and answers with the session id. */
  tracing?: boolean;
}

export interface RowsResult {
  kind: 'rows';
  columns: ColumnSpec[];
  rows: Array<Array<Buffer | null>>;
  pagingState?: Buffer;
}

export type Result =
  | { kind: 'void' }
  | RowsResult
  | { kind: 'set_keyspace'; keyspace: string }
  | { kind: 'prepared'; id: Buffer; variables: ColumnSpec[] }
  | { kind: 'schema_change'; change: string; target: string; keyspace: string; name?: string };

export interface Response {
  result: Result;
  /** Server warnings (frame flag 0x08), printed by cqlsh after the result. */
  warnings: string[];
  /** The tracing session of a traced request (frame flag 0x02). */
  tracingId?: Buffer;
}

/** What each ERROR code carries after its message (native_protocol_v4.spec §9). */
export type ErrorInfo =
  | { kind: 'none' }
  | { kind: 'unavailable'; consistency: number; required: number; alive: number }
  | { kind: 'write_timeout'; consistency: number; received: number; blockFor: number; writeType: string }
  | { kind: 'read_timeout'; consistency: number; received: number; blockFor: number; dataPresent: boolean }
  | { kind: 'read_failure'; consistency: number; received: number; blockFor: number; failures: number }
  | { kind: 'write_failure'; consistency: number; received: number; blockFor: number; failures: number; writeType: string }
  | { kind: 'function_failure'; keyspace: string; functionName: string; argTypes: string[] }
  | { kind: 'already_exists'; keyspace: string; table: string };

/** An ERROR frame from the server. */
export class ServerErrorResponse extends Error {
  constructor(
    readonly code: number,
    readonly serverMessage: string,
    readonly info: ErrorInfo,
  ) {
    super(serverMessage);
  }
}

/** The request got no answer within the request timeout (the Python driver's OperationTimedOut). */
export class ClientTimeoutError extends Error {}

/** The connection closed while requests were outstanding. */
export class ConnectionClosedError extends Error {}

/** The TCP connection or the STARTUP handshake failed. errno is null for a timeout, as in Python's socket.timeout. */
export class ConnectError extends Error {
  constructor(
    readonly errno: number | null,
    readonly reason: string,
    /** A server error during the handshake (e.g. USE of a missing keyspace), reported in its own shape. */
    readonly detail?: ServerErrorResponse | Error,
  ) {
    super(reason);
  }
}

const ERRNO: Record<string, [number, string]> = {
  ECONNREFUSED: [111, 'Connection refused'],
  EHOSTUNREACH: [113, 'No route to host'],
  ENETUNREACH: [101, 'Network is unreachable'],
  ETIMEDOUT: [110, 'Connection timed out'],
  ECONNRESET: [104, 'Connection reset by peer'],
};

interface Pending {
  resolve: (f: RawFrame) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

export interface ConnectOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  username?: string;
  password?: string;
  /** cqlsh --ssl: TLS, with cqlshrc's [ssl] certfile (the CA), validate, and userkey/usercert for client auth. */
  ssl?: SslOptions;
}

export interface SslOptions {
  caPem?: string;
  /** Check the server's certificate against caPem (cqlsh's validate, true by default). */
  validate: boolean;
  keyPem?: string;
  certPem?: string;
}

export class CqlClient {
  private readonly pending = new Map<number, Pending>();
  private readonly freeStreams: number[] = [];
  private nextStream = 0;
  private inbox: Buffer = Buffer.alloc(0);
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.onClose());
    socket.on('error', () => this.onClose());
  }

  static async connect(o: ConnectOptions): Promise<CqlClient> {
    const socket = await openSocket(o.host, o.port, o.connectTimeoutMs, o.ssl);
    const client = new CqlClient(socket);
    try {
      const handshake = client.handshake(o);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, fail) => {
        timer = setTimeout(() => fail(new ConnectError(null, 'timed out')), o.connectTimeoutMs);
      });
      await Promise.race([handshake, timeout]).finally(() => clearTimeout(timer));
      return client;
    } catch (e) {
      client.close();
      if (e instanceof ConnectError) throw e;
      throw new ConnectError(null, (e as Error).message, e as Error);
    }
  }

  private async handshake(o: ConnectOptions): Promise<void> {
    const w = new BodyWriter(64);
    w.writeStringMap({ CQL_VERSION: '3.0.0' });
    const reply = await this.send(Opcode.STARTUP, w.take(), 0);
    if (reply.opcode === Opcode.READY) return;
    if (reply.opcode !== Opcode.AUTHENTICATE) throw new Error(`Unexpected response opcode ${reply.opcode} to STARTUP`);
    if (o.username === undefined) throw new Error('AuthenticationFailed: Remote end requires authentication');
    const token = Buffer.from(`\0${o.username}\0${o.password ?? ''}`, 'utf8');
    const aw = new BodyWriter(64);
    aw.writeBytes(token);
    const auth = await this.send(Opcode.AUTH_RESPONSE, aw.take(), 0);
    if (auth.opcode !== Opcode.AUTH_SUCCESS) throw new Error('AuthenticationFailed: unexpected authentication exchange');
  }

  async query(cql: string, o: QueryOptions, timeoutMs: number): Promise<Response> {
    const w = new BodyWriter(256 + cql.length * 3);
    w.writeLongString(cql);
    writeParams(w, o);
    return this.request(Opcode.QUERY, w.take(), timeoutMs, o.tracing);
  }

  async prepare(cql: string, timeoutMs: number): Promise<Response> {
    const w = new BodyWriter(64 + cql.length * 3);
    w.writeLongString(cql);
    return this.request(Opcode.PREPARE, w.take(), timeoutMs);
  }

  async execute(id: Buffer, o: QueryOptions, timeoutMs: number): Promise<Response> {
    const w = new BodyWriter(256);
    w.writeShortBytes(id);
    writeParams(w, o);
    return this.request(Opcode.EXECUTE, w.take(), timeoutMs);
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
    this.failAll();
  }

  private async request(opcode: number, body: Buffer, timeoutMs: number, tracing = false): Promise<Response> {
    const frame = await this.send(opcode, body, timeoutMs, tracing ? FrameFlag.TRACING : 0);
    if (frame.opcode !== Opcode.RESULT) throw new Error(`Unexpected response opcode ${frame.opcode}`);
    const r = new BodyReader(frame.body);
    const tracingId = frame.flags & FrameFlag.TRACING ? Buffer.from(r.readUuid()) : undefined;
    const warnings = frame.flags & FrameFlag.WARNING ? r.readStringList() : [];
    if (frame.flags & FrameFlag.CUSTOM_PAYLOAD) r.readBytesMap();
    const res: Response = { result: readResult(r), warnings };
    if (tracingId) res.tracingId = tracingId;
    return res;
  }

  /** Sends one frame; resolves with the response frame, rejects with ServerErrorResponse for ERROR frames. */
  private send(opcode: number, body: Buffer, timeoutMs: number, flags = 0): Promise<RawFrame> {
    if (this.closed) return Promise.reject(new ConnectionClosedError('connection closed'));
    const stream = this.freeStreams.pop() ?? this.nextStream++;
    const header = Buffer.alloc(HEADER_LENGTH);
    header[0] = PROTOCOL_VERSION;
    header[1] = flags;
    header.writeInt16BE(stream, 2);
    header[4] = opcode;
    header.writeUInt32BE(body.length, 5);
    return new Promise<RawFrame>((resolve, reject) => {
      const p: Pending = { resolve, reject };
      if (timeoutMs > 0) {
        p.timer = setTimeout(() => {
          // The stream id stays reserved until the late answer arrives (dispatch frees it), so that answer is never
          // taken for a later request's.
          this.pending.set(stream, { resolve: () => undefined, reject: () => undefined });
          reject(new ClientTimeoutError('Client request timeout'));
        }, timeoutMs);
      }
      this.pending.set(stream, p);
      this.socket.write(Buffer.concat([header, body]));
    });
  }

  private release(stream: number): void {
    this.pending.delete(stream);
    this.freeStreams.push(stream);
  }

  private onData(chunk: Buffer): void {
    this.inbox = this.inbox.length === 0 ? chunk : Buffer.concat([this.inbox, chunk]);
    while (this.inbox.length >= HEADER_LENGTH) {
      const length = this.inbox.readUInt32BE(5);
      if (this.inbox.length < HEADER_LENGTH + length) return;
      const frame: RawFrame = {
        flags: this.inbox[1]!,
        stream: this.inbox.readInt16BE(2),
        opcode: this.inbox[4]!,
        body: Buffer.from(this.inbox.subarray(HEADER_LENGTH, HEADER_LENGTH + length)),
      };
      this.inbox = this.inbox.subarray(HEADER_LENGTH + length);
      this.dispatch(frame);
    }
  }

  private dispatch(frame: RawFrame): void {
    const p = this.pending.get(frame.stream);
    if (!p) return; // events (stream -1) and answers nobody waits for
    if (p.timer) clearTimeout(p.timer);
    this.release(frame.stream);
    if (frame.opcode === Opcode.ERROR) {
      try {
        p.reject(readError(new BodyReader(frame.body)));
      } catch (e) {
        p.reject(e as Error);
      }
      return;
    }
    p.resolve(frame);
  }

  private onClose(): void {
    this.closed = true;
    this.failAll();
  }

  private failAll(): void {
    for (const [stream, p] of this.pending) {
      if (p.timer) clearTimeout(p.timer);
      this.pending.delete(stream);
      p.reject(new ConnectionClosedError('connection closed'));
    }
  }
}

interface RawFrame {
  flags: number;
  stream: number;
  opcode: number;
  body: Buffer;
}

function openSocket(host: string, port: number, timeoutMs: number, ssl?: SslOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // cqlsh checks the certificate against certfile, not the host name (Python's ssl with check_hostname off).
    const socket = ssl === undefined ? netConnect({ host, port }) : tlsConnect({
      host, port, rejectUnauthorized: ssl.validate, checkServerIdentity: () => undefined,
      ...(ssl.caPem !== undefined ? { ca: ssl.caPem } : {}), ...(ssl.keyPem !== undefined ? { key: ssl.keyPem } : {}),
      ...(ssl.certPem !== undefined ? { cert: ssl.certPem } : {}),
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ConnectError(null, 'timed out'));
    }, timeoutMs);
    socket.once(ssl === undefined ? 'connect' : 'secureConnect', () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const known = ERRNO[e.code ?? ''];
      const errno = known?.[0] ?? (typeof e.errno === 'number' ? Math.abs(e.errno) : null);
      reject(new ConnectError(errno, known?.[1] ?? e.message));
    });
  });
}

function writeParams(w: BodyWriter, o: QueryOptions): void {
  w.writeShort(o.consistency);
  let flags = 0;
  if (o.values && o.values.length > 0) flags |= QueryFlag.VALUES;
  if (o.pageSize !== undefined) flags |= QueryFlag.PAGE_SIZE;
  if (o.pagingState !== undefined) flags |= QueryFlag.PAGING_STATE;
  if (o.serialConsistency !== undefined) flags |= QueryFlag.SERIAL_CONSISTENCY;
  w.writeByte(flags);
  if (flags & QueryFlag.VALUES) {
    w.writeShort(o.values!.length);
    for (const v of o.values!) w.writeBytes(v);
  }
  if (o.pageSize !== undefined) w.writeInt(o.pageSize);
  if (o.pagingState !== undefined) w.writeBytes(o.pagingState);
  if (o.serialConsistency !== undefined) w.writeShort(o.serialConsistency);
}

function readColumns(r: BodyReader, flags: number, count: number): ColumnSpec[] {
  const cols: ColumnSpec[] = [];
  if (flags & RowsFlag.NO_METADATA) return cols;
  let ks = '';
  let table = '';
  const global = (flags & RowsFlag.GLOBAL_TABLES_SPEC) !== 0;
  if (global) {
    ks = r.readString();
    table = r.readString();
  }
  for (let i = 0; i < count; i++) {
    const keyspace = global ? ks : r.readString();
    const tbl = global ? table : r.readString();
    const name = r.readString();
    cols.push({ keyspace, table: tbl, name, type: readTypeOption(r) });
  }
  return cols;
}

function readResult(r: BodyReader): Result {
  const kind = r.readInt();
  switch (kind) {
    case ResultKind.VOID:
      return { kind: 'void' };
    case ResultKind.ROWS: {
      const flags = r.readInt();
      const count = r.readInt();
      const pagingState = flags & RowsFlag.HAS_MORE_PAGES ? r.readBytes() ?? undefined : undefined;
      const columns = readColumns(r, flags, count);
      const n = r.readInt();
      const rows: Array<Array<Buffer | null>> = [];
      for (let i = 0; i < n; i++) {
        const row: Array<Buffer | null> = [];
        for (let c = 0; c < count; c++) row.push(r.readBytes());
        rows.push(row);
      }
      return pagingState ? { kind: 'rows', columns, rows, pagingState } : { kind: 'rows', columns, rows };
    }
    case ResultKind.SET_KEYSPACE:
      return { kind: 'set_keyspace', keyspace: r.readString() };
    case ResultKind.PREPARED: {
      const id = Buffer.from(r.readShortBytes());
      const flags = r.readInt();
      const count = r.readInt();
      const pkCount = r.readInt();
      for (let i = 0; i < pkCount; i++) r.readShort();
      return { kind: 'prepared', id, variables: readColumns(r, flags, count) };
    }
    case ResultKind.SCHEMA_CHANGE: {
      const change = r.readString();
      const target = r.readString();
      const keyspace = r.readString();
      if (target === 'KEYSPACE') return { kind: 'schema_change', change, target, keyspace };
      return { kind: 'schema_change', change, target, keyspace, name: r.readString() };
    }
    default:
      throw new Error(`Unknown result kind ${kind}`);
  }
}

function readError(r: BodyReader): ServerErrorResponse {
  const code = r.readInt();
  const message = r.readString();
  let info: ErrorInfo = { kind: 'none' };
  switch (code) {
    case 0x1000:
      info = { kind: 'unavailable', consistency: r.readShort(), required: r.readInt(), alive: r.readInt() };
      break;
    case 0x1100:
      info = { kind: 'write_timeout', consistency: r.readShort(), received: r.readInt(), blockFor: r.readInt(),
        writeType: r.readString() };
      break;
    case 0x1200:
      info = { kind: 'read_timeout', consistency: r.readShort(), received: r.readInt(), blockFor: r.readInt(),
        dataPresent: r.readByte() !== 0 };
      break;
    case 0x1300:
      info = { kind: 'read_failure', consistency: r.readShort(), received: r.readInt(), blockFor: r.readInt(),
        failures: r.readInt() };
      break;
    case 0x1400:
      info = { kind: 'function_failure', keyspace: r.readString(), functionName: r.readString(),
        argTypes: r.readStringList() };
      break;
    case 0x1500:
      info = { kind: 'write_failure', consistency: r.readShort(), received: r.readInt(), blockFor: r.readInt(),
        failures: r.readInt(), writeType: r.readString() };
      break;
    case 0x2400:
      info = { kind: 'already_exists', keyspace: r.readString(), table: r.readString() };
      break;
  }
  return new ServerErrorResponse(code, message, info);
}
