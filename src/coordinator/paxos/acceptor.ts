// The replica side of Paxos (Cassandra's PaxosState, "v1"): per partition, the highest ballot promised, the last
// proposal accepted and the most recent commit, kept in a node-local table (the PaxosStateStore: an LMDB database in
// a node, Cassandra's system.paxos) so that a replica that restarts still keeps its promises. Each partition's state
// is read, decided on and written under a per-partition lock, and a reply leaves only once the new state is durable.
import type { TableDef } from '../../schema/model.ts';
import type { PartitionData } from '../../storage/types.ts';
import type { PaxosPrepareResponse, PaxosProposal } from '../../messaging/verbs.ts';
import { isAfter, compareBallots, type Ballot } from './ballot.ts';

/** One partition's Paxos state, as persisted. Fields are absent (never undefined-valued) when not set. */
export interface PaxosRecord {
  promised?: Ballot;
  accepted?: PaxosProposal;
  committed?: PaxosProposal;
}

/** Where a node keeps Paxos state (StorageEngine implements it; the simulator keeps it in memory). */
export interface PaxosStateStore {
  loadPaxos(tableId: string, key: Buffer): PaxosRecord | undefined;
  /** Resolves once the record is as durable as the node's commit log setting makes writes. */
  savePaxos(tableId: string, key: Buffer, record: PaxosRecord): Promise<void>;
}

/** How a commit reaches the replica's data. */
export type ApplyUpdate = (table: TableDef, update: PartitionData) => Promise<void>;

export function isEmptyUpdate(u: PartitionData): boolean {
  return u.rows.length === 0 && u.staticRow === undefined && u.deletion === undefined && u.rangeTombstones.length === 0;
}

const noop = (): void => undefined;

/** Copies only the fields that are set: msgpack would carry an undefined field as null. */
function record(promised: Ballot | undefined, accepted: PaxosProposal | undefined, committed: PaxosProposal | undefined): PaxosRecord {
  const r: PaxosRecord = {};
  if (promised) r.promised = promised;
  if (accepted) r.accepted = accepted;
  if (committed) r.committed = committed;
  return r;
}

export class PaxosAcceptor {
  private readonly locks = new Map<string, Promise<void>>();

  constructor(
    private readonly store: PaxosStateStore,
    private readonly apply: ApplyUpdate,
  ) {}

  private locked<T>(table: TableDef, key: Buffer, fn: () => Promise<T>): Promise<T> {
    const id = `${table.id}:${key.toString('hex')}`;
    const run = (this.locks.get(id) ?? Promise.resolve()).then(fn);
    const tail = run.then(noop, noop);
    this.locks.set(id, tail);
    void tail.then(() => {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    });
    return run;
  }

  private load(table: TableDef, key: Buffer): PaxosRecord {
    return this.store.loadPaxos(table.id, key) ?? {};
  }

  /** Phase 1: promises `ballot` if it is newer than any promise made, answering with what was accepted and committed. */
  prepare(table: TableDef, key: Buffer, ballot: Ballot): Promise<PaxosPrepareResponse> {
    return this.locked(table, key, async () => {
      const s = this.load(table, key);
      if (!isAfter(ballot, s.promised)) {
        const refusal: PaxosPrepareResponse = { promised: false };
        if (s.promised) refusal.promisedBallot = s.promised;
        if (s.committed) refusal.committed = s.committed;
        return refusal;
      }
      await this.store.savePaxos(table.id, key, record(ballot, s.accepted, s.committed));
      const promise: PaxosPrepareResponse = { promised: true };
      if (s.accepted) promise.accepted = s.accepted;
      if (s.committed) promise.committed = s.committed;
      return promise;
    });
  }

  /** Phase 2: accepts the proposal unless a higher ballot has been promised since. */
  propose(table: TableDef, key: Buffer, proposal: PaxosProposal): Promise<boolean> {
    return this.locked(table, key, async () => {
      const s = this.load(table, key);
      const acceptable = s.promised === undefined || compareBallots(proposal.ballot, s.promised) >= 0;
      if (!acceptable) return false;
      await this.store.savePaxos(table.id, key, record(proposal.ballot, proposal, s.committed));
      return true;
    });
  }

  /**
   * Learns a chosen proposal: its update is applied to the data (always safe, whatever the order commits arrive in,
   * since its cells carry the ballot's timestamp), it becomes the most recent commit if it is newer, and an accepted
   * proposal it supersedes is cleared (one with a newer ballot stays: it belongs to a later round).
   */
  commit(table: TableDef, key: Buffer, proposal: PaxosProposal): Promise<void> {
    return this.locked(table, key, async () => {
      if (!isEmptyUpdate(proposal.update)) await this.apply(table, proposal.update);
      const s = this.load(table, key);
      const committed = isAfter(proposal.ballot, s.committed?.ballot) ? proposal : s.committed;
      const accepted = s.accepted && isAfter(s.accepted.ballot, proposal.ballot) ? s.accepted : undefined;
      await this.store.savePaxos(table.id, key, record(s.promised, accepted, committed));
    });
  }
}

/** Paxos state in memory: for a coordinator without a node store (tests). A real node keeps it durable. */
export class MemoryPaxosStore implements PaxosStateStore {
  private readonly records = new Map<string, PaxosRecord>();

  loadPaxos(tableId: string, key: Buffer): PaxosRecord | undefined {
    return this.records.get(`${tableId}:${key.toString('hex')}`);
  }

  async savePaxos(tableId: string, key: Buffer, rec: PaxosRecord): Promise<void> {
    this.records.set(`${tableId}:${key.toString('hex')}`, rec);
  }
}
