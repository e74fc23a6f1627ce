// Client-side encoders used only by the tests: they build request frames with our own BodyWriter.
import { BodyWriter } from '../../src/protocol/buffers.ts';
import { Opcode, type QueryParameters, type Request } from '../../src/protocol/messages.ts';
import { QueryFlag } from '../../src/protocol/requests.ts';

export function writeParams(w: BodyWriter, p: QueryParameters, batch = false): void {
  w.writeShort(p.consistency);
  let flags = 0;
  if (!batch && p.values.length > 0) flags |= QueryFlag.VALUES;
  if (p.skipMetadata) flags |= QueryFlag.SKIP_METADATA;
  if (p.pageSize !== undefined) flags |= QueryFlag.PAGE_SIZE;
  if (p.pagingState !== undefined) flags |= QueryFlag.PAGING_STATE;
  if (p.serialConsistency !== undefined) flags |= QueryFlag.SERIAL_CONSISTENCY;
  if (p.timestamp !== undefined) flags |= QueryFlag.DEFAULT_TIMESTAMP;
  if (p.names !== undefined && !batch) flags |= QueryFlag.NAMES_FOR_VALUES;
  w.writeByte(flags);
  if (flags & QueryFlag.VALUES) {
    w.writeShort(p.values.length);
    p.values.forEach((v, i) => {
      if (p.names) w.writeString(p.names[i]!);
      w.writeValue(v);
    });
  }
  if (p.pageSize !== undefined) w.writeInt(p.pageSize);
  if (p.pagingState !== undefined) w.writeBytes(p.pagingState);
  if (p.serialConsistency !== undefined) w.writeShort(p.serialConsistency);
  if (p.timestamp !== undefined) w.writeLong(p.timestamp);
}

export function encodeRequestBody(req: Request): Buffer {
  const w = new BodyWriter(64);
  switch (req.opcode) {
    case Opcode.STARTUP:
      w.writeStringMap(req.options);
      break;
    case Opcode.OPTIONS:
      break;
    case Opcode.QUERY:
      w.writeLongString(req.query);
      writeParams(w, req.params);
      break;
    case Opcode.PREPARE:
      w.writeLongString(req.query);
      break;
    case Opcode.EXECUTE:
      w.writeShortBytes(req.id);
      writeParams(w, req.params);
      break;
    case Opcode.REGISTER:
      w.writeStringList(req.events);
      break;
    case Opcode.AUTH_RESPONSE:
      w.writeBytes(req.token);
      break;
    case Opcode.BATCH: {
      const b = req.batch;
      w.writeByte(b.type);
      w.writeShort(b.children.length);
      for (const c of b.children) {
        if (c.id !== undefined) {
          w.writeByte(1);
          w.writeShortBytes(c.id);
        } else {
          w.writeByte(0);
          w.writeLongString(c.query ?? '');
        }
        w.writeShort(c.values.length);
        for (const v of c.values) w.writeValue(v);
      }
      const tail: QueryParameters = { consistency: b.consistency, values: [], skipMetadata: false };
      if (b.serialConsistency !== undefined) tail.serialConsistency = b.serialConsistency;
      if (b.timestamp !== undefined) tail.timestamp = b.timestamp;
      writeParams(w, tail, true);
      break;
    }
  }
  return Buffer.from(w.take());
}

export interface FrameOpts {
  version?: number;
  flags?: number;
  stream?: number;
}

export function frame(opcode: number, body: Buffer, o: FrameOpts = {}): Buffer {
  const h = Buffer.alloc(9);
  h[0] = o.version ?? 4;
  h[1] = o.flags ?? 0;
  h.writeInt16BE(o.stream ?? 0, 2);
  h[4] = opcode;
  h.writeUInt32BE(body.length, 5);
  return Buffer.concat([h, body]);
}

export function requestFrame(req: Request, o: FrameOpts = {}): Buffer {
  return frame(req.opcode, encodeRequestBody(req), o);
}
