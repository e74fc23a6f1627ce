// Checks that a serialized value fits its type, with the messages of Cassandra's TypeSerializer.validate
// implementations (clients see them verbatim). Empty values are accepted where Cassandra's legacy types
// accept them (int, bigint, float, timestamp, uuid, …) and rejected for the types added later (smallint,
// tinyint, date, time, duration).
import { readVector } from './vector.ts';
import { isUtf8 } from 'node:buffer';
import { InvalidRequestError } from '../errors.ts';
import type { CqlType } from '../types.ts';
import { decodeDuration, NANOS_PER_DAY } from './codec.ts';
import { readCollection, readMap, readTuple } from './collections.ts';
import { isLexicalUuidClass } from './literals.ts';

const fail = (msg: string): never => {
  throw new InvalidRequestError(msg);
};

function validateNative(name: Extract<CqlType, { kind: 'native' }>['name'], b: Buffer): void {
  const n = b.length;
  switch (name) {
    case 'int':
      if (n !== 4 && n !== 0) fail(`Expected 4 or 0 byte int (${n})`);
      return;
    case 'bigint':
    case 'counter':
      if (n !== 8 && n !== 0) fail(`Expected 8 or 0 byte long (${n})`);
      return;
    case 'smallint':
      if (n !== 2) fail(`Expected 2 bytes for a smallint (${n})`);
      return;
    case 'tinyint':
      if (n !== 1) fail(`Expected 1 byte for a tinyint (${n})`);
      return;
    case 'float':
      if (n !== 4 && n !== 0) fail(`Expected 4 or 0 byte value for a float (${n})`);
      return;
    case 'double':
      if (n !== 8 && n !== 0) fail(`Expected 8 or 0 byte value for a double (${n})`);
      return;
    case 'boolean':
      if (n !== 1 && n !== 0) fail(`Expected 1 or 0 byte value (${n})`);
      return;
    case 'timestamp':
      if (n !== 8 && n !== 0) fail(`Expected 8 or 0 byte long for date (${n})`);
      return;
    case 'date':
      if (n !== 4) fail(`Expected 4 byte long for date (${n})`);
      return;
    case 'time': {
      if (n !== 8) fail(`Expected 8 byte long for time (${n})`);
      // Cassandra itself stores any 8 bytes here, but no client can represent such a time, so refuse it early.
      const ns = b.readBigInt64BE(0);
      if (ns < 0n || ns >= NANOS_PER_DAY) fail(`Time value out of range (${ns}): must be in [0, ${NANOS_PER_DAY})`);
      return;
    }
    case 'uuid':
      if (n !== 16 && n !== 0) fail(`UUID should be 16 or 0 bytes (${n})`);
      return;
    case 'timeuuid':
      if (n !== 16 && n !== 0) fail(`UUID should be 16 or 0 bytes (${n})`);
      if (n === 16 && (b[6]! & 0xf0) !== 0x10) fail('Invalid version for TimeUUID type.');
      return;
    case 'inet':
      if (n !== 4 && n !== 16 && n !== 0) fail(`Expected 4 or 16 byte inetaddress; got ${b.toString('hex')}`);
      return;
    case 'decimal':
      if (n > 0 && n < 4) fail(`Expected 0 or at least 4 bytes (${n})`);
      return;
    case 'ascii':
      for (let i = 0; i < n; i++) if (b[i]! > 127) fail(`Invalid byte for ascii: ${(b[i]! << 24) >> 24}`);
      return;
    case 'text':
      if (!isUtf8(b)) fail("String didn't validate.");
      return;
    case 'duration': {
      if (n < 3) fail(`Expected at least 3 bytes for a duration (${n})`);
      const d = decodeDuration(b) ?? fail('Invalid duration: expected three variable-length integers');
      if (d.months !== (d.months | 0)) fail(`The duration months must be a 32 bits integer but was: ${d.months}`);
      if (d.days !== (d.days | 0)) fail(`The duration days must be a 32 bits integer but was: ${d.days}`);
      const ns = d.nanoseconds;
      if (!((d.months >= 0 && d.days >= 0 && ns >= 0n) || (d.months <= 0 && d.days <= 0 && ns <= 0n))) {
        fail(`The duration months, days and nanoseconds must be all of the same sign (${d.months}, ${d.days}, ${ns})`);
      }
      return;
    }
    case 'varint':
    case 'blob':
      return;
  }
}

/** Throws InvalidRequestError (and nothing else) when `buf` is not a valid serialization of `type`. */
export function validateValue(type: CqlType, buf: Buffer): void {
  switch (type.kind) {
    case 'native':
      // LexicalUUIDType's serializer is UUIDType's (the other custom classes take any bytes, as blobs do).
      if (type.custom !== undefined && isLexicalUuidClass(type.custom) && buf.length !== 16 && buf.length !== 0) fail(`UUID should be 16 or 0 bytes (${buf.length})`);
      validateNative(type.name, buf);
      return;
    case 'list':
    case 'set':
      for (const e of readCollection(buf, type.kind)) validateValue(type.element, e);
      return;
    case 'map':
      for (const [k, v] of readMap(buf)) {
        validateValue(type.key, k);
        validateValue(type.value, v);
      }
      return;
    case 'vector':
      for (const e of readVector(type, buf)) validateValue(type.element, e);
      return;
    case 'tuple':
    case 'udt': {
      // An empty value is the legacy "empty" tuple/UDT, which Cassandra accepts.
      if (buf.length === 0) return;
      const types = type.kind === 'tuple' ? type.elements : type.fieldTypes;
      const parts = readTuple(buf, types.length, type.kind === 'tuple' ? 'tuple' : 'UDT');
      parts.forEach((p, i) => {
        if (p !== null) validateValue(types[i]!, p);
      });
      return;
    }
  }
}

/** validateValue as a predicate. */
export function isValidValue(type: CqlType, buf: Buffer): boolean {
  try {
    validateValue(type, buf);
    return true;
  } catch (e) {
    if (e instanceof InvalidRequestError) return false;
    throw e;
  }
}
