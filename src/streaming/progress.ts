// What `nodetool netstats` shows of streams: per plan (one repair sync, one bootstrap), per peer, what is received
// and sent. A "file" in Cassandra's output is one SSTable section; here it is one (table, range) of a plan, the unit
// that is resumed after a failure.

export type StreamDirection = 'in' | 'out';

export interface StreamTaskProgress {
  /** `keyspace/table (left,right]`. */
  name: string;
  bytes: number;
  partitions: number;
  done: boolean;
}

export interface StreamSessionProgress {
  peer: string;
  receiving: StreamTaskProgress[];
  sending: StreamTaskProgress[];
}

export interface StreamPlanProgress {
  planId: string;
  /** Cassandra's StreamOperation description: Repair, Bootstrap, Rebuild, Unbootstrap. */
  operation: string;
  sessions: StreamSessionProgress[];
}

/** The streams of one node in flight (finished plans are forgotten, as Cassandra's netstats forgets them). */
export class StreamRegistry {
  private readonly plans = new Map<string, StreamPlanProgress>();
  /** Bytes and partitions received and sent since the start (metrics, tests). */
  readonly totals = { receivedBytes: 0, sentBytes: 0, receivedPartitions: 0, sentPartitions: 0 };

  task(planId: string, operation: string, peer: string, dir: StreamDirection, name: string): StreamTaskProgress {
    let plan = this.plans.get(planId);
    if (plan === undefined) this.plans.set(planId, (plan = { planId, operation, sessions: [] }));
    let session = plan.sessions.find((s) => s.peer === peer);
    if (session === undefined) plan.sessions.push((session = { peer, receiving: [], sending: [] }));
    const list = dir === 'in' ? session.receiving : session.sending;
    let task = list.find((t) => t.name === name);
    if (task === undefined) list.push((task = { name, bytes: 0, partitions: 0, done: false }));
    return task;
  }

  count(dir: StreamDirection, bytes: number, partitions: number): void {
    if (dir === 'in') {
      this.totals.receivedBytes += bytes;
      this.totals.receivedPartitions += partitions;
    } else {
      this.totals.sentBytes += bytes;
      this.totals.sentPartitions += partitions;
    }
  }

  finish(planId: string): void {
    this.plans.delete(planId);
  }

  /** The sending side forgets a plan's tasks of a peer once they are all done. */
  finishSending(planId: string, peer: string): void {
    const plan = this.plans.get(planId);
    if (plan === undefined) return;
    const s = plan.sessions.find((x) => x.peer === peer);
    if (s !== undefined && s.sending.every((t) => t.done) && s.receiving.length === 0) plan.sessions.splice(plan.sessions.indexOf(s), 1);
    if (plan.sessions.length === 0) this.plans.delete(planId);
  }

  snapshot(): StreamPlanProgress[] {
    return structuredClone([...this.plans.values()]);
  }
}
