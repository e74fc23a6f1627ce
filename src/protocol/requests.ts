// Request bodies of native protocol v4 (spec §4.1) → Request values. Every malformed body ends in a ProtocolError.
// Bytes after a complete body are ignored, as Cassandra does.
import { BodyReader } from './buffers.ts';
import { ProtocolError } from '../model/errors.ts';
import { FrameFlag, type Frame } from './frame.ts';
import { Opcode, type BatchChild, type BoundValue, type QueryParameters, type Request } from './messages.ts';

export const QueryFlag = {
  VALUES: 0x01,
  SKIP_METADATA: 0x02,
  PAGE_SIZE: 0x04,
  PAGING_STATE: 0x08,
  SERIAL_CONSISTENCY: 0x10,
  DEFAULT_TIMESTAMP: 0x20,
  NAMES_FOR_VALUES: 0x40,
} as const;

export const EVENT_TYPES = ['TOPOLOGY_CHANGE', 'STATUS_CHANGE', 'SCHEMA_CHANGE'] as const;

const OPCODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Opcode).map(([k, v]) => [v, k]));
const RESPONSE_OPCODES = new Set<number>([
  Opcode.ERROR, Opcode.READY, Opcode.AUTHENTICATE, Opcode.SUPPORTED, Opcode.RESULT, Opcode.EVENT,
  Opcode.AUTH_CHALLENGE, Opcode.AUTH_SUCCESS,
]);

export function opcodeName(opcode: number): string {
  return OPCODE_NAMES[opcode] ?? `UNKNOWN(${opcode})`;
}

/** Offset of the message proper in a body whose frame has the custom-payload flag: after its [bytes map]. */
export function customPayloadEnd(body: Buffer): number {
  const r = new BodyReader(body);
  r.readBytesMap();
  return r.pos;
}

/** The body without its leading custom payload, as a view. */
export function skipCustomPayload(body: Buffer): Buffer {
  return body.subarray(customPayloadEnd(body));
}

/** Decodes a frame's request, honouring the frame flags (custom payload skipped; tracing ignored). */
export function decodeFrameRequest(frame: Frame): Request {
  const body = frame.flags & FrameFlag.CUSTOM_PAYLOAD ? skipCustomPayload(frame.body) : frame.body;
  return decodeRequest(frame.opcode, body);
}

export function decodeRequest(opcode: number, body: Buffer): Request {
  const r = new BodyReader(body);
  switch (opcode) {
    case Opcode.STARTUP:
      return { opcode, options: r.readStringMap() };
    case Opcode.OPTIONS:
      return { opcode };
    case Opcode.QUERY: {
      const query = r.readLongString();
      return { opcode, query, params: readQueryParameters(r) };
    }
    case Opcode.PREPARE:
      return { opcode, query: r.readLongString() };
    case Opcode.EXECUTE: {
      const id = r.readShortBytes();
      return { opcode, id, params: readQueryParameters(r) };
    }
    case Opcode.BATCH:
      return decodeBatch(r);
    case Opcode.REGISTER: {
      const events = r.readStringList();
      for (const e of events) {
        if (!(EVENT_TYPES as readonly string[]).includes(e)) throw new ProtocolError(`Invalid value '${e}' for Type`);
      }
      return { opcode, events };
    }
    case Opcode.AUTH_RESPONSE:
      return { opcode, token: r.readBytes() };
    default:
      if (RESPONSE_OPCODES.has(opcode)) {
        throw new ProtocolError(
          `Wrong protocol direction (expected REQUEST, got RESPONSE) for opcode ${opcode} (${opcodeName(opcode)})`,
        );
      }
      throw new ProtocolError(`Unknown opcode ${opcode}`);
  }
}

/** <query_parameters> of QUERY/EXECUTE; BATCH reuses it for its tail, like Cassandra's shared options codec. */
export function readQueryParameters(r: BodyReader): QueryParameters {
  const consistency = r.readConsistency();
  const flags = r.readByte();
  let values: BoundValue[] = [];
  let names: string[] | undefined;
  if (flags & QueryFlag.VALUES) {
    const n = r.readShort();
    values = new Array<BoundValue>(n);
    if (flags & QueryFlag.NAMES_FOR_VALUES) {
      names = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        names[i] = r.readString();
        values[i] = r.readValue();
      }
    } else {
      for (let i = 0; i < n; i++) values[i] = r.readValue();
    }
  }
  const params: QueryParameters = { consistency, values, skipMetadata: (flags & QueryFlag.SKIP_METADATA) !== 0 };
  if (names) params.names = names;
  if (flags & QueryFlag.PAGE_SIZE) {
    const pageSize = r.readInt();
    // Cassandra treats a non-positive page size as "no paging".
    if (pageSize > 0) params.pageSize = pageSize;
  }
  if (flags & QueryFlag.PAGING_STATE) {
    const state = r.readBytes();
    if (state !== null) params.pagingState = state;
  }
  if (flags & QueryFlag.SERIAL_CONSISTENCY) params.serialConsistency = r.readConsistency();
  if (flags & QueryFlag.DEFAULT_TIMESTAMP) params.timestamp = r.readLong();
  return params;
}

function decodeBatch(r: BodyReader): Request {
  const type = r.readByte();
  if (type > 2) throw new ProtocolError(`Invalid BATCH message type ${type}`);
  const n = r.readShort();
  const children = new Array<BatchChild>(n);
  for (let i = 0; i < n; i++) {
    const kind = r.readByte();
    let child: BatchChild;
    if (kind === 0) child = { query: r.readLongString(), values: [] };
    else if (kind === 1) child = { id: r.readShortBytes(), values: [] };
    else throw new ProtocolError(`Invalid query kind in BATCH messages. Must be 0 or 1 but got ${kind}`);
    // Per-child names (flag 0x40) cannot be parsed: the flags come after the children (CASSANDRA-10246). Cassandra
    // reads plain values here too.
    const m = r.readShort();
    const values = new Array<BoundValue>(m);
    for (let j = 0; j < m; j++) values[j] = r.readValue();
    child.values = values;
    children[i] = child;
  }
  const tail = readQueryParameters(r);
  return {
    opcode: Opcode.BATCH,
    batch: {
      type: type as 0 | 1 | 2,
      children,
      consistency: tail.consistency,
      ...(tail.serialConsistency !== undefined ? { serialConsistency: tail.serialConsistency } : {}),
      ...(tail.timestamp !== undefined ? { timestamp: tail.timestamp } : {}),
    },
  };
}
