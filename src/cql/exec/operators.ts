// Arithmetic in selections (Cassandra 5.0's OperationFcts): + - * / % between numbers, with the result in the
// wider of the two types (an integer and a float give a float, a bigint and a float a double, a varint and a
// floating-point number a decimal, anything with a decimal a decimal), integers wrapping in their width; + between
// strings; timestamp or date ± duration; unary minus. Division by zero of integers and decimals fails as Cassandra's
// does, naming the operation.
import type { ArithmeticOp } from '../../model/ast.ts';
import { FunctionFailureError, InvalidRequestError } from '../../model/errors.ts';
import { T, type CqlType, type NativeTypeName } from '../../model/types.ts';
import { decodeDuration, type Duration } from '../../model/values/codec.ts';
import { cassandraDecimalDivide, decimalAdd, decimalMultiply, decimalRemainder, decimalSubtract } from '../../model/values/decimal-math.ts';
import {
  INTEGER_TYPES, isNumeric, readInteger, toBigDecimal, toDouble, writeDecimal, writeFloating, writeInteger,
} from '../../model/values/numbers.ts';
import { addDurationToDate, addDurationToTimestamp } from './duration-math.ts';
import { durationToString } from '../../model/values/duration.ts';

const RANK: Partial<Record<NativeTypeName, number>> = { tinyint: 1, smallint: 2, int: 3, bigint: 4, counter: 4, varint: 5 };

const native = (t: CqlType): NativeTypeName | undefined => (t.kind === 'native' ? t.name : undefined);

/** The result type of a numeric operation (NumberType resolution of OperationFcts). */
function numericResult(a: NativeTypeName, b: NativeTypeName): NativeTypeName {
  const has = (n: NativeTypeName): boolean => a === n || b === n;
  if (has('decimal') || (has('varint') && (has('float') || has('double')))) return 'decimal';
  if (has('double') || ((has('bigint') || has('counter')) && has('float'))) return 'double';
  if (has('float')) return 'float';
  const wider = (RANK[a] ?? 0) >= (RANK[b] ?? 0) ? a : b;
  return wider === 'counter' ? 'bigint' : wider;
}

export interface Operand {
  /** The operand as written, for messages and the column name. */
  text: string;
  /** Undefined for a bind marker or null, whose type an operation cannot infer. */
  type: CqlType | undefined;
}

export interface CompiledOperation {
  type: CqlType;
  apply(a: Buffer | null, b: Buffer | null): Buffer | null;
}

const isTemporal = (n: NativeTypeName | undefined): n is 'timestamp' | 'date' => n === 'timestamp' || n === 'date';

/** Resolves `left op right` to a result type and an evaluator, or fails with Cassandra's message. */
export function compileOperation(op: ArithmeticOp, left: Operand, right: Operand): CompiledOperation {
  const ambiguous = (): InvalidRequestError => new InvalidRequestError(
    `Ambiguous '${op}' operation with args ${left.text} and ${right.text}: use type hint to disambiguate, example '(int) ?'`);
  if (!left.type || !right.type) throw ambiguous();
  const a = native(left.type);
  const b = native(right.type);
  if (a && b && isNumeric(a) && isNumeric(b)) return numericOperation(op, a, b);
  if (a && b && (op === '+') && (a === 'text' || a === 'ascii') && (b === 'text' || b === 'ascii')) {
    const type = a === 'ascii' && b === 'ascii' ? T.ascii : T.text;
    return { type, apply: (x, y) => (x === null || y === null ? null : Buffer.concat([x, y])) };
  }
  if (isTemporal(a) && b === 'duration' && (op === '+' || op === '-')) return temporalOperation(op, a);
  // A timestamp reads as a bigint or a varint, so with a number or another timestamp several functions match.
  if ((a === 'timestamp' && (b === 'timestamp' || (b && isNumeric(b)))) || (b === 'timestamp' && a && isNumeric(a))) throw ambiguous();
  throw new InvalidRequestError(`the '${op}' operation is not supported between ${left.text} and ${right.text}`);
}

function failure(op: string, a: string, b: string, why: string): FunctionFailureError {
  return new FunctionFailureError(`the operation '${a} ${op} ${b}' failed: ${why}`, 'system', `_${op}`, [a, b]);
}

function numericOperation(op: ArithmeticOp, a: NativeTypeName, b: NativeTypeName): CompiledOperation {
  const result = numericResult(a, b);
  const type: CqlType = { kind: 'native', name: result };
  if (INTEGER_TYPES.has(result)) {
    return {
      type,
      apply(x, y) {
        if (x === null || y === null) return null;
        const p = readInteger(a, x);
        const q = readInteger(b, y);
        if ((op === '/' || op === '%') && q === 0n) throw failure(op, a, b, result === 'varint' ? 'BigInteger divide by zero' : '/ by zero');
        const v = op === '+' ? p + q : op === '-' ? p - q : op === '*' ? p * q : op === '/' ? p / q : p % q;
        return writeInteger(result, v);
      },
    };
  }
  if (result === 'float' || result === 'double') {
    const round = result === 'float' ? Math.fround : (v: number) => v;
    return {
      type,
      apply(x, y) {
        if (x === null || y === null) return null;
        const p = round(toDouble(a, x));
        const q = round(toDouble(b, y));
        const v = op === '+' ? p + q : op === '-' ? p - q : op === '*' ? p * q : op === '/' ? p / q : p % q;
        return writeFloating(result, round(v));
      },
    };
  }
  return {
    type,
    apply(x, y) {
      if (x === null || y === null) return null;
      const p = toBigDecimal(a, x);
      const q = toBigDecimal(b, y);
      if ((op === '/' || op === '%') && q.unscaled === 0n) throw failure(op, a, b, op === '/' ? 'BigInteger divide by zero' : 'Division by zero');
      const v = op === '+' ? decimalAdd(p, q) : op === '-' ? decimalSubtract(p, q) : op === '*' ? decimalMultiply(p, q)
        : op === '/' ? cassandraDecimalDivide(p, q) : decimalRemainder(p, q);
      return writeDecimal(v);
    },
  };
}

function temporalOperation(op: '+' | '-', a: 'timestamp' | 'date'): CompiledOperation {
  return {
    type: { kind: 'native', name: a },
    apply(x, y) {
      if (x === null || y === null || x.length === 0 || y.length === 0) return null;
      const d0 = decodeDuration(y)!;
      const d: Duration = op === '+' ? d0 : { months: -d0.months, days: -d0.days, nanoseconds: -d0.nanoseconds };
      if (a === 'timestamp') return addDurationToTimestamp(x, d);
      if (d0.nanoseconds !== 0n) throw failure(op, 'date', 'duration', `The duration must have a day precision. Was: ${durationToString(d0)}`);
      return addDurationToDate(x, d);
    },
  };
}

/** Unary minus: the same type, negated with Java's wrapping for the fixed-width integers. */
export function compileNegation(operand: Operand): CompiledOperation {
  const n = operand.type && native(operand.type);
  if (!n || !isNumeric(n)) throw new InvalidRequestError(`the '-' operation is not supported for ${operand.text}`);
  const type = operand.type!;
  return {
    type,
    apply(x) {
      if (x === null) return null;
      if (INTEGER_TYPES.has(n)) return writeInteger(n, -readInteger(n, x));
      if (n === 'float' || n === 'double') return writeFloating(n, -toDouble(n, x));
      const d = toBigDecimal(n, x);
      return writeDecimal({ unscaled: -d.unscaled, scale: d.scale });
    },
  };
}
