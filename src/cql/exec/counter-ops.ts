// Counter columns in CQL: what Cassandra refuses on a counter table (INSERT, setting a value, TTL, USING TIMESTAMP,
// conditions; a counter statement in a logged batch, mixed counter and non-counter batches), and the delta cells an
// increment produces (`c = c + n`, `c = c - n`), which only the counter's leader replica turns into shards.
import type { Assignment, ModificationStatement } from '../../model/ast.ts';
import type { ColumnDef, TableDef } from '../../schema/model.ts';
import type { Cell } from '../../storage/types.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { UNSET } from '../../protocol/messages.ts';
import { relationTermText } from './term-text.ts';
import type { WriteTime } from './cells.ts';
import type { ExecValue } from './values.ts';

/** Refusals of a statement on a counter table that depend only on its shape. */
export function checkCounterStatement(stmt: ModificationStatement): void {
  if (stmt.kind === 'insert') throw new InvalidRequestError('INSERT statements are not allowed on counter tables, use UPDATE instead');
  if (stmt.using.ttl) throw new InvalidRequestError('Cannot provide custom TTL for counter updates');
  if (stmt.using.timestamp) throw new InvalidRequestError('Cannot provide custom timestamp for counter updates');
}

/** Cassandra's words for `c = x + c` on anything but a list (its message prints the operator as "-"). */
export function prependError(c: ColumnDef, a: Assignment & { kind: 'prepend' }): InvalidRequestError {
  return new InvalidRequestError(`Invalid operation (${c.name} = ${relationTermText(a.value)} - ${c.name}) for non list column ${c.name}`);
}

export function setCounterError(c: ColumnDef): InvalidRequestError {
  return new InvalidRequestError(`Cannot set the value of counter column ${c.name} (counters can only be incremented/decremented, not set)`);
}

/** An increment's delta, as an 8-byte value in a cell stamped with the write time. */
export function counterDelta(v: ExecValue, negate: boolean, w: WriteTime): Cell {
  if (v === null || v === UNSET) throw new InvalidRequestError('Invalid null value for counter increment/decrement');
  const delta = BigInt.asIntN(64, negate ? -v.readBigInt64BE(0) : v.readBigInt64BE(0));
  const out = Buffer.alloc(8);
  out.writeBigInt64BE(delta);
  return { ts: w.ts, v: out };
}

/** Two increments of one counter in a statement (`c = c + 1, c = c + 2`) add up. */
export function addDeltas(a: Cell, b: Cell): Cell {
  const out = Buffer.alloc(8);
  out.writeBigInt64BE(BigInt.asIntN(64, a.v!.readBigInt64BE(0) + b.v!.readBigInt64BE(0)));
  return { ts: Math.max(a.ts, b.ts), v: out };
}

export type BatchType = 'LOGGED' | 'UNLOGGED' | 'COUNTER';

/** Cassandra's batch rules for counters; `counter` says, per statement, whether it is on a counter table. */
export function checkCounterBatch(type: BatchType, counter: boolean[], hasTimestamp: boolean): void {
  const counters = counter.filter(Boolean).length;
  if (type === 'LOGGED' && counters > 0) throw new InvalidRequestError('Cannot include a counter statement in a logged batch');
  if (type === 'COUNTER' && counters < counter.length) throw new InvalidRequestError('Cannot include non-counter statement in a counter batch');
  if (counters > 0 && counters < counter.length) throw new InvalidRequestError('Counter and non-counter mutations cannot exist in the same batch');
  if (type === 'COUNTER' && hasTimestamp) throw new InvalidRequestError('Cannot provide custom timestamp for counter BATCH');
}

export function isCounterTableDef(table: TableDef): boolean {
  return table.regular.some((c) => c.type.kind === 'native' && c.type.name === 'counter');
}
