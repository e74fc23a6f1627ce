// Anti-entropy repair (nodetool repair), coordinated by the node it is run on. Per keyspace, the ranges it covers
// (options.ts) are grouped by their participants into sessions, as Cassandra's repair sessions are; for each table
// of a session every participant builds a Merkle tree of each range (VALIDATION_REQUEST, validation.ts), the
// coordinator compares the trees pairwise and, for every pair that differs, has each side pull the differing
// sub-ranges from the other (SYNC_REQUEST → a stream, streaming/stream.ts): after that both hold the union, the
// newest version of each cell winning as in any write. A participant that is down fails its session, as in
// Cassandra ("Endpoint not alive").
import type { Clock, Random, Timers } from '../cluster/env.ts';
import type { TokenRing } from '../cluster/ring.ts';
import type { ReplicaStore } from '../coordinator/cluster.ts';
import { handle, send, StreamVerbs, type RepairFinalizeRequest, type SyncRequest, type TableRef, type ValidationRequest, type VerbMessenger } from '../messaging/verbs.ts';
import type { KeyspaceDef, Schema, TableDef } from '../schema/model.ts';
import { MerkleTree } from '../storage/merkle.ts';
import { formatRange, type TokenRange } from '../streaming/ranges.ts';
import { StreamPlan, type StreamService } from '../streaming/stream.ts';
import { describeOptions, repairRanges, RepairOptionsError, type RangeReplicas, type RepairOptions } from './options.ts';
import { buildTree } from './validation.ts';
import { RepairHistory, type RepairHistoryStore } from './history.ts';

/** Leaves per range tree: 2^10, fine enough that a few missed writes stream a few thousandths of a range. */
export const REPAIR_TREE_DEPTH = 10;
const VALIDATION_TIMEOUT_MS = 10 * 60_000;
const SYNC_TIMEOUT_MS = 60 * 60_000;

export interface RepairEnv {
  messenger: VerbMessenger & { readonly self: string };
  store: ReplicaStore;
  streaming: StreamService;
  schema: () => Schema;
  ring: () => TokenRing;
  isAlive: (endpoint: string) => boolean;
  /** Broadcast address of an endpoint, as Cassandra prints peers (`/127.0.0.2`). */
  address: (endpoint: string) => string;
  clock: Clock;
  timers: Timers;
  random: Random;
  nowMicros: () => number;
  log: (msg: string, err?: unknown) => void;
  /** Where repaired_at is persisted (the node store's metadata); in memory only when absent. */
  historyStore?: RepairHistoryStore;
}

export interface RepairResult {
  /** What nodetool prints, line by line, as Cassandra 4's repair notifications. */
  lines: string[];
  failed: boolean;
  /** Ranges found out of sync (per pair and table) and bytes streamed, over all sessions. */
  mismatchedRanges: number;
  streamedBytes: number;
}

interface Session {
  id: string;
  endpoints: string[];
  ranges: TokenRange[];
}

export function uuidFrom(random: Random): string {
  const b = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) b[i] = random.int(256);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** `[2026-12-03 13:40:00,123]`: the timestamp Cassandra's nodetool puts before each repair notification (UTC here). */
export function notificationTime(nowMicros: number): string {
  const iso = new Date(Math.floor(nowMicros / 1000)).toISOString();
  return `[${iso.slice(0, 10)} ${iso.slice(11, 19)},${iso.slice(20, 23)}]`;
}

const refOf = (t: TableDef): TableRef => ({ ks: t.keyspace, table: t.name, id: t.id });

export class RepairService {
  private commands = 0;
  /** repaired_at per table and range on this node (history.ts). */
  readonly history: RepairHistory;

  constructor(private readonly env: RepairEnv) {
    this.history = new RepairHistory(env.historyStore);
    handle(env.messenger, StreamVerbs.VALIDATION_REQUEST, (req) => this.onValidation(req));
    handle(env.messenger, StreamVerbs.SYNC_REQUEST, (req) => this.onSync(req));
    handle(env.messenger, StreamVerbs.REPAIR_FINALIZE, (req) => this.onFinalize(req));
  }

  /** One `nodetool repair` command: every keyspace asked for (all non-system ones by default), one after another. */
  async repair(o: RepairOptions): Promise<RepairResult> {
    const result: RepairResult = { lines: [], failed: false, mismatchedRanges: 0, streamedBytes: 0 };
    const keyspaces = this.keyspaces(o);
    for (const ks of keyspaces) {
      await this.repairKeyspace(ks, o, result);
      if (result.failed) break;
    }
    return result;
  }

  private keyspaces(o: RepairOptions): KeyspaceDef[] {
    const schema = this.env.schema();
    if (o.keyspace !== undefined) {
      const ks = schema.keyspaces.get(o.keyspace);
      if (ks === undefined) throw new RepairOptionsError(`Keyspace [${o.keyspace}] does not exist.`);
      for (const t of o.tables) {
        if (!ks.tables.has(t)) throw new RepairOptionsError(`Unknown keyspace/cf pair (${o.keyspace}.${t})`);
      }
      return [ks];
    }
    return [...schema.keyspaces.values()].filter((ks) => !ks.name.startsWith('system') && ks.strategy.kind !== 'local');
  }

  private async repairKeyspace(ks: KeyspaceDef, o: RepairOptions, result: RepairResult): Promise<void> {
    const say = (line: string): void => {
      const text = `${notificationTime(this.env.nowMicros())} ${line}`;
      result.lines.push(text);
      this.env.log(text);
    };
    const rf = ks.strategy.kind === 'simple' ? ks.strategy.rf : ks.strategy.kind === 'network' ? [...ks.strategy.dcs.values()].reduce((a, b) => a + b, 0) : 2;
    if (rf < 2) {
      // Cassandra's repairAsync returns 0 for such a keyspace, and nodetool prints only this.
      say(`Replication factor is 1. No repair is needed for keyspace '${ks.name}'`);
      return;
    }
    const cmd = ++this.commands;
    const startedMs = this.env.clock.now();
    const ranges = repairRanges(this.env.ring(), ks, this.env.messenger.self, o);
    const tables = [...ks.tables.values()].filter((t) => o.tables.length === 0 || o.tables.includes(t.name));
    say(`Starting repair command #${cmd} (${uuidFrom(this.env.random)}), repairing keyspace ${ks.name} with repair options (${describeOptions(o, ranges.length)})`);
    const sessions = this.sessions(ranges);
    let done = 0;
    for (const s of sessions) {
      const rangeList = `[${s.ranges.map(formatRange).join(', ')}]`;
      try {
        if (s.endpoints.length > 1) await this.runSession(s, tables, result, o.dataCenters.length === 0);
        done++;
        say(`Repair session ${s.id} for range ${rangeList} finished (progress: ${Math.floor((done * 100) / sessions.length)}%)`);
      } catch (e) {
        result.failed = true;
        say(`Repair session ${s.id} for range ${rangeList} failed with error ${(e as Error).message} (progress: ${Math.floor((done * 100) / sessions.length)}%)`);
        break;
      }
    }
    say(result.failed ? `Repair command #${cmd} failed with error Repair session failed` : 'Repair completed successfully');
    say(`Repair command #${cmd} finished in ${formatDuration(this.env.clock.now() - startedMs)}`);
  }

  /** Ranges with the same participants form one session. */
  private sessions(ranges: RangeReplicas[]): Session[] {
    const byReplicas = new Map<string, Session>();
    for (const r of ranges) {
      const key = r.endpoints.join(',');
      let s = byReplicas.get(key);
      if (s === undefined) byReplicas.set(key, (s = { id: uuidFrom(this.env.random), endpoints: r.endpoints, ranges: [] }));
      s.ranges.push(r.range);
    }
    return [...byReplicas.values()];
  }

  /**
   * One session: every table's ranges compared and synced. With every replica taking part (no -dc/-local), the
   * participants then record repaired_at for the ranges (a finalize, as Cassandra's incremental repair ends with).
   */
  private async runSession(s: Session, tables: TableDef[], result: RepairResult, allReplicas: boolean): Promise<void> {
    const startedMicros = this.env.nowMicros();
    const tag = `[repair #${s.id}]`;
    const peers = s.endpoints.map((e) => `/${this.env.address(e)}`).join(', ');
    this.env.log(`${tag} new session: will sync ${peers} on range [${s.ranges.map(formatRange).join(', ')}] for ${tables[0]?.keyspace}.[${tables.map((t) => t.name).join(', ')}]`);
    const down = s.endpoints.find((e) => !this.env.isAlive(e) && e !== this.env.messenger.self);
    if (down !== undefined) throw new Error(`Endpoint not alive: /${this.env.address(down)}`);
    for (const table of tables) {
      for (const range of s.ranges) await this.repairRange(s, tag, table, range, result);
      if (allReplicas) await this.finalize(s, table, startedMicros);
    }
    this.env.log(`${tag} Session completed successfully`);
  }

  private async repairRange(s: Session, tag: string, table: TableDef, range: TokenRange, result: RepairResult): Promise<void> {
    const nowSec = Math.floor(this.env.nowMicros() / 1e6);
    const trees = await Promise.all(s.endpoints.map((e) => this.validate(s.id, e, table, range, nowSec)));
    const syncs: Array<Promise<void>> = [];
    for (let i = 0; i < trees.length; i++) {
      for (let j = i + 1; j < trees.length; j++) {
        const diff = trees[i]!.difference(trees[j]!);
        const [a, b] = [`/${this.env.address(s.endpoints[i]!)}`, `/${this.env.address(s.endpoints[j]!)}`];
        if (diff.length === 0) {
          this.env.log(`${tag} Endpoints ${a} and ${b} are consistent for ${table.name}`);
          continue;
        }
        this.env.log(`${tag} Endpoints ${a} and ${b} have ${diff.length} range(s) out of sync for ${table.name}`);
        result.mismatchedRanges += diff.length;
        syncs.push(this.sync(s.id, s.endpoints[i]!, s.endpoints[j]!, table, diff, result));
        syncs.push(this.sync(s.id, s.endpoints[j]!, s.endpoints[i]!, table, diff, result));
      }
    }
    await Promise.all(syncs);
  }

  private async validate(session: string, endpoint: string, table: TableDef, range: TokenRange, nowSec: number): Promise<MerkleTree> {
    const req: ValidationRequest = { session, t: refOf(table), range, depth: REPAIR_TREE_DEPTH, now: nowSec };
    if (endpoint === this.env.messenger.self) return buildTree(this.env.store, table, range, REPAIR_TREE_DEPTH, nowSec);
    const tree = MerkleTree.deserialize(await send(this.env.messenger, endpoint, StreamVerbs.VALIDATION_REQUEST, req, VALIDATION_TIMEOUT_MS));
    this.env.log(`[repair #${session}] Received merkle tree for ${table.name} from /${this.env.address(endpoint)}`);
    return tree;
  }

  /** Has `to` pull `ranges` of `table` from `from`: locally when `to` is this node, else by SYNC_REQUEST. */
  private async sync(session: string, to: string, from: string, table: TableDef, ranges: TokenRange[], result: RepairResult): Promise<void> {
    const req: SyncRequest = { session, t: refOf(table), peer: from, ranges };
    const got = to === this.env.messenger.self ? await this.onSync(req) : await send(this.env.messenger, to, StreamVerbs.SYNC_REQUEST, req, SYNC_TIMEOUT_MS);
    result.streamedBytes += got.bytes;
  }

  /** Has every participant record repaired_at for the session's ranges of `table`. */
  private async finalize(s: Session, table: TableDef, repairedAt: number): Promise<void> {
    const req: RepairFinalizeRequest = { session: s.id, t: refOf(table), ranges: s.ranges, repairedAt };
    await Promise.all(s.endpoints.map((e) => e === this.env.messenger.self
      ? this.onFinalize(req)
      : send(this.env.messenger, e, StreamVerbs.REPAIR_FINALIZE, req, VALIDATION_TIMEOUT_MS)));
  }

  private async onFinalize(req: RepairFinalizeRequest): Promise<true> {
    await this.history.record(this.table(req.t).id, req.ranges, req.repairedAt);
    return true;
  }

  private onValidation(req: ValidationRequest): ReturnType<MerkleTree['serialize']> {
    return buildTree(this.env.store, this.table(req.t), req.range, req.depth, req.now).serialize();
  }

  private async onSync(req: SyncRequest): Promise<{ bytes: number; partitions: number }> {
    const plan = new StreamPlan(req.session, req.op ?? 'Repair', req.peer, [this.table(req.t)], req.ranges);
    await this.env.streaming.run(plan);
    return { bytes: plan.bytes, partitions: plan.partitions };
  }

  private table(ref: TableRef): TableDef {
    const t = this.env.schema().keyspaces.get(ref.ks)?.tables.get(ref.table);
    if (t === undefined || t.id !== ref.id) throw new Error(`unknown table ${ref.ks}.${ref.table} (${ref.id})`);
    return t;
  }
}

/** Cassandra's DurationFormatUtils.formatDurationWords for the "finished in" line: `1 second`, `2 minutes 3 seconds`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const parts: string[] = [];
  const units: Array<[number, string]> = [[3600, 'hour'], [60, 'minute'], [1, 'second']];
  let rest = total;
  for (const [size, name] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || (name === 'second' && parts.length === 0)) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
  }
  return parts.join(' ');
}
