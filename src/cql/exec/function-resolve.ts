// Picking the overload of a native function for the arguments of a call, as Cassandra's FunctionResolver does: an
// argument matches a parameter exactly (same type; a constant of its preferred type), weakly (a constant the
// parameter's type accepts, such as '2013-01-01' for a timestamp or 3 for a bigint; a value of a type the
// parameter reads, such as a bigint for a timestamp; null and bind markers for anything), or not at all. One
// candidate wins; several are narrowed to the exact ones; otherwise the call is ambiguous.
import type { LiteralKind } from '../../model/ast.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { typesEqual, typeToCql, type CqlType, type NativeTypeName } from '../../model/types.ts';
import { literalAssignable } from '../../model/values/literals.ts';

/** What resolution knows of an argument before its type is fixed. */
export type ArgShape =
  | { kind: 'typed'; type: CqlType; text: string }
  | { kind: 'literal'; literal: LiteralKind; value: string; text: string }
  | { kind: 'untyped'; text: string }; // null, a bind marker: they take the parameter's type

export interface Signature {
  args: CqlType[];
  ret: CqlType;
}

/** Value types a parameter type reads (AbstractType.isValueCompatibleWith). */
const READS: Partial<Record<NativeTypeName, NativeTypeName[]>> = {
  text: ['ascii'], uuid: ['timeuuid'], timestamp: ['bigint'], bigint: ['timestamp'], varint: ['int', 'bigint', 'timestamp'],
  date: ['int'], time: ['bigint'],
};

/** The type a constant has on its own (Constants.Type.getPreferedTypeFor). */
export function preferredLiteralType(literal: LiteralKind, value: string): NativeTypeName | undefined {
  switch (literal) {
    case 'integer': {
      const v = BigInt(value);
      return v >= -(2n ** 31n) && v < 2n ** 31n ? 'int' : v >= -(2n ** 63n) && v < 2n ** 63n ? 'bigint' : 'varint';
    }
    case 'float': case 'nan': case 'infinity': return 'double';
    // eslint-disable-next-line no-control-regex
    case 'string': return /^[\x00-\x7f]*$/.test(value) ? 'ascii' : 'text';
    case 'boolean': return 'boolean';
    case 'uuid': return 'uuid';
    case 'blob': return 'blob';
    case 'duration': return 'duration';
  }
}

type Match = 'exact' | 'weak' | 'none';

function matchArg(param: CqlType, arg: ArgShape): Match {
  if (arg.kind === 'untyped') return 'weak';
  if (arg.kind === 'literal') {
    if (param.kind !== 'native') return 'none';
    if (preferredLiteralType(arg.literal, arg.value) === param.name) return 'exact';
    return literalAssignable(arg.literal, param) ? 'weak' : 'none';
  }
  if (typesEqual(param, arg.type)) return 'exact';
  if (param.kind !== 'native' || arg.type.kind !== 'native') return 'none';
  if (param.name === 'blob' || READS[param.name]?.includes(arg.type.name)) return 'weak';
  return 'none';
}

const describe = (name: string, s: Signature): string => `system.${name} : (${s.args.map((t) => typeToCql(t)).join(', ')}) -> ${typeToCql(s.ret)}`;

/** The overload a call uses, or Cassandra's error for the call. */
export function resolveOverload(name: string, signatures: readonly Signature[], args: ArgShape[]): Signature {
  const arities = new Set(signatures.map((s) => s.args.length));
  if (!arities.has(args.length) && arities.size === 1) {
    throw new InvalidRequestError(`Invalid number of arguments in call to function system.${name}: ${[...arities][0]} required but ${args.length} provided`);
  }
  const scored = signatures.filter((s) => s.args.length === args.length).map((s) => ({ s, m: s.args.map((p, i) => matchArg(p, args[i]!)) }));
  const candidates = scored.filter((c) => c.m.every((m) => m !== 'none'));
  if (candidates.length === 1) return candidates[0]!.s;
  if (candidates.length === 0) {
    if (signatures.length === 1) {
      const s = signatures[0]!;
      const i = s.args.findIndex((p, j) => matchArg(p, args[j]!) === 'none');
      throw new InvalidRequestError(`Type error: ${args[i]!.text} cannot be passed as argument ${i} of function system.${name} of type ${typeToCql(s.args[i]!)}`);
    }
    throw new InvalidRequestError(`Invalid call to function ${name}, none of its type signatures match ` +
      `(known type signatures: ${signatures.map((s) => describe(name, s)).join(', ')})`);
  }
  const exact = candidates.filter((c) => c.m.every((m) => m === 'exact'));
  if (exact.length === 1) return exact[0]!.s;
  throw new InvalidRequestError(`Ambiguous call to function ${name} (can be matched by following signatures: ` +
    `${candidates.map((c) => describe(name, c.s)).join(', ')}): use type casts to disambiguate`);
}
