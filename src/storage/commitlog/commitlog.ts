// The commit log: every write is appended here before it is acknowledged, and replayed into the memtables after a
// crash. Appends made in the same tick share one write() (and, in batch and group mode, one fdatasync): group
// commit. The modes are Cassandra's:
//   periodic  acknowledged once the write() has handed the bytes to the OS (a process crash loses nothing); the
//             files are fsynced every sync period, so a power loss can lose up to that much.
//   batch     acknowledged after the fdatasync that covers the entry; entries arriving during a sync share the next.
//   group     as batch, but syncs start at most once per group window, so more entries share each one.
// A segment is written by one sequential writer, oldest first, and a full segment is fsynced before the next gets any
// data: only the newest segment can end in a torn entry. Segments are deleted once every table that has data in them
// has flushed it (markClean + recycle).
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { StorageFailureError } from '../failure.ts';
import { ENTRY_OVERHEAD, HEADER_SIZE, encodeSegmentHeader, writeEntry, parseSegmentFileName, segmentFileName } from './segment-format.ts';
import { fsFailure } from './errors.ts';

export type CommitLogSync = 'periodic' | 'batch' | 'group';

export interface CommitLogOptions {
  dir: string;
  sync: CommitLogSync;
  segmentSizeBytes: number;
  /** periodic: how often the files are fsynced. */
  syncPeriodMs: number;
  /** group: the shortest time between the starts of two syncs. */
  groupWindowMs: number;
  /** New segments get ids above this one, whatever the clock says (truncation records name segment ids). */
  minSegmentId?: number;
  /** Told of every write or sync the disk refused (the appends it affects reject with the same error). */
  onFailure?: (e: StorageFailureError) => void;
}

/** A place in the log: everything appended before it lies at lower (segment, offset). */
export interface LogPosition {
  segment: number;
  offset: number;
}

export interface CommitLogStats {
  segments: number;
  /** Bytes of every segment on disk, written or about to be. */
  totalBytes: number;
  /** Appends waiting for their write (and, in batch/group mode, their sync). */
  pendingAppends: number;
  syncs: number;
  writes: number;
  /** Epoch ms of the last completed sync (0: none yet). */
  lastSyncAt: number;
}

interface Segment {
  readonly id: number;
  readonly file: string;
  fd: number | undefined;
  /** Bytes assigned so far: what the file will hold once every queued write is done. */
  size: number;
  /** Table id → end offset of its last entry in this segment. */
  readonly dirty: Map<string, number>;
  /** Takes no more appends: full, failed, or left by an earlier run (replayed). */
  sealed: boolean;
  unsynced: boolean;
  /** Left by an earlier run and not yet replayed: never recycled before replay has marked what it holds. */
  held: boolean;
  failed?: StorageFailureError;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** One write: the entries appended to a segment between two turns of the writer, contiguous. */
interface Job {
  readonly segment: Segment;
  readonly offset: number;
  buf: Buffer;
  len: number;
  entries: number;
  readonly done: Deferred;
}

const JOB_BUFFER_BYTES = 64 * 1024;
const KEPT_BUFFERS = 4;

const open = promisify(fs.open);
const write = promisify(fs.write);
const fdatasync = promisify(fs.fdatasync);
const close = promisify(fs.close);
const ftruncate = promisify(fs.ftruncate);
const unlink = promisify(fs.unlink);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * write until every byte is written: libuv reports a write cut short by a full disk as a short count, so the rest is
 * written again to get the error itself.
 */
async function writeAll(fd: number, data: Buffer, offset: number): Promise<void> {
  let left = data;
  let at = offset;
  for (let attempt = 0; left.length > 0; attempt++) {
    const { bytesWritten } = await write(fd, left, 0, left.length, at);
    if (bytesWritten === left.length) return;
    if (attempt > 8) throw Object.assign(new Error('short writes to the commit log'), { code: 'EIO' });
    at += bytesWritten;
    left = left.subarray(bytesWritten);
  }
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // An append whose caller has gone (a failed batch nobody awaits) must not become an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export class MutationTooLargeError extends Error {
  override readonly name = 'MutationTooLargeError';
}

export class CommitLog {
  private readonly segments = new Map<number, Segment>();
  private active: Segment | undefined;
  private nextId: number;
  private readonly queue: Job[] = [];
  private open: Job | undefined;
  private running: Promise<void> | undefined;
  private syncRequested = false;
  private dirUnsynced = false;
  private readonly timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private lastSyncStart = 0;
  private pending = 0;
  /** Sum of the segments' sizes, kept as they change (checked on every write against commitlog_total_space). */
  private bytes = 0;
  private readonly counters = { syncs: 0, writes: 0, lastSyncAt: 0 };
  /** Job buffers of completed writes, reused: a write-heavy node would otherwise allocate one per tick. */
  private readonly spare: Buffer[] = [];
  /** Cassandra's max_mutation_size default: half a segment, so any entry fits in a fresh one. */
  readonly maxEntryBytes: number;

  private constructor(private readonly opts: CommitLogOptions, private readonly dirFd: number, existing: Segment[]) {
    for (const s of existing) {
      this.segments.set(s.id, s);
      this.bytes += s.size;
    }
    const maxExisting = existing.reduce((m, s) => Math.max(m, s.id), 0);
    this.nextId = Math.max(Date.now(), maxExisting + 1, (opts.minSegmentId ?? 0) + 1);
    this.maxEntryBytes = Math.floor(opts.segmentSizeBytes / 2);
    if (opts.sync === 'periodic') {
      this.timer = setInterval(() => {
        this.syncRequested = true;
        this.kick();
      }, Math.max(1, opts.syncPeriodMs));
      this.timer.unref();
    }
  }

  /** Opens the directory (created if needed); segments already there are kept, sealed, for replay. */
  static open(opts: CommitLogOptions): CommitLog {
    fs.mkdirSync(opts.dir, { recursive: true });
    const existing: Segment[] = [];
    for (const name of fs.readdirSync(opts.dir)) {
      const id = parseSegmentFileName(name);
      if (id === undefined) continue;
      const file = path.join(opts.dir, name);
      existing.push({ id, file, fd: undefined, size: fs.statSync(file).size, dirty: new Map(), sealed: true, unsynced: false, held: true });
    }
    existing.sort((a, b) => a.id - b.id);
    return new CommitLog(opts, fs.openSync(opts.dir, 'r'), existing);
  }

  /** Segments left by an earlier run, oldest first: what replay reads. */
  replaySegments(): Array<{ id: number; file: string }> {
    return [...this.segments.values()].filter((s) => s.held).sort((a, b) => a.id - b.id).map((s) => ({ id: s.id, file: s.file }));
  }

  /** Replay has marked every table with data in the earlier run's segments: they may be recycled once clean. */
  replayed(): void {
    for (const s of this.segments.values()) s.held = false;
  }

  /** Replay: the table had data up to `end` in a segment left by an earlier run. */
  markReplayed(segment: number, table: string, end: number): void {
    const s = this.segments.get(segment);
    if (s && (s.dirty.get(table) ?? 0) < end) s.dirty.set(table, end);
  }

  /** Where the next append will go: every entry appended so far lies before it. */
  position(): LogPosition {
    const a = this.active;
    return a && !a.sealed ? { segment: a.id, offset: a.size } : { segment: this.nextId, offset: 0 };
  }

  /**
   * Appends an entry for the given tables and returns when it is as durable as the mode promises. The entry's place
   * is fixed before this returns, so data the caller puts in a memtable right after is covered by the dirty marks.
   */
  append(payload: Buffer, tables: Iterable<string>): Promise<void> {
    if (this.closed) return Promise.reject(new StorageFailureError('write', 'the commit log is closed'));
    const need = payload.length + ENTRY_OVERHEAD;
    if (need > this.maxEntryBytes) {
      throw new MutationTooLargeError(`Mutation of ${need} bytes is too large for the maximum size of ${this.maxEntryBytes}`);
    }
    let seg = this.active;
    if (!seg || seg.sealed || seg.size + need > this.opts.segmentSizeBytes) seg = this.roll();
    const job = this.jobFor(seg);
    this.reserve(job, need);
    job.len = writeEntry(job.buf, job.len, payload);
    job.entries++;
    this.pending++;
    seg.size += need;
    this.bytes += need;
    for (const t of tables) seg.dirty.set(t, seg.size);
    this.kick();
    return job.done.promise;
  }

  private roll(): Segment {
    if (this.active) this.active.sealed = true;
    const id = this.nextId++;
    const seg: Segment = { id, file: path.join(this.opts.dir, segmentFileName(id)), fd: undefined, size: 0,
      dirty: new Map(), sealed: false, unsynced: false, held: false };
    this.segments.set(id, seg);
    this.active = seg;
    const job = this.jobFor(seg);
    this.reserve(job, HEADER_SIZE);
    encodeSegmentHeader(id).copy(job.buf, job.len);
    job.len += HEADER_SIZE;
    seg.size = HEADER_SIZE;
    this.bytes += HEADER_SIZE;
    return seg;
  }

  private jobFor(seg: Segment): Job {
    if (this.open && this.open.segment === seg) return this.open;
    const job: Job = { segment: seg, offset: seg.size, buf: this.spare.pop() ?? Buffer.allocUnsafeSlow(JOB_BUFFER_BYTES), len: 0,
      entries: 0, done: deferred() };
    this.queue.push(job);
    this.open = job;
    return job;
  }

  private reserve(job: Job, n: number): void {
    if (job.len + n <= job.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(job.buf.length * 2, job.len + n));
    job.buf.copy(next, 0, 0, job.len);
    job.buf = next;
  }

  private release(job: Job): void {
    if (job.buf.length === JOB_BUFFER_BYTES && this.spare.length < KEPT_BUFFERS) this.spare.push(job.buf);
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    // After the current I/O phase: every append made by the requests read in it joins this write.
    await new Promise<void>((r) => setImmediate(r));
    try {
      await this.run();
    } catch (e) {
      this.opts.onFailure?.(fsFailure(e, 'commit log write'));
    } finally {
      this.running = undefined;
    }
    if (this.queue.length > 0 || this.syncRequested) this.kick();
  }

  /** The writer: everything queued is written in order, synced as the mode says, then acknowledged. */
  private async run(): Promise<void> {
    while (this.queue.length > 0 || this.syncRequested) {
      let written = await this.writeQueued();
      const durable = this.opts.sync !== 'periodic';
      if (durable && this.opts.sync === 'group') {
        const wait = this.lastSyncStart + this.opts.groupWindowMs - Date.now();
        if (wait > 0) {
          await sleep(wait);
          written = written.concat(await this.writeQueued());
        }
      }
      if (!durable) this.settle(written);
      if (durable || this.syncRequested) {
        this.syncRequested = false;
        const err = await this.syncAll();
        if (durable) this.settle(written, err);
      }
    }
    await this.recycleAsync();
  }

  private settle(jobs: Job[], err?: StorageFailureError): void {
    for (const j of jobs) {
      this.pending -= j.entries;
      this.release(j);
      if (err) j.done.reject(err);
      else j.done.resolve();
    }
  }

  /** Writes every queued job; returns those written (failed ones are rejected here). */
  private async writeQueued(): Promise<Job[]> {
    const jobs = this.queue.splice(0);
    this.open = undefined;
    const ok: Job[] = [];
    for (const job of jobs) {
      const seg = job.segment;
      if (seg.failed) {
        this.settle([job], seg.failed);
        continue;
      }
      try {
        await this.finishOlder(seg);
        if (seg.fd === undefined) await this.create(seg);
        await writeAll(seg.fd!, job.buf.subarray(0, job.len), job.offset);
        this.counters.writes++;
        seg.unsynced = true;
        ok.push(job);
      } catch (e) {
        const err = e instanceof StorageFailureError ? e : fsFailure(e, 'write');
        await this.failSegment(seg, job.offset, err);
        this.settle([job], err);
      }
    }
    return ok;
  }

  private async create(seg: Segment): Promise<void> {
    seg.fd = await open(seg.file, 'w');
    this.dirUnsynced = true;
  }

  /** Before a segment gets data, every older one is on disk and closed: only the newest can have a torn tail. */
  private async finishOlder(seg: Segment): Promise<void> {
    for (const s of this.segments.values()) {
      if (s.id >= seg.id || s.fd === undefined) continue;
      if (s.unsynced) {
        await fdatasync(s.fd);
        s.unsynced = false;
      }
      await close(s.fd);
      s.fd = undefined;
    }
  }

  private async failSegment(seg: Segment, offset: number, err: StorageFailureError): Promise<void> {
    seg.failed = err;
    seg.sealed = true;
    this.opts.onFailure?.(err);
    if (seg.fd === undefined) return;
    // Cut the file back to the last complete write, so later segments never follow a damaged one; a segment that got
    // no complete entry is removed altogether (nothing in it was acknowledged).
    try {
      if (offset === 0) {
        await close(seg.fd);
        seg.fd = undefined;
        await unlink(seg.file);
        this.forget(seg);
      } else {
        await ftruncate(seg.fd, offset);
      }
    } catch {
      // The disk refuses even that: replay will report the damage, following commit_failure_policy.
    }
  }

  /** fdatasyncs every segment with unsynced writes (and the directory after a segment was created). */
  private async syncAll(): Promise<StorageFailureError | undefined> {
    this.lastSyncStart = Date.now();
    try {
      if (this.dirUnsynced) {
        this.dirUnsynced = false;
        await fdatasync(this.dirFd);
      }
      for (const s of this.segments.values()) {
        if (s.fd === undefined || !s.unsynced) continue;
        s.unsynced = false;
        await fdatasync(s.fd);
      }
      this.counters.syncs++;
      this.counters.lastSyncAt = Date.now();
      return undefined;
    } catch (e) {
      const err = fsFailure(e, 'commit log sync');
      this.opts.onFailure?.(err);
      if (this.active) this.active.sealed = true;
      return err;
    }
  }

  /** A table's data up to `upTo` is safely in the data files: segments need not keep it any longer. */
  markClean(table: string, upTo: LogPosition): void {
    for (const s of this.segments.values()) {
      if (s.id > upTo.segment) continue;
      const end = s.dirty.get(table);
      if (end !== undefined && (s.id < upTo.segment || end <= upTo.offset)) s.dirty.delete(table);
    }
  }

  /** Tables with data in the oldest segment (flushing them lets it go: commitlog_total_space). */
  oldestDirtyTables(): string[] {
    let oldest: Segment | undefined;
    for (const s of this.segments.values()) if (s.dirty.size > 0 && (!oldest || s.id < oldest.id)) oldest = s;
    return oldest ? [...oldest.dirty.keys()] : [];
  }

  /** Deletes segments no table needs any more (sealed ones; the active segment stays). */
  recycle(): Promise<void> {
    this.kick();
    return this.idle();
  }

  private async recycleAsync(): Promise<void> {
    for (const s of [...this.segments.values()]) {
      if (!s.sealed || s.held || s.dirty.size > 0 || this.queue.some((j) => j.segment === s)) continue;
      try {
        if (s.fd !== undefined) {
          const fd = s.fd;
          s.fd = undefined;
          await close(fd);
        }
        await unlink(s.file);
        this.forget(s);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') this.forget(s);
        else this.opts.onFailure?.(fsFailure(e, 'commit log recycle'));
      }
    }
  }

  private forget(s: Segment): void {
    if (this.segments.delete(s.id)) this.bytes -= s.size;
  }

  /** Bytes of every segment on disk (or about to be). */
  get totalBytes(): number {
    return this.bytes;
  }

  /** Deletes unneeded segments at the writer's next turn, without waiting for it. */
  recycleSoon(): void {
    this.kick();
  }

  /** Waits until everything appended so far is written, synced, and unneeded segments are gone. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Writes and fsyncs everything appended so far, in any mode. */
  async sync(): Promise<void> {
    this.syncRequested = true;
    this.kick();
    await this.idle();
  }

  /** After everything has been flushed: seals the active segment so that it too can go (drain, shutdown). */
  async retireActive(): Promise<void> {
    if (this.active) this.active.sealed = true;
    await this.sync();
  }

  stats(): CommitLogStats {
    return { segments: this.segments.size, totalBytes: this.bytes, pendingAppends: this.pending, ...this.counters };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.sync();
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const s of this.segments.values()) {
      if (s.fd !== undefined) await close(s.fd);
      s.fd = undefined;
    }
    fs.closeSync(this.dirFd);
  }
}
