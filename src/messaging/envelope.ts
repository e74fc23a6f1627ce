// One internode message on the wire: [u32 body length][kind u8][id LEB128][verb][payload codec u8][payload].
//
// The sender's address is not in the message: the receiver knows it from the connection's handshake (and a response
// travels on the responder's own connection). Verbs are one byte for the known ones and spelled out otherwise.
// Payloads of the hot verbs (replica writes and reads, their acks and answers) have a binary form
// (partition-codec.ts); everything else, and any payload the binary form cannot carry, is msgpack. The codec byte
// makes each payload self-describing, so a receiver never needs to know which form the sender chose.
import { C1, Packr } from 'msgpackr';
import type { PartitionData } from '../storage/types.ts';
import type { WireError } from './errors.ts';
import { readFilter, readPartition, writeFilter, writePartition } from './partition-codec.ts';
import { GOSSIP_VERB, Verbs, type MutationRequest, type ReadRequest } from './verbs.ts';
import { FrameError, Reader, Writer } from './wire.ts';

export const Kind = {
  REQUEST: 1,
  ONE_WAY: 2,
  RESPONSE: 3,
  /** A response whose handler failed: the payload is the WireError. */
  ERROR: 4,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

export interface Envelope {
  kind: Kind;
  /** Request id, unique per sender; 0 for one-way messages. */
  id: number;
  verb: string;
  payload: unknown;
}

interface PayloadCodec {
  readonly id: number;
  /** Throws (any error) for a value it cannot carry; the caller then writes msgpack instead. */
  encode(w: Writer, value: unknown): void;
  decode(r: Reader): unknown;
}

const packr = new Packr({ useRecords: false, useBigIntExtension: true, copyBuffers: true, int64AsType: 'bigint' });

const MSGPACK: PayloadCodec = {
  id: 0,
  encode: (w, v) => w.raw(packr.pack(v)),
  decode: (r) => {
    const body = r.rest();
    let value: unknown;
    try {
      value = packr.unpack(body) as unknown;
    } catch (err) {
      throw new FrameError(`undecodable payload (${body.length} bytes): ${(err as Error).message}`);
    }
    if (value === C1) throw new FrameError('payload is the never-used msgpack byte 0xc1');
    return value;
  },
};

function shapeError(what: string): never {
  throw new TypeError(`not a ${what}`);
}

const MUTATION: PayloadCodec = {
  id: 1,
  encode: (w, v) => {
    const items = (v as MutationRequest).items;
    if (!Array.isArray(items)) shapeError('mutation');
    // A traced request's session id has no place in the binary form: such (rare) requests travel as msgpack.
    if ((v as MutationRequest).tr !== undefined) shapeError('traced mutation');
    w.varint(items.length);
    for (const { t, u } of items) {
      w.string(t.ks);
      w.string(t.table);
      w.string(t.id);
      writePartition(w, u);
    }
  },
  decode: (r) => {
    const n = r.count(12);
    const items: MutationRequest['items'] = [];
    for (let i = 0; i < n; i++) {
      const t = { ks: r.string(), table: r.string(), id: r.string() };
      items.push({ t, u: readPartition(r) });
    }
    return { items } satisfies MutationRequest;
  },
};

const READ: PayloadCodec = {
  id: 2,
  encode: (w, v) => {
    const req = v as ReadRequest;
    if (typeof req.now !== 'number' || !Buffer.isBuffer(req.key)) shapeError('read request');
    if (req.tr !== undefined) shapeError('traced read request');
    w.string(req.t.ks);
    w.string(req.t.table);
    w.string(req.t.id);
    w.bytes(req.key);
    w.i64(req.token);
    writeFilter(w, req.filter);
    w.f64(req.now);
  },
  decode: (r) => {
    const t = { ks: r.string(), table: r.string(), id: r.string() };
    return { t, key: r.bytes(), token: r.i64(), filter: readFilter(r), now: r.f64() } satisfies ReadRequest;
  },
};

const PARTITION_OR_NULL: PayloadCodec = {
  id: 3,
  encode: (w, v) => {
    if (v === null) return w.u8(0);
    w.u8(1);
    writePartition(w, v as PartitionData);
  },
  decode: (r) => (r.u8() === 0 ? null : readPartition(r)),
};

const TRUE: PayloadCodec = {
  id: 4,
  encode: (_w, v) => {
    if (v !== true) shapeError('true');
  },
  decode: () => true,
};

const BYTES: PayloadCodec = {
  id: 5,
  encode: (w, v) => (Buffer.isBuffer(v) ? w.bytes(v) : shapeError('Buffer')),
  decode: (r) => r.bytes(),
};

const CODECS: readonly PayloadCodec[] = [MSGPACK, MUTATION, READ, PARTITION_OR_NULL, TRUE, BYTES];

/** The verbs with a one-byte code (their position + 1) and the binary codecs of their request and response. */
const WIRE_VERBS: ReadonlyArray<{ name: string; request?: PayloadCodec; response?: PayloadCodec }> = [
  { name: Verbs.MUTATION.name, request: MUTATION, response: TRUE },
  { name: Verbs.READ.name, request: READ, response: PARTITION_OR_NULL },
  { name: Verbs.READ_DIGEST.name, request: READ, response: BYTES },
  { name: Verbs.SCAN.name },
  { name: Verbs.TRUNCATE.name, response: TRUE },
  { name: Verbs.SCHEMA_PULL.name },
  { name: Verbs.SCHEMA_PUSH.name, response: TRUE },
  { name: GOSSIP_VERB },
];
const VERB_CODE = new Map(WIRE_VERBS.map((v, i) => [v.name, i + 1]));

/** The payload with its codec byte: the verb's binary form when it has one that fits the value, msgpack otherwise. */
export function writePayload(w: Writer, verb: string, kind: Kind, payload: unknown): void {
  const entry = WIRE_VERBS[(VERB_CODE.get(verb) ?? 0) - 1];
  const codec = kind === Kind.REQUEST || kind === Kind.ONE_WAY ? entry?.request : kind === Kind.RESPONSE ? entry?.response : undefined;
  if (codec !== undefined) {
    const mark = w.mark();
    try {
      w.u8(codec.id);
      codec.encode(w, payload);
      return;
    } catch {
      // Not the shape the binary form carries (a test's payload, a token outside int64): msgpack carries anything
      // plain, so the value still goes, only less compactly. What msgpack cannot carry either throws below.
      w.rewind(mark);
    }
  }
  w.u8(MSGPACK.id);
  MSGPACK.encode(w, payload);
}

/** A payload on its own (codec byte included), for transports that frame messages themselves (the simulator's). */
export function encodePayload(verb: string, kind: Kind, payload: unknown): Buffer {
  const w = new Writer(256);
  writePayload(w, verb, kind, payload);
  return w.take();
}

export function decodePayload(bytes: Buffer): unknown {
  const r = new Reader(bytes);
  const value = readPayload(r);
  if (r.remaining !== 0) throw new FrameError(`${r.remaining} bytes after the payload`);
  return value;
}

export function readPayload(r: Reader): unknown {
  const id = r.u8();
  const codec = CODECS[id];
  if (codec === undefined) throw new FrameError(`unknown payload codec ${id}`);
  return codec.decode(r);
}

/**
 * Appends one whole frame (length prefix included). A frame over `maxFrameBytes`, or a payload nothing can encode,
 * leaves the writer as it was and throws.
 */
export function writeEnvelope(w: Writer, kind: Kind, id: number, verb: string, payload: unknown, maxFrameBytes: number): void {
  const start = w.mark();
  try {
    w.u32(0);
    w.u8(kind);
    w.varint(id);
    const code = VERB_CODE.get(verb);
    if (code !== undefined) w.u8(code);
    else {
      w.u8(0);
      w.string(verb);
    }
    writePayload(w, verb, kind, payload);
  } catch (err) {
    w.rewind(start);
    throw err;
  }
  const length = w.since(start) - 4;
  if (length > maxFrameBytes) {
    w.rewind(start);
    throw new RangeError(`message of ${length} bytes exceeds the ${maxFrameBytes}-byte frame limit`);
  }
  w.u32AtMark(start, length);
}

/** Decodes one frame body (without its length prefix). */
export function readEnvelope(body: Buffer): Envelope {
  const r = new Reader(body);
  const kind = r.u8() as Kind;
  if (kind < Kind.REQUEST || kind > Kind.ERROR) throw new FrameError(`unknown message kind ${kind}`);
  const id = r.varint();
  const code = r.u8();
  const verb = code === 0 ? r.string() : WIRE_VERBS[code - 1]?.name;
  if (verb === undefined) throw new FrameError(`unknown verb code ${code}`);
  const payload = readPayload(r);
  if (r.remaining !== 0) throw new FrameError(`${r.remaining} bytes after the payload of ${verb}`);
  if (kind === Kind.ERROR && !isWireError(payload)) throw new FrameError(`${verb}: error response without an error`);
  return { kind, id, verb, payload };
}

function isWireError(v: unknown): v is WireError {
  const e = v as Partial<WireError> | null;
  return typeof e === 'object' && e !== null && typeof e.name === 'string' && typeof e.message === 'string';
}
