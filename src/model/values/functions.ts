// Cassandra's native scalar functions (system keyspace): time/uuid functions and blob conversions.
// token(), writetime(), ttl(), aggregates and casts are the executor's business.
import { InvalidRequestError } from '../errors.ts';
import { NATIVE_TYPES, T, typesEqual, typeToCql, type CqlType, type NativeTypeName } from '../types.ts';
import { DATE_EPOCH } from './codec.ts';
import { defaultTimeUuidGenerator, maxTimeuuid, minTimeuuid, randomUuid, timeuuidToMs } from './uuid.ts';
import { isValidValue } from './validate.ts';

export interface NativeFunction {
  /** Lower-case name as resolved (e.g. `totimestamp`). */
  readonly name: string;
  /** Every overload, so callers can infer the types of bind markers passed as arguments. */
  readonly signatures: ReadonlyArray<{ args: CqlType[]; ret: CqlType }>;
  returnType(argTypes: CqlType[]): CqlType;
  /** `nowMicros`: the statement's execution time, from the injected clock (now(), currentTimestamp()…). */
  call(args: Array<Buffer | null>, argTypes: CqlType[], nowMicros: number): Buffer | null;
}

type Impl = (args: Buffer[], argTypes: CqlType[], nowMs: number) => Buffer | null;

interface Overload {
  args: CqlType[];
  ret: CqlType;
  impl: Impl;
  /** Blob conversions pass empty values through (blobAsInt(0x) is the empty int); others return null. */
  passEmpty?: boolean;
}

const long = (v: bigint | number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(v));
  return b;
};
const dateFromDays = (days: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(days + DATE_EPOCH);
  return b;
};
const tsMs = (b: Buffer): number => Number(b.readBigInt64BE(0));
const dateDays = (b: Buffer): number => b.readUInt32BE(0) - DATE_EPOCH;
const floorDays = (ms: number): number => Math.floor(ms / 86400000);

/** text and varchar are one type; everything else must match exactly. */
const sameType = (a: CqlType, b: CqlType): boolean => typesEqual(a, b);

function makeFunction(name: string, overloads: Overload[]): NativeFunction {
  const describe = (o: Overload): string =>
    `system.${name} : (${o.args.map((t) => typeToCql(t)).join(', ')}) -> ${typeToCql(o.ret)}`;
  const resolve = (argTypes: CqlType[]): Overload => {
    const arities = new Set(overloads.map((o) => o.args.length));
    if (arities.size === 1 && !arities.has(argTypes.length)) {
      const [n] = [...arities];
      throw new InvalidRequestError(
        `Invalid number of arguments in call to function system.${name}: ${n} required but ${argTypes.length} provided`);
    }
    const found = overloads.find((o) => o.args.length === argTypes.length && o.args.every((t, i) => sameType(t, argTypes[i]!)));
    if (found) return found;
    if (overloads.length === 1) {
      const o = overloads[0]!;
      const i = o.args.findIndex((t, j) => !sameType(t, argTypes[j]!));
      throw new InvalidRequestError(
        `Type error: argument ${i} of type ${typeToCql(argTypes[i]!)} cannot be passed as argument ${i} of function ` +
        `system.${name} of type ${typeToCql(o.args[i]!)}`);
    }
    throw new InvalidRequestError(`Invalid call to function ${name}, none of its type signatures match ` +
      `(known type signatures: ${overloads.map(describe).join(', ')})`);
  };
  return {
    name,
    signatures: overloads.map((o) => ({ args: o.args, ret: o.ret })),
    returnType: (argTypes) => resolve(argTypes).ret,
    call(args, argTypes, nowMicros) {
      const o = resolve(argTypes);
      if (args.length !== o.args.length) {
        throw new InvalidRequestError(`Invalid number of arguments in call to function system.${name}: ` +
          `${o.args.length} required but ${args.length} provided`);
      }
      // Native functions return null on null input; the time functions treat empty values as null too.
      if (args.some((a) => a === null || (a.length === 0 && !o.passEmpty))) return null;
      return o.impl(args as Buffer[], argTypes, Math.floor(nowMicros / 1000));
    },
  };
}

const REGISTRY = new Map<string, NativeFunction>();
const register = (name: string, overloads: Overload[]): void => {
  REGISTRY.set(name, makeFunction(name, overloads));
};

const nowUuid: Impl = (_args, _types, nowMs) => defaultTimeUuidGenerator.next(nowMs);
register('now', [{ args: [], ret: T.timeuuid, impl: nowUuid }]);
register('currenttimeuuid', [{ args: [], ret: T.timeuuid, impl: nowUuid }]);
register('uuid', [{ args: [], ret: T.uuid, impl: () => randomUuid() }]);
register('currenttimestamp', [{ args: [], ret: T.timestamp, impl: (_a, _t, nowMs) => long(nowMs) }]);
register('currentdate', [{ args: [], ret: T.date, impl: (_a, _t, nowMs) => dateFromDays(floorDays(nowMs)) }]);
register('currenttime', [{
  args: [], ret: T.time,
  impl: (_a, _t, ms) => {
    return long(BigInt(ms - floorDays(ms) * 86400000) * 1000000n);
  },
}]);

// Overloads in the order Cassandra 5.0 lists them in its messages.
register('totimestamp', [
  { args: [T.date], ret: T.timestamp, impl: ([d]) => long(BigInt(dateDays(d!)) * 86400000n) },
  { args: [T.timeuuid], ret: T.timestamp, impl: ([u]) => long(timeuuidToMs(u!)) },
]);
register('todate', [
  { args: [T.timeuuid], ret: T.date, impl: ([u]) => dateFromDays(floorDays(timeuuidToMs(u!))) },
  { args: [T.timestamp], ret: T.date, impl: ([t]) => dateFromDays(floorDays(tsMs(t!))) },
]);
register('tounixtimestamp', [
  { args: [T.date], ret: T.bigint, impl: ([d]) => long(BigInt(dateDays(d!)) * 86400000n) },
  { args: [T.timestamp], ret: T.bigint, impl: ([t]) => long(t!.readBigInt64BE(0)) },
  { args: [T.timeuuid], ret: T.bigint, impl: ([u]) => long(timeuuidToMs(u!)) },
]);
// dateOf() and unixTimestampOf() were removed in Cassandra 5.0 (deprecated since 2.2).
register('mintimeuuid', [{ args: [T.timestamp], ret: T.timeuuid, impl: ([t]) => minTimeuuid(tsMs(t!)) }]);
register('maxtimeuuid', [{ args: [T.timestamp], ret: T.timeuuid, impl: ([t]) => maxTimeuuid(tsMs(t!)) }]);

// blobAs<type> / <type>AsBlob for every native type (varchar being text's alias, as in Cassandra).
const BLOB_NAMES: Array<[string, NativeTypeName]> = [...NATIVE_TYPES.map((n): [string, NativeTypeName] => [n, n]),
  ['varchar', 'text']];
for (const [alias, typeName] of BLOB_NAMES) {
  const t: CqlType = { kind: 'native', name: typeName };
  if (typeName !== 'blob') {
    register(`${alias}asblob`, [{ args: [t], ret: T.blob, impl: ([v]) => v!, passEmpty: true }]);
  }
  const fname = `blobas${alias}`;
  register(fname, [{
    args: [T.blob], ret: t, passEmpty: true,
    impl: ([v]) => {
      if (!isValidValue(t, v!)) {
        throw new InvalidRequestError(`In call to function system.${fname}, value 0x${v!.toString('hex')} is not a ` +
          `valid binary representation for type ${typeName}`);
      }
      return v!;
    },
  }]);
}

/**
 * A native scalar function by (case-insensitive) name, optionally `system.`-qualified. Undefined for unknown
 * names so the executor can report "Unknown function" itself.
 */
export function getFunction(name: string): NativeFunction | undefined {
  const n = name.toLowerCase();
  return REGISTRY.get(n.startsWith('system.') ? n.slice(7) : n);
}

export const nativeFunctionNames = (): string[] => [...REGISTRY.keys()];
