// token(): the Murmur3 token of a partition key, as a function whose parameters are the table's partition key
// columns (so `token('a')` or `token(1, 'x')` take their types from the key, and other arguments are type errors).
import { T, type CqlType } from '../../model/types.ts';
import type { NativeFunction } from '../../model/values/functions.ts';
import { murmur3Token } from '../../model/murmur3.ts';
import { partitionKeyBytes } from './rows.ts';
import { encodeBigint } from './values.ts';

export function tokenFunction(partitionKeyTypes: CqlType[]): NativeFunction {
  const signature = { args: partitionKeyTypes, ret: T.bigint };
  return {
    name: 'token',
    signatures: [signature],
    returnType: () => T.bigint,
    call(args) {
      if (args.some((a) => a === null)) return null;
      return encodeBigint(murmur3Token(partitionKeyBytes(args as Buffer[])));
    },
  };
}
