// Streaming: the rows of given token ranges and tables, from one node to another. The receiver pulls a range page by
// page (STREAM_PAGE) and applies each page before asking for the next, so a stream holds one page in memory on
// either side whatever the range's size, and a failed stream resumes each range after the last partition applied
// (a range already complete is not sent again). The sender answers a page only once stream_throughput_outbound
// allows its bytes. Pages carry partitions whole, tombstones included, and are applied through the replica store's
// normal write path (merge by timestamp, indexes maintained), so streaming into a replica that already has some of
// the rows is harmless: this is what makes repair's "stream both ways" and a resumed bootstrap correct.
import type { Clock, Timers } from '../cluster/env.ts';
import type { ReplicaStore } from '../coordinator/cluster.ts';
import { hintSizeBytes } from '../coordinator/hints.ts';
import { handle, send, StreamVerbs, type StreamPageRequest, type StreamPageResponse, type TableRef, type VerbMessenger } from '../messaging/verbs.ts';
import type { Schema, TableDef } from '../schema/model.ts';
import type { PartitionData } from '../storage/types.ts';
import { StreamRegistry, type StreamPlanProgress } from './progress.ts';
import { formatRange, scanRangeOf, unwrap, type TokenRange } from './ranges.ts';
import { RateLimiter } from './throttle.ts';

/** Partitions per page, and the bytes after which a page is cut short (a page is at least one partition). */
export const PAGE_PARTITIONS = 256;
export const PAGE_BYTES = 1 << 20;
const PAGE_TIMEOUT_MS = 60_000;
/** Attempts per page before the stream fails (it can then be resumed); the wait between them doubles. */
const PAGE_ATTEMPTS = 4;
const RETRY_BASE_MS = 500;

export interface StreamEnv {
  messenger: VerbMessenger & { readonly self: string };
  store: ReplicaStore;
  schema: () => Schema;
  clock: Clock;
  timers: Timers;
  nowSec: () => number;
  /** stream_throughput_outbound in bytes per second (0: unthrottled); read at each page, so it can change live. */
  throughputBytesPerSec: () => number;
  log: (msg: string, err?: unknown) => void;
}

/** A stream failed part-way; `plan` resumes it where it stopped. */
export class StreamFailedError extends Error {
  override readonly name = 'StreamFailedError';
  constructor(message: string, readonly plan: StreamPlan) {
    super(message);
  }
}

interface StreamTask {
  table: TableDef;
  piece: TokenRange;
  after?: { token: bigint; key: Buffer };
  done: boolean;
}

/** One stream plan: ranges of tables to receive from one peer, each task resumable after its last applied partition. */
export class StreamPlan {
  readonly tasks: StreamTask[] = [];
  bytes = 0;
  partitions = 0;

  constructor(readonly planId: string, readonly operation: string, readonly peer: string, tables: TableDef[], ranges: TokenRange[]) {
    for (const table of tables) for (const r of ranges) for (const piece of unwrap(r)) this.tasks.push({ table, piece, done: false });
  }

  get complete(): boolean {
    return this.tasks.every((t) => t.done);
  }
}

const refOf = (t: TableDef): TableRef => ({ ks: t.keyspace, table: t.name, id: t.id });
const taskName = (t: TableDef, r: TokenRange): string => `${t.keyspace}/${t.name} ${formatRange(r)}`;

export class StreamService {
  readonly registry = new StreamRegistry();
  private readonly limiter: RateLimiter;

  constructor(private readonly env: StreamEnv) {
    this.limiter = new RateLimiter(env.clock, env.timers, env.throughputBytesPerSec);
    handle(env.messenger, StreamVerbs.STREAM_PAGE, (req, from) => this.onPage(req, from));
  }

  /** Runs (or resumes) a plan: every unfinished task, page by page. Throws StreamFailedError after repeated failures. */
  async run(plan: StreamPlan): Promise<StreamPlan> {
    try {
      for (const task of plan.tasks) {
        if (!task.done) await this.runTask(plan, task);
      }
    } catch (e) {
      this.env.log(`stream ${plan.planId} from ${plan.peer} failed`, e);
      throw new StreamFailedError(`Stream failed: ${plan.operation} ${plan.planId} from ${plan.peer}: ${(e as Error).message}`, plan);
    } finally {
      this.registry.finish(plan.planId);
    }
    return plan;
  }

  netstats(): StreamPlanProgress[] {
    return this.registry.snapshot();
  }

  private async runTask(plan: StreamPlan, task: StreamTask): Promise<void> {
    const progress = this.registry.task(plan.planId, plan.operation, plan.peer, 'in', taskName(task.table, task.piece));
    for (let pages = 0; !task.done; pages++) {
      if (pages > Number.MAX_SAFE_INTEGER) throw new Error('unbounded stream');
      const page = await this.fetchPage(plan, task);
      if (page.partitions.length > 0) {
        await this.env.store.applyMany(page.partitions.map((update) => ({ table: task.table, update })));
        const last = page.partitions[page.partitions.length - 1]!;
        task.after = { token: last.token, key: last.key };
      }
      plan.bytes += page.bytes;
      plan.partitions += page.partitions.length;
      progress.bytes += page.bytes;
      progress.partitions += page.partitions.length;
      this.registry.count('in', page.bytes, page.partitions.length);
      task.done = page.done;
    }
    progress.done = true;
  }

  private async fetchPage(plan: StreamPlan, task: StreamTask): Promise<StreamPageResponse> {
    const req: StreamPageRequest = {
      plan: plan.planId, op: plan.operation, t: refOf(task.table), range: task.piece, limit: PAGE_PARTITIONS,
      now: this.env.nowSec(), ...(task.after ? { after: task.after } : {}),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        return await send(this.env.messenger, plan.peer, StreamVerbs.STREAM_PAGE, req, PAGE_TIMEOUT_MS);
      } catch (e) {
        if (attempt >= PAGE_ATTEMPTS) throw e;
        await new Promise<void>((r) => this.env.timers.setTimeout(r, RETRY_BASE_MS * 2 ** (attempt - 1)));
      }
    }
  }

  /** The sending side: one page of the range after the receiver's cursor, at the pace the throttle allows. */
  private async onPage(req: StreamPageRequest, from: string): Promise<StreamPageResponse> {
    const table = this.table(req.t);
    const start = req.after ? { token: req.after.token, key: req.after.key, inclusive: false } : scanRangeOf(req.range).start;
    const limit = Math.max(1, Math.min(req.limit, PAGE_PARTITIONS));
    const found = this.env.store.scan(table, { start, endToken: req.range.right }, {}, limit, req.now);
    const partitions: PartitionData[] = [];
    let bytes = 0;
    for (const p of found) {
      partitions.push(p);
      bytes += hintSizeBytes([{ table, update: p }]);
      if (bytes >= PAGE_BYTES) break;
    }
    const done = partitions.length === found.length && found.length < limit;
    await this.limiter.acquire(bytes);
    const progress = this.registry.task(req.plan, req.op, from, 'out', taskName(table, req.range));
    progress.bytes += bytes;
    progress.partitions += partitions.length;
    progress.done = done;
    this.registry.count('out', bytes, partitions.length);
    if (done) this.registry.finishSending(req.plan, from);
    return { partitions, bytes, done };
  }

  private table(ref: TableRef): TableDef {
    const t = this.env.schema().keyspaces.get(ref.ks)?.tables.get(ref.table);
    if (t === undefined || t.id !== ref.id) throw new Error(`unknown table ${ref.ks}.${ref.table} (${ref.id})`);
    return t;
  }
}
