// Request bodies of the native protocol (spec §4.1 of v3, v4 and v5) → Request values. Every malformed body ends in
// a ProtocolError. Bytes after a complete body are ignored, as Cassandra does. What differs by version: v5 widens
// the query flags to an [int] and adds a keyspace and a "now" to QUERY/BATCH, flags and a keyspace to PREPARE, the
// result metadata id to EXECUTE; v3 has no unset values (Cassandra reads -2 as null) and no custom payloads.
import { BodyReader } from './buffers.ts';
import { ProtocolError } from '../model/errors.ts';
import { FrameFlag, type Frame } from './frame.ts';
import { Opcode, UNSET, type BatchChild, type BoundValue, type QueryParameters, type Request } from './messages.ts';
import { ProtocolVersion } from './versions.ts';

export const QueryFlag = {
  VALUES: 0x01,
  SKIP_METADATA: 0x02,
  PAGE_SIZE: 0x04,
  PAGING_STATE: 0x08,
  SERIAL_CONSISTENCY: 0x10,
  DEFAULT_TIMESTAMP: 0x20,
  NAMES_FOR_VALUES: 0x40,
  /** v5 only. */
  WITH_KEYSPACE: 0x80,
  /** v5 only. */
  NOW_IN_SECONDS: 0x100,
} as const;

/** v5 PREPARE flags. */
export const PrepareFlag = { WITH_KEYSPACE: 0x01 } as const;

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
  let body = frame.body;
  if (frame.flags & FrameFlag.CUSTOM_PAYLOAD) {
    if (frame.version < ProtocolVersion.V4) throw new ProtocolError('Received frame with CUSTOM_PAYLOAD flag for native protocol version < 4');
    body = skipCustomPayload(body);
  }
  return decodeRequest(frame.opcode, body, frame.version);
}

export function decodeRequest(opcode: number, body: Buffer, version: number = ProtocolVersion.V4): Request {
  const r = new BodyReader(body);
  switch (opcode) {
    case Opcode.STARTUP:
      return { opcode, options: r.readStringMap() };
    case Opcode.OPTIONS:
      return { opcode };
    case Opcode.QUERY: {
      const query = r.readLongString();
      return { opcode, query, params: readQueryParameters(r, version) };
    }
    case Opcode.PREPARE:
      return decodePrepare(r, version);
    case Opcode.EXECUTE: {
      const id = r.readShortBytes();
      if (version < ProtocolVersion.V5) return { opcode, id, params: readQueryParameters(r, version) };
      const resultMetadataId = r.readShortBytes();
      return { opcode, id, resultMetadataId, params: readQueryParameters(r, version) };
    }
    case Opcode.BATCH:
      return decodeBatch(r, version);
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

function decodePrepare(r: BodyReader, version: number): Request {
  const query = r.readLongString();
  if (version < ProtocolVersion.V5) return { opcode: Opcode.PREPARE, query };
  const flags = r.readInt();
  if (!(flags & PrepareFlag.WITH_KEYSPACE)) return { opcode: Opcode.PREPARE, query };
  return { opcode: Opcode.PREPARE, query, keyspace: r.readString() };
}

/** A bound [value]: v3 has no "unset", and Cassandra reads its -2 as null (checked against Cassandra 5.0). */
function readBoundValue(r: BodyReader, version: number): BoundValue {
  const v = r.readValue();
  return v === UNSET && version < ProtocolVersion.V4 ? null : v;
}

/** <query_parameters> of QUERY/EXECUTE; BATCH reuses it for its tail, like Cassandra's shared options codec. */
export function readQueryParameters(r: BodyReader, version: number = ProtocolVersion.V4): QueryParameters {
  const consistency = r.readConsistency();
  const flags = version >= ProtocolVersion.V5 ? r.readInt() : r.readByte();
  let values: BoundValue[] = [];
  let names: string[] | undefined;
  if (flags & QueryFlag.VALUES) {
    const n = r.readShort();
    values = new Array<BoundValue>(n);
    if (flags & QueryFlag.NAMES_FOR_VALUES) {
      names = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        names[i] = r.readString();
        values[i] = readBoundValue(r, version);
      }
    } else {
      for (let i = 0; i < n; i++) values[i] = readBoundValue(r, version);
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
  if (version >= ProtocolVersion.V5) {
    if (flags & QueryFlag.WITH_KEYSPACE) params.keyspace = r.readString();
    if (flags & QueryFlag.NOW_IN_SECONDS) params.nowInSeconds = r.readInt();
  }
  return params;
}

function decodeBatch(r: BodyReader, version: number): Request {
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
    for (let j = 0; j < m; j++) values[j] = readBoundValue(r, version);
    child.values = values;
    children[i] = child;
  }
  const tail = readQueryParameters(r, version);
  return {
    opcode: Opcode.BATCH,
    batch: {
      type: type as 0 | 1 | 2,
      children,
      consistency: tail.consistency,
      ...(tail.serialConsistency !== undefined ? { serialConsistency: tail.serialConsistency } : {}),
      ...(tail.timestamp !== undefined ? { timestamp: tail.timestamp } : {}),
      ...(tail.keyspace !== undefined ? { keyspace: tail.keyspace } : {}),
      ...(tail.nowInSeconds !== undefined ? { nowInSeconds: tail.nowInSeconds } : {}),
    },
  };
}
