// Compiles AST terms into closures that produce serialized values. Compilation happens once per prepared
// statement: literals are converted to bytes up front, each bind marker learns its type from the receiver it is
// bound to (that is what PREPARE's variable metadata reports), and only binds and functions are evaluated per
// execution.
import { compileVectorLiteral } from './vector-terms.ts';
import type { Term } from '../../model/ast.ts';
import type { CqlType } from '../../model/types.ts';
import { T, typeToCql } from '../../model/types.ts';
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
function inferType(term: Term): CqlType | undefined {
  switch (term.kind) {
    case 'literal':
      switch (term.type) {
        case 'string': return T.text;
        case 'integer': return T.int;
        case 'float': case 'nan': case 'infinity': return T.double;
        case 'boolean': return T.boolean;
        case 'uuid': return T.uuid;
        case 'blob': return T.blob;
        case 'duration': return T.duration;
      }
      return undefined;
    case 'function': {
      const fn = getFunction(term.name);
      if (!fn) return undefined;
      const argTypes = term.args.map((a) => inferType(a) ?? T.blob);
      return fn.returnType(argTypes);
    }
    case 'cast':
      return undefined;
    default:
      return undefined;
  }
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
      const fn = getFunction(term.name);
      if (!fn) throw new InvalidRequestError(`Unknown function '${term.name}'`);
      const argTypes = term.args.map((a) => inferType(a) ?? t);
      const args = term.args.map((a, i) => compileTerm(a, elementReceiver(r, argTypes[i], term.name), markers));
      const ret = fn.returnType(argTypes);
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
    case 'tuple': {
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

/** A receiver for bind markers in special positions (LIMIT ?, USING TTL ?…) named as Cassandra names them. */
export function specialReceiver(keyspace: string, table: string, name: string, type: CqlType): Receiver {
  return { keyspace, table, name, type };
}
