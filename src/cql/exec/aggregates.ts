// The native aggregate functions as Cassandra 5.0 computes them: count, min and max for any type; sum and avg for
// the numeric types. sum keeps the argument's type and wraps on overflow like Java's integer arithmetic; avg of an
// integer type divides an exact sum (no overflow) and truncates; avg of a decimal is Cassandra's running mean, each
// step rounded HALF_EVEN at the dividend's scale; float and double sums are Kahan-compensated. Over no rows count,
// sum and avg are 0, min and max null.
import { InvalidRequestError } from '../../model/errors.ts';
import { T, type CqlType, type NativeTypeName } from '../../model/types.ts';
import { readInteger, writeInteger } from '../../model/values/numbers.ts';
import { bigintToVarint, decodeDecimal, encodeDecimal, varintToBigint, type Decimal } from '../../model/values/codec.ts';
import { compareValues } from '../../model/values/compare.ts';
import { decimalAdd, decimalDivideKeepScale, decimalSubtract } from '../../model/values/decimal-math.ts';

/** One aggregate's running state over the rows of a group. */
export interface Accumulator {
  add(value: Buffer | null): void;
  result(): Buffer | null;
}

export interface AggregateFunction {
  name: 'count' | 'min' | 'max' | 'sum' | 'avg';
  returnType: CqlType;
  init(): Accumulator;
}

const NUMERIC_SUM = ['int', 'bigint', 'decimal', 'tinyint', 'float', 'smallint', 'varint', 'counter', 'double'];
const NUMERIC_AVG = ['double', 'varint', 'bigint', 'decimal', 'smallint', 'tinyint', 'int', 'float', 'counter'];

/** Cassandra lists the signatures in its registry's (hash) order; these are the orders 5.0.9 prints. */
function noSignature(name: 'sum' | 'avg'): InvalidRequestError {
  const names = name === 'sum' ? NUMERIC_SUM : NUMERIC_AVG;
  return new InvalidRequestError(`Invalid call to function ${name}, none of its type signatures match (known type signatures: ` +
    `${names.map((n) => `system.${name} : (${n}) -> ${n}`).join(', ')})`);
}

/** Kahan summation, with the plain sum kept for the one case it is right: a sum of same-signed infinities. */
class FloatingSum {
  private sum = 0;
  private compensation = 0;
  private simple = 0;
  count = 0;
  add(v: number): void {
    this.count++;
    this.simple += v;
    const y = v - this.compensation;
    const t = this.sum + y;
    this.compensation = (t - this.sum) - y;
    this.sum = t;
  }
  total(): number {
    return Number.isNaN(this.sum) && !Number.isFinite(this.simple) && !Number.isNaN(this.simple) ? this.simple : this.sum;
  }
}

function floatingAccumulator(name: 'float' | 'double', avg: boolean): Accumulator {
  const s = new FloatingSum();
  // A running mean as well: what avg falls back to when the sum overflows while the values do not.
  let mean = 0;
  return {
    add(v) {
      if (v === null || v.length === 0) return;
      const x = name === 'float' ? v.readFloatBE(0) : v.readDoubleBE(0);
      s.add(x);
      mean += (x - mean) / s.count;
    },
    result() {
      let r = s.total();
      if (avg) r = s.count === 0 ? 0 : Number.isFinite(r) || !Number.isFinite(mean) ? r / s.count : mean;
      const b = Buffer.alloc(name === 'float' ? 4 : 8);
      if (name === 'float') b.writeFloatBE(r);
      else b.writeDoubleBE(r);
      return b;
    },
  };
}

function decimalAccumulator(avg: boolean): Accumulator {
  let sum: Decimal = { unscaled: 0n, scale: 0 };
  let mean: Decimal = { unscaled: 0n, scale: 0 };
  let count = 0n;
  return {
    add(v) {
      if (v === null || v.length === 0) return;
      const d = decodeDecimal(v);
      count++;
      sum = decimalAdd(sum, d);
      mean = decimalAdd(mean, decimalDivideKeepScale(decimalSubtract(d, mean), { unscaled: count, scale: 0 }));
    },
    result: () => encodeDecimal(avg ? mean : sum),
  };
}

function integerAccumulator(name: NativeTypeName, avg: boolean): Accumulator {
  let sum = 0n;
  let count = 0n;
  return {
    add(v) {
      if (v === null || v.length === 0) return;
      sum += readInteger(name, v);
      count++;
    },
    // BigInt division truncates towards zero, as Java's does.
    result: () => writeInteger(name, avg ? (count === 0n ? 0n : sum / count) : sum),
  };
}

function numericAggregate(name: 'sum' | 'avg', arg: CqlType): AggregateFunction {
  const allowed = name === 'sum' ? NUMERIC_SUM : NUMERIC_AVG;
  if (arg.kind !== 'native' || !allowed.includes(arg.name)) throw noSignature(name);
  const t = arg.name;
  const avg = name === 'avg';
  const init = (): Accumulator => t === 'float' || t === 'double' ? floatingAccumulator(t, avg)
    : t === 'decimal' ? decimalAccumulator(avg) : integerAccumulator(t, avg);
  return { name, returnType: arg, init };
}

function extremum(name: 'min' | 'max', arg: CqlType): AggregateFunction {
  const sign = name === 'min' ? -1 : 1;
  return {
    name, returnType: arg,
    init: () => {
      let best: Buffer | null = null;
      return {
        add(v) {
          if (v === null) return;
          if (best === null || sign * compareValues(arg, v, best) > 0) best = v;
        },
        result: () => best,
      };
    },
  };
}

const countOf = (counted: (v: Buffer | null) => boolean): AggregateFunction => ({
  name: 'count', returnType: T.bigint,
  init: () => {
    let n = 0n;
    return { add: (v) => { if (counted(v)) n++; }, result: () => writeInteger('bigint', n) };
  },
});

/** count(*) and count(1): every row. */
export const COUNT_ROWS: AggregateFunction = countOf(() => true);

/** The aggregate `name` over arguments of `argTypes`; undefined when `name` is not an aggregate. */
export function getAggregate(name: string, argTypes: CqlType[]): AggregateFunction | undefined {
  if (name !== 'count' && name !== 'min' && name !== 'max' && name !== 'sum' && name !== 'avg') return undefined;
  if (name === 'count') {
    if (argTypes.length !== 1) throw new InvalidRequestError(`Invalid number of arguments in call to function system.count: 1 required but ${argTypes.length} provided`);
    return countOf((v) => v !== null);
  }
  if (name === 'min' || name === 'max') {
    if (argTypes.length !== 1) throw new InvalidRequestError(`Invalid number of arguments for function system.${name}(any)`);
    return extremum(name, argTypes[0]!);
  }
  if (argTypes.length !== 1) throw noSignature(name);
  return numericAggregate(name, argTypes[0]!);
}

export const isAggregateName = (name: string): boolean =>
  name === 'count' || name === 'min' || name === 'max' || name === 'sum' || name === 'avg';

