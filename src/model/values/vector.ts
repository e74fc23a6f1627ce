// The serialized form of Cassandra 5.0's vector<element, n> (VectorType): the n elements back to back, each as its
// element type serializes it; elements of a fixed-width type carry no length, the others an unsigned vint length
// (VIntCoding). Null elements do not exist.
import { InvalidRequestError } from '../errors.ts';
import type { CqlType } from '../types.ts';

type VectorType = Extract<CqlType, { kind: 'vector' }>;

/** Bytes of a value of a fixed-width type (AbstractType.valueLengthIfFixed); undefined for variable-width types. */
export function fixedWidth(t: CqlType): number | undefined {
  if (t.kind === 'vector') {
    const w = fixedWidth(t.element);
    return w === undefined ? undefined : w * t.dimension;
  }
  if (t.kind !== 'native') return undefined;
  switch (t.name) {
    case 'boolean': case 'tinyint': return 1;
    case 'smallint': return 2;
    case 'int': case 'float': case 'date': return 4;
    case 'bigint': case 'double': case 'timestamp': case 'time': case 'counter': return 8;
    case 'uuid': case 'timeuuid': return 16;
    default: return undefined;
  }
}

/** Cassandra's unsigned vint: the count of leading 1 bits of the first byte says how many bytes follow. */
export function writeUnsignedVint(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  let extra = 1;
  while (extra < 8 && n >= 2 ** (7 * (extra + 1))) extra++;
  const out = Buffer.alloc(extra + 1);
  let v = n;
  for (let i = extra; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  out[0] = (out[0]! | ((0xff << (8 - extra)) & 0xff)) & 0xff;
  return out;
}

export function readUnsignedVint(buf: Buffer, off: number): { value: number; next: number } {
  if (off >= buf.length) throw new InvalidRequestError('Not enough bytes to read a vector');
  const first = buf[off]!;
  let extra = 0;
  while (extra < 8 && (first & (0x80 >> extra)) !== 0) extra++;
  if (off + 1 + extra > buf.length) throw new InvalidRequestError('Not enough bytes to read a vector');
  let value = extra === 8 ? 0 : first & (0xff >> (extra + 1));
  for (let i = 1; i <= extra; i++) value = value * 256 + buf[off + i]!;
  return { value, next: off + 1 + extra };
}

export function serializeVector(t: VectorType, elements: Buffer[]): Buffer {
  if (fixedWidth(t.element) !== undefined) return Buffer.concat(elements);
  const parts: Buffer[] = [];
  for (const e of elements) parts.push(writeUnsignedVint(e.length), e);
  return Buffer.concat(parts);
}

/** The elements of a serialized vector; throws on a value of the wrong size. */
export function readVector(t: VectorType, buf: Buffer): Buffer[] {
  const width = fixedWidth(t.element);
  if (width !== undefined) {
    if (buf.length !== width * t.dimension) {
      throw new InvalidRequestError(`Expected ${width * t.dimension} bytes for a ${t.dimension}-dimensional vector; found ${buf.length}`);
    }
    return Array.from({ length: t.dimension }, (_, i) => buf.subarray(i * width, (i + 1) * width));
  }
  const out: Buffer[] = [];
  let off = 0;
  for (let i = 0; i < t.dimension; i++) {
    const { value, next } = readUnsignedVint(buf, off);
    if (next + value > buf.length) throw new InvalidRequestError('Not enough bytes to read a vector');
    out.push(buf.subarray(next, next + value));
    off = next + value;
  }
  if (off !== buf.length) throw new InvalidRequestError(`Unexpected ${buf.length - off} extraneous bytes after vector value`);
  return out;
}

/** A float vector as numbers (the similarity functions and ANN ordering work on these). */
export function floatVector(t: VectorType, buf: Buffer): Float64Array {
  const els = readVector(t, buf);
  const out = new Float64Array(els.length);
  for (let i = 0; i < els.length; i++) out[i] = els[i]!.readFloatBE(0);
  return out;
}
