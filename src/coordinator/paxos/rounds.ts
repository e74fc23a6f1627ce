// The message rounds of one Paxos attempt, each a request to every live participant and a tally of their answers:
// prepare (promises, with what replicas accepted and committed), propose (accepts), and commit (acks at the
// statement's consistency level). A round ends as soon as its outcome is known, so one slow or dead replica costs a
// round nothing while a quorum answers; the write timeout bounds every round.
import type { Timers } from '../../cluster/env.ts';
import type { RingEndpoint } from '../../cluster/ring.ts';
import type { PaxosPrepareResponse, PaxosProposal } from '../../messaging/verbs.ts';
import type { ConsistencyLevel } from '../../model/consistency.ts';
import { WriteTimeoutError } from '../../model/errors.ts';
import { isAfter } from './ballot.ts';
import { ballotMicros } from './ballot.ts';

export type Reply<R> = { from: RingEndpoint; ok: true; value: R } | { from: RingEndpoint; ok: false; error: unknown };

/**
 * Asks every target and calls `settled` after each reply; resolves with the replies so far once it returns true,
 * every target has answered, or `timeoutMs` has passed (then `timedOut`).
 */
export function gather<R>(timers: Timers, timeoutMs: number, targets: readonly RingEndpoint[], ask: (r: RingEndpoint) => Promise<R>,
  settled: (replies: ReadonlyArray<Reply<R>>) => boolean): Promise<{ replies: Array<Reply<R>>; timedOut: boolean }> {
  return new Promise((resolve) => {
    const replies: Array<Reply<R>> = [];
    let done = false;
    const finish = (timedOut: boolean): void => {
      if (done) return;
      done = true;
      timers.clearTimeout(timer);
      resolve({ replies: [...replies], timedOut });
    };
    const timer = timers.setTimeout(() => finish(true), timeoutMs);
    const record = (reply: Reply<R>): void => {
      if (done) return;
      replies.push(reply);
      if (settled(replies) || replies.length === targets.length) finish(false);
    };
    if (targets.length === 0) finish(false);
    for (const r of targets) {
      // Asked through a microtask: a local answer must not settle the round before the other requests are sent.
      void Promise.resolve().then(() => ask(r)).then(
        (value) => record({ from: r, ok: true, value }),
        (error: unknown) => record({ from: r, ok: false, error }),
      );
    }
  });
}

/** Who takes part in the Paxos rounds of a partition, and how many of them make a quorum. */
export interface Participants {
  serialCl: ConsistencyLevel;
  live: RingEndpoint[];
  required: number;
}

export interface PrepareSummary {
  /** A quorum promised (no participant refused before it did). */
  promised: boolean;
  /** The promises and refusals received, by participant. */
  responses: Array<{ from: RingEndpoint; response: PaxosPrepareResponse }>;
  mostRecentCommit?: PaxosProposal;
  /** The most recent proposal any participant accepted (empty ones included). */
  inProgress?: PaxosProposal;
  /** The highest ballot timestamp seen in any answer: the next ballot must be above it to have a chance. */
  highestMicros: number;
}

export function summarizePrepare(replies: ReadonlyArray<Reply<PaxosPrepareResponse>>, required: number): PrepareSummary {
  const s: PrepareSummary = { promised: false, responses: [], highestMicros: 0 };
  let promises = 0;
  let refused = false;
  const see = (b: Buffer | undefined): void => {
    if (b) s.highestMicros = Math.max(s.highestMicros, ballotMicros(b));
  };
  for (const r of replies) {
    if (!r.ok) continue;
    const res = r.value;
    s.responses.push({ from: r.from, response: res });
    see(res.promisedBallot);
    see(res.accepted?.ballot);
    see(res.committed?.ballot);
    if (res.committed && isAfter(res.committed.ballot, s.mostRecentCommit?.ballot)) s.mostRecentCommit = res.committed;
    if (!res.promised) {
      refused = true;
      continue;
    }
    promises++;
    if (res.accepted && isAfter(res.accepted.ballot, s.inProgress?.ballot)) s.inProgress = res.accepted;
  }
  s.promised = !refused && promises >= required;
  return s;
}

/**
 * Phase 1. Ends at the first refusal (someone promised a higher ballot: retrying is the only way on) or at a
 * quorum of promises; fails with WriteTimeout (write type CAS) when neither comes in time.
 */
export async function prepareRound(timers: Timers, timeoutMs: number, p: Participants,
  ask: (r: RingEndpoint) => Promise<PaxosPrepareResponse>): Promise<PrepareSummary> {
  const { replies } = await gather(timers, timeoutMs, p.live, ask, (rs) => {
    let promises = 0;
    for (const r of rs) {
      if (r.ok && !r.value.promised) return true;
      if (r.ok) promises++;
    }
    return promises >= p.required;
  });
  const s = summarizePrepare(replies, p.required);
  const refused = s.responses.some((x) => !x.response.promised);
  if (!s.promised && !refused) throw new WriteTimeoutError(p.serialCl, s.responses.length, p.required, 'CAS');
  return s;
}

export interface ProposeOutcome {
  accepted: boolean;
  accepts: number;
  /** Every participant answered, and each refused: nobody holds the proposal, so retrying cannot duplicate it. */
  fullyRefused: boolean;
}

/**
 * Phase 2. Succeeds at a quorum of accepts. With `failFast` it gives up as soon as a quorum is out of reach (for
 * proposals that only repair or seal a round); without, it waits for every participant, because a proposal some
 * replica accepted may still be completed by a later round and the caller must then report the outcome unknown.
 */
export async function proposeRound(timers: Timers, timeoutMs: number, p: Participants, failFast: boolean,
  ask: (r: RingEndpoint) => Promise<boolean>): Promise<ProposeOutcome> {
  const count = (rs: ReadonlyArray<Reply<boolean>>): { accepts: number; refusals: number } => {
    let accepts = 0;
    let refusals = 0;
    for (const r of rs) {
      if (r.ok && r.value) accepts++;
      else refusals++;
    }
    return { accepts, refusals };
  };
  const { replies } = await gather(timers, timeoutMs, p.live, ask, (rs) => {
    const c = count(rs);
    return c.accepts >= p.required || (failFast && p.live.length - c.refusals < p.required);
  });
  const { accepts } = count(replies);
  const explicitRefusals = replies.filter((r) => r.ok && !r.value).length;
  return { accepted: accepts >= p.required, accepts, fullyRefused: accepts === 0 && explicitRefusals === p.live.length };
}
