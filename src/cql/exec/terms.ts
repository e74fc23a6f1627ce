// Compiles AST terms into closures that produce serialized values. Compilation happens once per prepared
// statement: literals are converted to bytes up front, each bind marker learns its type from the receiver it is
// bound to (that is what PREPARE's variable metadata reports), and only binds and functions are evaluated per
// execution.
import { compileVectorLiteral } from './vector-terms.ts';
import type { Term } from '../../model/ast.ts';
import type { CqlType } from '../../model/types.ts';
import { T, typesEqual, typeToCql } from '../../model/types.ts';
import type { ColumnSpec } from '../../protocol/messages.ts';
import { UNSET } from '../../protocol/messages.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { literalToBytes } from '../../model/values/literals.ts';
import { serializeCollection, serializeMap, serializeTuple, serializeUdt } from '../../model/values/collections.ts';
import { validateValue } from '../../model/values/validate.ts';
import { getFunction } from '../../model/values/functions.ts';
import { compareValues } from '../../model/values/compare.ts';
import type { ExecValue } from './values.ts';
import { needsNormalization, normalizeValue } from './normalize.ts';
import { compileFromJson } from './json.ts';
import { termText } from './term-text.ts';
import { resolveOverload, type ArgShape } from './function-resolve.ts';
import { tokenFunction } from './token-fn.ts';
import { compileNegation, compileOperation } from './operators.ts';
import { literalAssignable } from '../../model/values/literals.ts';
import { resolveTypeIn } from '../../schema/types_resolve.ts';
import { toJsonFunction } from '../../model/values/json.ts';
import { userFunctionTerm } from './selection-udf.ts';

/** Per-execution inputs of compiled terms. */
export interface BindContext {
  values: ReadonlyArray<ExecValue>;
  /** The statement's execution time (µs), from the injected clock: now(), currentTimestamp(), 'now'. */
  nowMicros: number;
}

export type CompiledTerm = (ctx: BindContext) => ExecValue;

/** A receiver: the slot a term is assigned to (a column, a collection element, a LIMIT…). */
export interface Receiver {
  keyspace: string;
  table: string;
  name: string;
  type: CqlType;
  /** The partition key types of the table, where token() may appear (a token relation's right-hand side). */
  tokenTypes?: CqlType[];
}

/** Collects the type of every bind marker as the statement is compiled. */
export class MarkerTypes {
  readonly specs: Array<ColumnSpec | undefined>;
  constructor(readonly count: number) {
    this.specs = new Array<ColumnSpec | undefined>(count).fill(undefined);
  }
  set(index: number, r: Receiver, name?: string): void {
    this.specs[index] = { keyspace: r.keyspace, table: r.table, name: name ?? r.name, type: r.type };
  }
  /** Every marker must have been typed; an untyped one means the statement put it somewhere we cannot infer. */
  finish(): ColumnSpec[] {
    return this.specs.map((s, i) => {
      if (!s) throw new InvalidRequestError(`Cannot infer the type of bind marker ${i}`);
      return s;
    });
  }
}

const constant = (v: ExecValue): CompiledTerm => () => v;

function elementReceiver(r: Receiver, type: CqlType, what: string): Receiver {
  return { ...r, name: `${what}(${r.name})`, type };
}

function noNullOrUnset(v: ExecValue, r: Receiver): Buffer {
  if (v === null) throw new InvalidRequestError('null is not supported inside collections');
  if (v === UNSET) throw new InvalidRequestError(`Invalid unset value for ${r.name}`);
  return v;
}

function sortedUnique(type: CqlType, values: Buffer[]): Buffer[] {
  const sorted = [...values].sort((a, b) => compareValues(type, a, b));
  return sorted.filter((v, i) => i === 0 || compareValues(type, sorted[i - 1], v) !== 0);
}

/** The type a term has on its own, for function arguments whose receiver is unknown. */
export function inferType(term: Term): CqlType | undefined {
  switch (term.kind) {
    case 'literal':
      switch (term.type) {
        // Cassandra prefers ascii for a string constant of ASCII characters only (Constants.Type.STRING).
        // eslint-disable-next-line no-control-regex
        case 'string': return /^[\x00-\x7f]*$/.test(term.text) ? T.ascii : T.text;
        case 'integer': {
          // The narrowest of int, bigint and varint that holds the constant.
          const v = BigInt(term.text);
          return v >= -(2n ** 31n) && v < 2n ** 31n ? T.int : v >= -(2n ** 63n) && v < 2n ** 63n ? T.bigint : T.varint;
        }
        case 'float': case 'nan': case 'infinity': return T.double;
        case 'boolean': return T.boolean;
        case 'uuid': return T.uuid;
        case 'blob': return T.blob;
        case 'duration': return T.duration;
      }
      return undefined;
    case 'function': {
      const lower = term.name.toLowerCase().replace(/^system\./, '');
      if (lower === 'tojson') return T.text;
      const fn = getFunction(term.name);
      if (!fn) return undefined;
      try {
        return resolveOverload(fn.name, fn.signatures, term.args.map((a) => termShape(a, ''))).ret;
      } catch (e) {
        if (e instanceof InvalidRequestError) return undefined;
        throw e;
      }
    }
    case 'list': {
      const types = term.elements.map(inferType);
      const first = types[0];
      if (!first || types.some((t) => !t || typeToCql(t) !== typeToCql(first))) return undefined;
      return { kind: 'list', element: first, frozen: false };
    }
    case 'tuple': {
      const types = term.elements.map(inferType);
      return types.every((t) => t) ? { kind: 'tuple', elements: types as CqlType[] } : undefined;
    }
    default:
      return undefined;
  }
}

/** A call of a user-defined function of the receiver's keyspace (or the one named), checked against the receiver. */
function compileUserFunctionTerm(term: Extract<Term, { kind: 'function' }>, r: Receiver, markers: MarkerTypes): CompiledTerm {
  const udf = term.name.toLowerCase().startsWith('system.') ? undefined
    : userFunctionTerm(r.keyspace, term.name, term.args, (a, type, argName) => compileTerm(a, { ...r, name: argName, type }, markers));
  if (!udf) throw new InvalidRequestError(`Unknown function '${term.name}'`);
  if (!compatible(udf.type, r.type)) {
    throw new InvalidRequestError(`Type error: cannot assign result of function ${udf.name} (type ${typeToCql(udf.type)}) to ${r.name} (type ${typeToCql(r.type)})`);
  }
  return udf.evaluate;
}

function compatible(produced: CqlType, wanted: CqlType): boolean {
  if (typeToCql(produced) === typeToCql(wanted)) return true;
  if (produced.kind !== 'native' || wanted.kind !== 'native') return false;
  const p = produced.name;
  const w = wanted.name;
  // Cassandra's implicit conversions that matter for functions: timeuuid is a uuid, ascii is text, ints widen.
  if (w === 'uuid' && p === 'timeuuid') return true;
  if ((w === 'text' && p === 'ascii') || (w === 'ascii' && p === 'text')) return true;
  if (w === 'blob') return true;
  return false;
}

export function compileTerm(term: Term, r: Receiver, markers: MarkerTypes): CompiledTerm {
  const t = r.type;
  switch (term.kind) {
    case 'null':
      return constant(null);
    case 'literal':
      // 'now' is the time of each execution, not of the compilation.
      if (term.type === 'string' && term.text.toLowerCase() === 'now' && t.kind === 'native' && t.name === 'timestamp') {
        return (ctx) => literalToBytes(term, t, r.name, Math.floor(ctx.nowMicros / 1000));
      }
      return constant(literalToBytes(term, t, r.name));
    case 'bind': {
      markers.set(term.index, r, term.name);
      const idx = term.index;
      const normalize = needsNormalization(t);
      return (ctx) => {
        const v = ctx.values[idx];
        if (v === undefined) throw new InvalidRequestError(`There were ${ctx.values.length} markers(?) in CQL but ${idx + 1} values`);
        if (v === null || v === UNSET) return v;
        validateValue(t, v);
        return normalize ? normalizeValue(t, v) : v;
      };
    }
    case 'cast':
      return compileTerm(term.term, r, markers);
    case 'function': {
      const lower = term.name.toLowerCase().replace(/^system\./, '');
      if (lower === 'fromjson') return compileFromJson(term.args, r, markers, (a, ar) => compileTerm(a, ar, markers), inferType);
      if (lower === 'tojson') return compileToJsonTerm(term.args, r, markers);
      const fn = lower === 'token' && r.tokenTypes ? tokenFunction(r.tokenTypes) : getFunction(term.name);
      if (!fn) return compileUserFunctionTerm(term, r, markers);
      const overload = resolveOverload(fn.name, fn.signatures, term.args.map((a) => termShape(a, r.keyspace)));
      const argTypes = overload.args;
      const args = term.args.map((a, i) => compileTerm(a, { ...r, name: `arg${i}(system.${fn.name})`, type: argTypes[i]! }, markers));
      const ret = overload.ret;
      if (!compatible(ret, t)) {
        throw new InvalidRequestError(
          `Type error: cannot assign result of function system.${term.name.toLowerCase()} (type ${typeToCql(ret)}) to ${r.name} (type ${typeToCql(t)})`,
        );
      }
      return (ctx) => {
        const vals = args.map((a) => {
          const v = a(ctx);
          return v === UNSET ? null : v;
        });
        return fn.call(vals, argTypes, ctx.nowMicros);
      };
    }
    case 'list': {
      if (t.kind === 'vector') return compileVectorLiteral(term, t, r, markers, compileTerm);
      if (t.kind !== 'list' && t.kind !== 'set') {
        throw new InvalidRequestError(`Invalid list literal for ${r.name} of type ${typeToCql(t)}`);
      }
      const er = elementReceiver(r, t.element, 'value');
      const elems = term.elements.map((e) => compileTerm(e, er, markers));
      if (t.kind === 'set') {
        return (ctx) => serializeCollection(sortedUnique(t.element, elems.map((e) => noNullOrUnset(e(ctx), r))));
      }
      return (ctx) => serializeCollection(elems.map((e) => noNullOrUnset(e(ctx), r)));
    }
    case 'set': {
      if (t.kind !== 'set') throw new InvalidRequestError(`Invalid set literal for ${r.name} of type ${typeToCql(t)}`);
      const er = elementReceiver(r, t.element, 'value');
      const elems = term.elements.map((e) => compileTerm(e, er, markers));
      return (ctx) => serializeCollection(sortedUnique(t.element, elems.map((e) => noNullOrUnset(e(ctx), r))));
    }
    case 'empty_braces':
      if (t.kind !== 'set' && t.kind !== 'map' && t.kind !== 'list') {
        throw new InvalidRequestError(`Invalid set literal for ${r.name} of type ${typeToCql(t)}`);
      }
      return constant(serializeCollection([]));
    case 'map': {
      if (t.kind !== 'map') throw new InvalidRequestError(`Invalid map literal for ${r.name} of type ${typeToCql(t)}`);
      const kr = elementReceiver(r, t.key, 'key');
      const vr = elementReceiver(r, t.value, 'value');
      const entries = term.entries.map(([k, v]) => [compileTerm(k, kr, markers), compileTerm(v, vr, markers)] as const);
      return (ctx) => {
        const pairs = entries.map(([k, v]) => [noNullOrUnset(k(ctx), r), noNullOrUnset(v(ctx), r)] as [Buffer, Buffer]);
        pairs.sort((a, b) => compareValues(t.key, a[0], b[0]));
        const unique = pairs.filter((p, i) => i === 0 || compareValues(t.key, pairs[i - 1][0], p[0]) !== 0);
        return serializeMap(unique);
      };
    }
    case 'operation':
      return compileTermOperation(term, r, markers);
    case 'negate': {
      const inner = compileTerm(term.term, r, markers);
      const neg = compileNegation({ text: termText(term.term), type: r.type });
      return (ctx) => { const v = inner(ctx); return v === null || v === UNSET ? null : neg.apply(v, null); };
    }
    case 'tuple': {
      // `(1 + 2) * 3`: brackets around one term group it, unless a tuple is expected.
      if (t.kind !== 'tuple' && term.elements.length === 1) return compileTerm(term.elements[0]!, r, markers);
      if (t.kind !== 'tuple') {
        throw new InvalidRequestError(`Invalid tuple literal for ${r.name} of type ${typeToCql(t)}`);
      }
      if (term.elements.length > t.elements.length) {
        throw new InvalidRequestError(
          `Invalid tuple literal for ${r.name}: too many elements. Type ${typeToCql(t)} expects ${t.elements.length} but got ${term.elements.length}`,
        );
      }
      const parts = term.elements.map((e, i) => compileTerm(e, elementReceiver(r, t.elements[i], `${i}`), markers));
      return (ctx) => serializeTuple(parts.map((p) => {
        const v = p(ctx);
        return v === UNSET ? null : v;
      }));
    }
    case 'udt': {
      if (t.kind !== 'udt') throw new InvalidRequestError(`Invalid user type literal for ${r.name} of type ${typeToCql(t)}`);
      const byName = new Map(term.fields);
      for (const [f] of term.fields) {
        if (!t.fieldNames.includes(f)) {
          throw new InvalidRequestError(`Unknown field '${f}' in value of user defined type ${t.name}`);
        }
      }
      const parts = t.fieldNames.map((f, i) => {
        const ft = byName.get(f);
        return ft ? compileTerm(ft, elementReceiver(r, t.fieldTypes[i], f), markers) : constant(null);
      });
      return (ctx) => serializeUdt(parts.map((p) => {
        const v = p(ctx);
        return v === UNSET ? null : v;
      }));
    }
  }
}

/**
 * Arithmetic in a term (Cassandra 5.0): each operand is typed as the receiver when it can be (a constant the
 * receiver's type accepts), by its own type otherwise; the operation must then give the receiver's type.
 */
function compileTermOperation(term: Extract<Term, { kind: 'operation' }>, r: Receiver, markers: MarkerTypes): CompiledTerm {
  const typeOf = (x: Term): CqlType | undefined => {
    if (x.kind === 'bind' || x.kind === 'null') return undefined;
    if (x.kind === 'literal') return literalAssignable(x.type, r.type) ? r.type : inferType(x);
    if (x.kind === 'operation' || x.kind === 'negate' || (x.kind === 'tuple' && x.elements.length === 1)) return r.type;
    return inferType(x);
  };
  const lt = typeOf(term.left);
  const rt = typeOf(term.right);
  const left = { text: termText(term.left), type: lt };
  const right = { text: termText(term.right), type: rt };
  const op = compileOperation(term.op, left, right);
  if (!typesEqual(op.type, r.type)) {
    throw new InvalidRequestError(`the '${term.op}' operation is not supported between ${left.text} and ${right.text}`);
  }
  const a = compileTerm(term.left, { ...r, type: lt! }, markers);
  const b = compileTerm(term.right, { ...r, type: rt! }, markers);
  return (ctx) => {
    const x = a(ctx);
    const y = b(ctx);
    return op.apply(x === UNSET ? null : x, y === UNSET ? null : y);
  };
}

/** What overload resolution knows of a term argument (`keyspace` resolves the user types of casts). */
export function termShape(t: Term, keyspace: string): ArgShape {
  const text = termText(t);
  if (t.kind === 'literal') return { kind: 'literal', literal: t.type, value: t.text, text };
  if (t.kind === 'cast') return { kind: 'typed', type: resolveTypeIn(t.type, keyspace, undefined), text };
  if (t.kind === 'null' || t.kind === 'bind') return { kind: 'untyped', text };
  const inferred = inferType(t);
  return inferred ? { kind: 'typed', type: inferred, text } : { kind: 'untyped', text };
}

/** toJson(x) as a term: x must have a type of its own (a literal or a cast), the result is text. */
function compileToJsonTerm(args: Term[], r: Receiver, markers: MarkerTypes): CompiledTerm {
  const fn = 'system.tojson(any)';
  if (args.length !== 1) throw new InvalidRequestError(`Invalid number of arguments for function ${fn}`);
  const arg = args[0];
  const argType = arg.kind === 'cast' ? undefined : inferType(arg);
  if (!argType && arg.kind !== 'cast') {
    throw new InvalidRequestError(`Cannot infer type of argument ${termText(arg)} in call to function ${fn}: use type casts to disambiguate`);
  }
  if (!compatible(T.text, r.type)) {
    throw new InvalidRequestError(`Type error: cannot assign result of function system.tojson (type text) to ${r.name} (type ${typeToCql(r.type)})`);
  }
  const type = argType ?? castType(arg);
  const compiled = compileTerm(arg, { ...r, name: `arg0(system.tojson)`, type }, markers);
  return (ctx) => {
    const v = compiled(ctx);
    return Buffer.from(toJsonFunction(type, v === UNSET ? null : v), 'utf8');
  };
}

/** The type of a `(type) term` cast of a native type (the only casts a term can carry without the schema). */
function castType(t: Term): CqlType {
  if (t.kind === 'cast' && t.type.kind === 'native') return t.type;
  throw new InvalidRequestError(`Cannot infer type of argument ${termText(t)} in call to function system.tojson(any): use type casts to disambiguate`);
}

/** A receiver for bind markers in special positions (LIMIT ?, USING TTL ?…) named as Cassandra names them. */
export function specialReceiver(keyspace: string, table: string, name: string, type: CqlType): Receiver {
  return { keyspace, table, name, type };
}
