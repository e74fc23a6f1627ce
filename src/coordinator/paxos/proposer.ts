// Lightweight transactions: Cassandra's Paxos "v1" run by the coordinator over the replicas of one partition.
// Each attempt prepares a fresh ballot (a timeuuid of the injected clock) with a quorum of participants (every
// replica for SERIAL, those of the local DC for LOCAL_SERIAL); completes any proposal a participant accepted that was
// never committed, and re-sends the latest commit to participants that missed it, before going on (so the quorum read
// that follows sees every earlier round); reads the partition at QUORUM/LOCAL_QUORUM, decides, proposes the update
// (or, when the condition fails, an empty proposal that seals the round: CASSANDRA-12126), and commits at the
// statement's consistency level. Contention (a replica promised a higher ballot) backs off a random 0-100 ms and
// retries until cas_contention_timeout. Time, randomness and the network are injected, so the simulator drives it.
import type { Clock, Random, Timers } from '../../cluster/env.ts';
import type { RingEndpoint } from '../../cluster/ring.ts';
import type { KeyspaceDef, TableDef } from '../../schema/model.ts';
import type { PartitionData, ReadFilter } from '../../storage/types.ts';
import { Consistency, type ConsistencyLevel } from '../../model/consistency.ts';
import { ReadTimeoutError, UnavailableError, WriteTimeoutError } from '../../model/errors.ts';
import { RemoteError } from '../../messaging/errors.ts';
import { handle, send, Verbs, type PaxosProposal, type TableRef, type VerbMessenger } from '../../messaging/verbs.ts';
import { assureSufficientLiveReplicas, quorumOf } from '../consistency.ts';
import { AckCounter, replicaSet, type Topology } from '../replica-set.ts';
import { PaxosAcceptor, isEmptyUpdate, type ApplyUpdate, type PaxosStateStore } from './acceptor.ts';
import { BallotClock, ballotMicros, isAfter, type Ballot } from './ballot.ts';
import { gather, prepareRound, proposeRound, type Participants } from './rounds.ts';
import { shiftTimestamps } from './timestamps.ts';

export type ReadAt = (ks: KeyspaceDef, table: TableDef, key: Buffer, token: bigint, filter: ReadFilter, cl: ConsistencyLevel,
  nowSec: number) => Promise<PartitionData | undefined>;

export interface PaxosOptions {
  topology: Topology;
  messenger: VerbMessenger;
  clock: Clock;
  timers: Timers;
  random: Random;
  nowMicros: () => number;
  store: PaxosStateStore;
  /** Applies a committed update to this node's data. */
  apply: ApplyUpdate;
  table: (ref: TableRef) => TableDef;
  /** The ordinary (non-serial) read path, for reading the current values at QUORUM/LOCAL_QUORUM. */
  read: ReadAt;
  /** Keeps a hint for a replica that missed a commit (it is down or did not answer). */
  hint: (target: string, table: TableDef, update: PartitionData) => void;
  writeTimeoutMs: number;
  casContentionTimeoutMs: number;
}

/** One conditional write: what to read, and how to decide from what was read. */
export interface CasRequest {
  table: TableDef;
  key: Buffer;
  token: bigint;
  filter: ReadFilter;
  nowSec: number;
  /** The update to propose, written at `tsMicros`, when the conditions hold for `current`; undefined when not. */
  decide(current: PartitionData | undefined, tsMicros: number): Promise<PartitionData | undefined>;
}

export interface CasResult {
  applied: boolean;
  /** The partition as read for the decision. */
  current: PartitionData | undefined;
}

/**
 * Deliberate bugs, for the simulator's proof that its linearizability check can fail: `no-repair` skips completing
 * in-progress proposals and re-sending missed commits; `minority` takes one participant's word for a quorum.
 */
export type PaxosFlaw = 'no-repair' | 'minority';

const MAX_BACKOFF_MS = 100;

interface Target {
  ks: KeyspaceDef;
  table: TableDef;
  ref: TableRef;
  key: Buffer;
  token: bigint;
}

const isSerialLocal = (cl: ConsistencyLevel): boolean => cl === Consistency.LOCAL_SERIAL;

export class PaxosProposer {
  readonly acceptor: PaxosAcceptor;
  /** Set only by the simulator's broken-variant test. */
  flaw: PaxosFlaw | undefined;
  private readonly ballots: BallotClock;

  constructor(private readonly o: PaxosOptions) {
    this.acceptor = new PaxosAcceptor(o.store, o.apply);
    this.ballots = new BallotClock(o.nowMicros, o.random);
    handle(o.messenger, Verbs.PAXOS_PREPARE, (p) => this.acceptor.prepare(o.table(p.t), p.key, p.ballot));
    handle(o.messenger, Verbs.PAXOS_PROPOSE, (p) => this.acceptor.propose(o.table(p.t), p.key, p.proposal));
    handle(o.messenger, Verbs.PAXOS_COMMIT, async (p) => {
      await this.acceptor.commit(o.table(p.t), p.key, p.proposal);
      return true as const;
    });
  }

  /** A conditional write (INSERT … IF NOT EXISTS, UPDATE/DELETE … IF, a conditional batch) on one partition. */
  async cas(ks: KeyspaceDef, req: CasRequest, serialCl: ConsistencyLevel, commitCl: ConsistencyLevel): Promise<CasResult> {
    const t = this.target(ks, req.table, req.key, req.token);
    const start = this.o.clock.now();
    let required = 0;
    while (this.o.clock.now() - start < this.o.casContentionTimeoutMs) {
      const p = this.participants(t, serialCl);
      required = p.required;
      if (commitCl !== Consistency.ANY) assureSufficientLiveReplicas(commitCl, replicaSet(this.o.topology, ks, t.token).view, true);
      const ballot = await this.begin(t, p, commitCl, start);
      if (ballot === undefined) break;
      const current = await this.o.read(ks, t.table, t.key, t.token, req.filter, readCl(serialCl), req.nowSec);
      const update = await req.decide(current, ballotMicros(ballot));
      if (update === undefined) {
        // The condition failed: no update, but an empty proposal at this ballot, so that no older proposal that a
        // minority accepted can be completed after this read and contradict it (CASSANDRA-12126).
        if ((await this.propose(t, p, { ballot, update: emptyUpdate(t) }, true)).accepted) return { applied: false, current };
        await this.backoff();
        continue;
      }
      const proposal: PaxosProposal = { ballot, update };
      const outcome = await this.propose(t, p, proposal, false);
      if (outcome.accepted) {
        await this.commit(t, proposal, commitCl);
        return { applied: true, current };
      }
      // Some participant may hold the proposal and a later round may complete it: the outcome is unknown.
      if (!outcome.fullyRefused) throw new WriteTimeoutError(serialCl, outcome.accepts, p.required, 'CAS');
      await this.backoff();
    }
    throw new WriteTimeoutError(serialCl, 0, required || this.participants(t, serialCl).required, 'CAS');
  }

  /** A SELECT at SERIAL/LOCAL_SERIAL: completes what is in progress, seals the round, then reads at QUORUM. */
  async serialRead(ks: KeyspaceDef, table: TableDef, key: Buffer, token: bigint, filter: ReadFilter, serialCl: ConsistencyLevel,
    nowSec: number): Promise<PartitionData | undefined> {
    const t = this.target(ks, table, key, token);
    const start = this.o.clock.now();
    let required = 0;
    try {
      while (this.o.clock.now() - start < this.o.casContentionTimeoutMs) {
        const p = this.participants(t, serialCl);
        required = p.required;
        const ballot = await this.begin(t, p, readCl(serialCl), start);
        if (ballot === undefined) break;
        if ((await this.propose(t, p, { ballot, update: emptyUpdate(t) }, true)).accepted) {
          return await this.o.read(ks, table, key, token, filter, readCl(serialCl), nowSec);
        }
        await this.backoff();
      }
    } catch (e) {
      // Cassandra reports a serial read's Paxos timeouts as read timeouts.
      if (e instanceof WriteTimeoutError) throw new ReadTimeoutError(serialCl, 0, e.blockFor, false);
      throw e;
    }
    throw new ReadTimeoutError(serialCl, 0, required, false);
  }

  private target(ks: KeyspaceDef, table: TableDef, key: Buffer, token: bigint): Target {
    return { ks, table, ref: { ks: table.keyspace, table: table.name, id: table.id }, key, token };
  }

  private participants(t: Target, serialCl: ConsistencyLevel): Participants {
    const rs = replicaSet(this.o.topology, t.ks, t.token);
    const inScope = (r: RingEndpoint): boolean => !isSerialLocal(serialCl) || r.dc === this.o.topology.localDc;
    const all = rs.all.filter(inScope);
    const live = rs.alive.filter(inScope);
    // A quorum of the replication factor too, not only of the replicas the ring shows: a node that has just restarted
    // and knows only itself from gossip must not take its own promise for a quorum.
    const rf = isSerialLocal(serialCl) && !rs.view.dcAgnostic ? (rs.view.rfByDc.get(this.o.topology.localDc) ?? 0)
      : [...rs.view.rfByDc.values()].reduce((a, b) => a + b, 0);
    const required = this.flaw === 'minority' ? 1 : quorumOf(Math.max(all.length, rf));
    if (live.length < required) throw new UnavailableError(serialCl, required, live.length);
    return { serialCl, live, required };
  }

  /**
   * Prepares ballots until a quorum promises one with nothing left to finish: an in-progress proposal newer than the
   * latest commit is re-proposed under the new ballot and committed, and participants missing the latest commit get
   * it (CASSANDRA-5062: a round may only start once a quorum has learnt the previous one). Undefined on timeout.
   */
  private async begin(t: Target, p: Participants, replayCl: ConsistencyLevel, start: number): Promise<Ballot | undefined> {
    let minMicros = 0;
    while (this.o.clock.now() - start < this.o.casContentionTimeoutMs) {
      const ballot = this.ballots.next(minMicros);
      const s = await prepareRound(this.o.timers, this.o.writeTimeoutMs, p, (r) => (r.id === this.o.topology.self
        ? this.acceptor.prepare(t.table, t.key, ballot)
        : send(this.o.messenger, r.id, Verbs.PAXOS_PREPARE, { t: t.ref, key: t.key, token: t.token, ballot }, this.o.writeTimeoutMs)));
      minMicros = s.highestMicros + 1;
      if (!s.promised) {
        await this.backoff();
        continue;
      }
      if (this.flaw === 'no-repair') return ballot;
      const inProgress = s.inProgress;
      if (inProgress && !isEmptyUpdate(inProgress.update) && isAfter(inProgress.ballot, s.mostRecentCommit?.ballot)) {
        const refreshed: PaxosProposal = {
          ballot, update: shiftTimestamps(inProgress.update, ballotMicros(ballot) - ballotMicros(inProgress.ballot)),
        };
        if ((await this.propose(t, p, refreshed, true)).accepted) await this.commit(t, refreshed, replayCl);
        else await this.backoff();
        continue;
      }
      const mrc = s.mostRecentCommit;
      const missing = mrc ? s.responses.filter((x) => isAfter(mrc.ballot, x.response.committed?.ballot)).map((x) => x.from) : [];
      if (mrc && missing.length > 0) {
        await gather(this.o.timers, this.o.writeTimeoutMs, missing, (r) => this.commitTo(r, t, mrc), () => false);
        continue;
      }
      return ballot;
    }
    return undefined;
  }

  private propose(t: Target, p: Participants, proposal: PaxosProposal, failFast: boolean): ReturnType<typeof proposeRound> {
    return proposeRound(this.o.timers, this.o.writeTimeoutMs, p, failFast, (r) => (r.id === this.o.topology.self
      ? this.acceptor.propose(t.table, t.key, proposal)
      : send(this.o.messenger, r.id, Verbs.PAXOS_PROPOSE, { t: t.ref, key: t.key, token: t.token, proposal }, this.o.writeTimeoutMs)));
  }

  private commitTo(r: RingEndpoint, t: Target, proposal: PaxosProposal): Promise<unknown> {
    return r.id === this.o.topology.self
      ? this.acceptor.commit(t.table, t.key, proposal)
      : send(this.o.messenger, r.id, Verbs.PAXOS_COMMIT, { t: t.ref, key: t.key, token: t.token, proposal }, this.o.writeTimeoutMs);
  }

  /**
   * Sends the commit to every replica of the partition (all DCs), hinting those down or silent, and waits for the
   * consistency level (not at all for ANY). Missing it is a WriteTimeout of write type SIMPLE, as in Cassandra.
   */
  private async commit(t: Target, proposal: PaxosProposal, cl: ConsistencyLevel): Promise<void> {
    const rs = replicaSet(this.o.topology, t.ks, t.token);
    for (const r of rs.dead) this.o.hint(r.id, t.table, proposal.update);
    const counter = new AckCounter(cl, rs.view);
    // A replica that did not answer is hinted, as for any write; one that answered with an error refused it.
    const ask = (r: RingEndpoint): Promise<unknown> => this.commitTo(r, t, proposal).catch((e: unknown) => {
      if (r.id !== this.o.topology.self && !(e instanceof RemoteError)) this.o.hint(r.id, t.table, proposal.update);
      throw e;
    });
    const round = gather(this.o.timers, this.o.writeTimeoutMs, rs.alive, ask, (replies) => {
      const last = replies[replies.length - 1]!;
      if (last.ok) counter.ack(last.from.dc);
      return cl !== Consistency.ANY && counter.satisfied();
    });
    if (cl === Consistency.ANY) return;
    await round;
    if (!counter.satisfied()) throw new WriteTimeoutError(cl, counter.received, counter.blockFor, 'SIMPLE');
  }

  private backoff(): Promise<void> {
    return new Promise((resolve) => this.o.timers.setTimeout(resolve, this.o.random.int(MAX_BACKOFF_MS)));
  }
}

const readCl = (serialCl: ConsistencyLevel): ConsistencyLevel => (isSerialLocal(serialCl) ? Consistency.LOCAL_QUORUM : Consistency.QUORUM);

function emptyUpdate(t: Target): PartitionData {
  return { key: t.key, token: t.token, rows: [], rangeTombstones: [] };
}
