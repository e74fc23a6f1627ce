// `-mode simplenative`: cassandra-stress's own minimal native-protocol client, here a pipelined protocol v4 client on
// the server's codec pieces. Connections go to the -node hosts only (no discovery, no token awareness, as in
// cassandra-stress), statements are prepared once per connection and sent as EXECUTE with SKIP_METADATA, and every
// request queued in one turn of the event loop leaves in one socket write: per operation it costs the client a
// fraction of what the general-purpose driver does, so one client core can keep a node's read path busy.
import { connect, type Socket } from 'node:net';
import { BodyReader, BodyWriter } from '../../protocol/buffers.ts';
import { FrameFlag, HEADER_LENGTH, PROTOCOL_VERSION } from '../../protocol/frame.ts';
import { Opcode } from '../../protocol/messages.ts';
import { QueryFlag } from '../../protocol/requests.ts';
import { ResultKind, RowsFlag } from '../../protocol/responses.ts';
import { readTypeOption } from '../../protocol/type-option.ts';
import type { Executor } from './runner.ts';
import type { OperationSpec } from './workload.ts';

/** An ERROR frame: the server's code and message, and the node that sent it (for the per-coordinator report). */
export class NativeError extends Error {
  override readonly name = 'ResponseError';
  constructor(readonly code: number, message: string, readonly coordinator: string) {
    super(message);
  }
}

const UNPREPARED = 0x2500;

interface Pending {
  resolve(frame: { opcode: number; body: Buffer }): void;
  reject(e: Error): void;
}

class Connection {
  private readonly pending = new Map<number, Pending>();
  private readonly free: number[] = [];
  private next = 0;
  private queue: Buffer[] = [];
  private flushing = false;
  private inbox: Buffer = Buffer.alloc(0);
  private readonly prepared = new Map<string, Promise<Buffer>>();

  private constructor(private readonly socket: Socket, readonly address: string) {
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => this.onData(c));
    const fail = (): void => {
      for (const p of this.pending.values()) p.reject(new Error(`connection to ${address} closed`));
      this.pending.clear();
    };
    socket.on('close', fail);
    socket.on('error', fail);
  }

  static async open(host: string, port: number): Promise<Connection> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port });
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    const c = new Connection(socket, `${host}:${port}`);
    const w = new BodyWriter(64);
    w.writeStringMap({ CQL_VERSION: '3.0.0' });
    const reply = await c.send(Opcode.STARTUP, w.take());
    if (reply.opcode !== Opcode.READY) throw new Error(`${host}:${port} answered STARTUP with opcode ${reply.opcode} (authentication is not supported by -mode simplenative)`);
    return c;
  }

  close(): void {
    this.socket.destroy();
  }

  /** Queues a frame; everything queued in this turn of the event loop is written at once. */
  send(opcode: number, body: Buffer): Promise<{ opcode: number; body: Buffer }> {
    const stream = this.free.pop() ?? this.next++;
    if (stream > 32767) return Promise.reject(new Error('more than 32768 requests in flight on one connection'));
    const header = Buffer.allocUnsafe(HEADER_LENGTH);
    header[0] = PROTOCOL_VERSION;
    header[1] = 0;
    header.writeInt16BE(stream, 2);
    header[4] = opcode;
    header.writeUInt32BE(body.length, 5);
    this.queue.push(header, body);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => {
        this.flushing = false;
        const q = this.queue;
        this.queue = [];
        this.socket.write(Buffer.concat(q));
      });
    }
    return new Promise((resolve, reject) => this.pending.set(stream, { resolve, reject }));
  }

  private onData(chunk: Buffer): void {
    let buf = this.inbox.length === 0 ? chunk : Buffer.concat([this.inbox, chunk]);
    let pos = 0;
    while (buf.length - pos >= HEADER_LENGTH) {
      const length = buf.readUInt32BE(pos + 5);
      if (buf.length - pos < HEADER_LENGTH + length) break;
      const stream = buf.readInt16BE(pos + 2);
      const opcode = buf[pos + 4]!;
      const body = withoutExtras(buf[pos + 1]!, buf.subarray(pos + HEADER_LENGTH, pos + HEADER_LENGTH + length));
      pos += HEADER_LENGTH + length;
      const p = this.pending.get(stream);
      if (p === undefined) continue; // events
      this.pending.delete(stream);
      this.free.push(stream);
      p.resolve({ opcode, body });
    }
    buf = buf.subarray(pos);
    // Keep only the partial frame, copied, so the big chunk it came in can be collected.
    this.inbox = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf);
  }

  async prepare(cql: string, refresh = false): Promise<Buffer> {
    let id = refresh ? undefined : this.prepared.get(cql);
    if (id === undefined) {
      const w = new BodyWriter(64 + cql.length * 3);
      w.writeLongString(cql);
      id = this.send(Opcode.PREPARE, w.take()).then((f) => {
        const r = this.check(f);
        if (r.readInt() !== ResultKind.PREPARED) throw new Error(`PREPARE of "${cql}" did not return a prepared statement`);
        return Buffer.from(r.readShortBytes());
      });
      this.prepared.set(cql, id);
    }
    return id;
  }

  /** The RESULT body past its kind, or the ERROR as a NativeError. */
  check(f: { opcode: number; body: Buffer }): BodyReader {
    const r = new BodyReader(f.body);
    if (f.opcode === Opcode.ERROR) throw new NativeError(r.readInt(), r.readString(), this.address);
    if (f.opcode !== Opcode.RESULT) throw new Error(`unexpected opcode ${f.opcode} from ${this.address}`);
    return r;
  }
}

/** [bytes] of a stress value: blobs as they are, counters' Long/bigint as 8 bytes. */
function encodeValue(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  const b = Buffer.allocUnsafe(8);
  if (typeof v === 'bigint') b.writeBigInt64BE(v);
  else if (v !== null && typeof v === 'object' && 'high' in v && 'low' in v) {
    b.writeInt32BE((v as { high: number }).high, 0);
    b.writeInt32BE((v as { low: number }).low, 4);
  } else throw new Error('-mode simplenative sends blobs and counters only (the predefined workloads); use -mode native for user profiles');
  return b;
}

/** Rows in a RESULT body (after its kind): skips the metadata when the server sent it anyway. */
function rowCount(r: BodyReader): number {
  const flags = r.readInt();
  const columns = r.readInt();
  if (flags & RowsFlag.HAS_MORE_PAGES) r.readBytes();
  if (!(flags & RowsFlag.NO_METADATA)) {
    const global = (flags & RowsFlag.GLOBAL_TABLES_SPEC) !== 0;
    if (global) (r.readString(), r.readString());
    for (let i = 0; i < columns; i++) {
      if (!global) (r.readString(), r.readString());
      r.readString();
      readTypeOption(r);
    }
  }
  return r.readInt();
}

export async function simpleNativeExecutor(hosts: readonly string[], port: number, perHost: number, consistency: number): Promise<{ executor: Executor; close(): void }> {
  const conns = await Promise.all(hosts.flatMap((h) => Array.from({ length: perHost }, () => Connection.open(h.replace(/:\d+$/, ''), /:\d+$/.test(h) ? Number(h.split(':').pop()) : port))));
  let turn = 0;
  const executeOn = async (c: Connection, op: OperationSpec, params: unknown[], retry: boolean): Promise<{ rows: number; coordinator: string }> => {
    const id = await c.prepare(op.cql, retry);
    const w = new BodyWriter(64 + params.length * 40);
    w.writeShortBytes(id);
    w.writeShort(consistency);
    w.writeByte(QueryFlag.VALUES | QueryFlag.SKIP_METADATA);
    w.writeShort(params.length);
    for (const p of params) w.writeBytes(encodeValue(p));
    try {
      const r = c.check(await c.send(Opcode.EXECUTE, w.take()));
      return { rows: r.readInt() === ResultKind.ROWS ? rowCount(r) : 1, coordinator: c.address };
    } catch (e) {
      if (!retry && e instanceof NativeError && e.code === UNPREPARED) return executeOn(c, op, params, true);
      throw e;
    }
  };
  const executor: Executor = {
    execute(op, params) {
      if (op.batch !== undefined) throw new Error('-mode simplenative does not send batches; use -mode native for user profiles');
      return executeOn(conns[turn++ % conns.length]!, op, params, false);
    },
  };
  return { executor, close: () => conns.forEach((c) => c.close()) };
}

/** A response body past what its flags put ahead of the message: a tracing id, client warnings, a custom payload. */
function withoutExtras(flags: number, body: Buffer): Buffer {
  if ((flags & (FrameFlag.TRACING | FrameFlag.WARNING | FrameFlag.CUSTOM_PAYLOAD)) === 0) return body;
  const r = new BodyReader(body);
  if (flags & FrameFlag.TRACING) r.readUuid();
  if (flags & FrameFlag.WARNING) r.readStringList();
  if (flags & FrameFlag.CUSTOM_PAYLOAD) r.readBytesMap();
  return body.subarray(r.pos);
}
