// Paxos ballots, as Cassandra makes them: version-1 timeuuids whose timestamp is the proposer's clock in
// microseconds and whose clock-seq/node half is random, so two coordinators never make the same ballot. Ballots order
// by timestamp, then by the random half (a total order: Paxos needs every ballot to be distinct and comparable).
import type { Random } from '../../cluster/env.ts';
import { makeTimeUuid, timeuuidTicks } from '../../model/values/uuid.ts';

export type Ballot = Buffer;

/** The ballot's timestamp in µs: a commit's cells are written at it, so later Paxos rounds always win. */
export function ballotMicros(b: Ballot): number {
  return Number(timeuuidTicks(b) / 10n);
}

export function compareBallots(a: Ballot, b: Ballot): number {
  const ta = timeuuidTicks(a);
  const tb = timeuuidTicks(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return Buffer.compare(a.subarray(8), b.subarray(8));
}

/** Whether `a` is strictly after `b` (an absent ballot is before every ballot). */
export function isAfter(a: Ballot | undefined, b: Ballot | undefined): boolean {
  if (a === undefined) return false;
  return b === undefined || compareBallots(a, b) > 0;
}

export function maxBallot(a: Ballot | undefined, b: Ballot | undefined): Ballot | undefined {
  return isAfter(b, a) ? b : a;
}

/**
 * Makes a coordinator's ballots: strictly increasing, never below the clock, and above any ballot a replica reported
 * having promised, so that after a refusal the next attempt has a chance to win (Cassandra's
 * ClientState.getTimestampForPaxos).
 */
export class BallotClock {
  private lastMicros = 0;

  constructor(
    private readonly nowMicros: () => number,
    private readonly random: Random,
  ) {}

  next(minMicros = 0): Ballot {
    const micros = Math.max(Math.floor(this.nowMicros()), this.lastMicros + 1, Math.ceil(minMicros));
    this.lastMicros = micros;
    const lsb = Buffer.alloc(8);
    for (let i = 0; i < 8; i++) lsb[i] = this.random.int(256);
    lsb[0] = (lsb[0]! & 0x3f) | 0x80; // RFC 4122 variant
    return makeTimeUuid(BigInt(micros) * 10n, lsb);
  }
}
