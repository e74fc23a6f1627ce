// nodetool's snapshot commands in Cassandra 4.0's shapes: `snapshot [-t TAG] [-kt ks.t,…] [-sf] [KEYSPACE…]`,
// `listsnapshots`, `clearsnapshot [-t TAG | --all] [KEYSPACE…]` and `refresh KEYSPACE TABLE`, over the admin API's
// snapshot routes (server/admin-snapshots.ts).
import type { Command } from 'commander';
import type { LoadReport } from '../server/admin-snapshots.ts';
import type { SnapshotEntry } from '../server/snapshots.ts';
import { adminCall } from './admin-client.ts';
import { fileSize } from './nodetool-format.ts';
import { run, target, usage, withConn, type Target } from './nodetool.ts';

const LONG_MS = 24 * 3600_000;

/** Cassandra's TableBuilder: every column padded to its widest cell, one space between columns. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join(' ')}\n`).join('');
}

export function formatListSnapshots(entries: readonly SnapshotEntry[]): string {
  if (entries.length === 0) return 'Snapshot Details: \nThere are no snapshots';
  const rows = [['Snapshot name', 'Keyspace name', 'Column family name', 'True size', 'Size on disk']];
  for (const e of entries) rows.push([e.tag, e.keyspace, e.table, fileSize(e.trueSizeBytes), fileSize(e.sizeOnDiskBytes)]);
  const trueTotal = entries.reduce((a, e) => a + e.trueSizeBytes, 0);
  return `Snapshot Details: \n${table(rows)}\nTotal TrueDiskSpaceUsed: ${fileSize(trueTotal)}\n\n`;
}

export interface SnapshotArgs {
  tag?: string;
  kt: string[];
  keyspaces: string[];
  skipFlush: boolean;
  host?: string;
  port?: string;
}

/** nodetool snapshot's arguments, read raw since `-kt`/`-cf`/`-sf` are not single-letter options. */
export function snapshotArgs(args: string[]): SnapshotArgs {
  const out: SnapshotArgs = { kt: [], keyspaces: [], skipFlush: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (): string => args[++i] ?? usage(`Missing value for option ${a}`);
    if (a === '-t' || a === '--tag') out.tag = value();
    else if (a === '-kt' || a === '--kt-list' || a === '-kc' || a === '--kc.list') out.kt.push(...value().split(',').filter((s) => s !== ''));
    else if (a === '-cf' || a === '--column-family' || a === '--table') out.kt.push(`\0${value()}`);
    else if (a === '-sf' || a === '--skip-flush') out.skipFlush = true;
    else if (a === '-h' || a === '--host') out.host = value();
    else if (a === '-p' || a === '--port') out.port = value();
    else if (a.startsWith('-') && a !== '--') usage(`Unknown option: ${a}`);
    else if (a !== '--') out.keyspaces.push(a);
  }
  // -cf TABLE names a table of the one keyspace given, as Cassandra's takeTableSnapshot.
  const cf = out.kt.filter((t) => t.startsWith('\0')).map((t) => t.slice(1));
  if (cf.length > 0) {
    if (out.keyspaces.length !== 1) usage('When specifying the table for a snapshot, you must specify one and only one keyspace');
    out.kt = [...out.kt.filter((t) => !t.startsWith('\0')), ...cf.map((t) => `${out.keyspaces[0]}.${t}`)];
    out.keyspaces = [];
  }
  if (out.kt.length > 0 && out.keyspaces.length > 0) usage('When specifying the Keyspace columfamily list for a snapshot, you should not specify columnfamily');
  return out;
}

async function snapshot(t: Target, a: SnapshotArgs, defaultTag: string): Promise<string> {
  const tag = a.tag ?? defaultTag;
  const q = new URLSearchParams({ tag });
  for (const ks of a.keyspaces) q.append('keyspace', ks);
  for (const kt of a.kt) q.append('kt', kt);
  const what = a.kt.length > 0 ? `[${a.kt.join(',')}]` : a.keyspaces.length > 0 ? `[${a.keyspaces.join(', ')}]` : '[all keyspaces]';
  await adminCall(t.host, t.port, `/snapshot?${q.toString()}`, { method: 'POST', timeoutMs: LONG_MS });
  // Sibyl always flushes first (its export reads the store, not files), whatever -sf says.
  return `Requested creating snapshot(s) for ${what} with snapshot name [${tag}] and options {skipFlush=${a.skipFlush}}\nSnapshot directory: ${tag}\n`;
}

export function registerSnapshotCommands(nt: Command): void {
  nt.command('snapshot')
    .description('Take a snapshot of specified keyspaces or a snapshot of the specified table')
    .argument('[args...]', '[-t TAG] [-kt ks.table,…] [-cf TABLE] [-sf] [keyspaces…]')
    .helpOption('--help', 'display help for command')
    .allowUnknownOption()
    .action(async (args: string[], _o: unknown, cmd: Command) => {
      const a = snapshotArgs(args);
      const parent = target(cmd);
      const t = { host: a.host ?? parent.host, port: a.port !== undefined ? Number(a.port) : parent.port };
      // Cassandra's default tag: the time in milliseconds.
      await run(t, () => snapshot(t, a, String(Date.now())));
    });

  withConn(nt.command('listsnapshots'))
    .description('Lists all the snapshots along with the size on disk and true size.')
    .action(async (_o: unknown, cmd: Command) => {
      const t = target(cmd);
      await run(t, async () => formatListSnapshots(await adminCall<SnapshotEntry[]>(t.host, t.port, '/snapshots')));
    });

  withConn(nt.command('clearsnapshot'))
    .description('Remove the snapshot with the given name from the given keyspaces')
    .argument('[keyspaces...]')
    .option('-t, --tag <tag>', 'Remove the snapshot with a given name')
    .option('--all', 'Removes all snapshots')
    .action(async (keyspaces: string[], _o: unknown, cmd: Command) => {
      const t = target(cmd);
      const o = cmd.opts<{ tag?: string; all?: boolean }>();
      if (o.tag === undefined && o.all !== true) return fail('Specify snapshot name or --all');
      if (o.tag !== undefined && o.all === true) return fail('Specify only one of snapshot name or --all');
      const q = new URLSearchParams();
      if (o.tag !== undefined) q.set('tag', o.tag);
      for (const ks of keyspaces) q.append('keyspace', ks);
      const what = keyspaces.length > 0 ? `[${keyspaces.join(', ')}]` : '[all keyspaces]';
      await run(t, async () => {
        await adminCall(t.host, t.port, `/clearsnapshot?${q.toString()}`, { method: 'POST' });
        return `Requested clearing snapshot(s) for ${what}${o.tag !== undefined ? ` with snapshot name [${o.tag}]` : ' with [all snapshots]'}\n`;
      });
    });

  withConn(nt.command('refresh'))
    .description("Load newly placed data files into the table (Sibyl: snapshot exports put in <data_dir>/upload/<keyspace>/<table>/)")
    .argument('<keyspace>')
    .argument('<table>')
    .action(async (keyspace: string, tableName: string, _o: unknown, cmd: Command) => {
      const t = target(cmd);
      const q = new URLSearchParams({ keyspace, table: tableName });
      // Cassandra's refresh prints nothing on success.
      await run(t, async () => (await adminCall<LoadReport>(t.host, t.port, `/refresh?${q.toString()}`, { method: 'POST', timeoutMs: LONG_MS }), ''));
    });
}

/** Cassandra's nodetool turns an IllegalArgumentException into `error: …` and exit status 2. */
function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

/**
 * `sibyl restore --snapshot TAG --from DIR [--from DIR…]`: the node at -h/-p reads the snapshot's exports from each
 * DIR (on its own host) and writes their partitions through its coordinator into the cluster it belongs to, with
 * their original timestamps and TTLs. Give every node's copy of the snapshot: each holds only its replicas' data.
 */
export function registerRestoreCommand(program: Command): void {
  withConn(program.command('restore'))
    .description("Write a snapshot's tables back into a cluster through a node's write path (tables must exist: see schema.cql)")
    .requiredOption('--snapshot <tag>', 'the snapshot tag')
    .option('--from <dir>', "a node's data directory, snapshots directory or the tag's directory (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--keyspace <keyspace>', 'only this keyspace')
    .option('--table <table>', 'only this table (with --keyspace)')
    .option('--consistency <level>', 'consistency level of the writes', 'QUORUM')
    .action(async (_o: unknown, cmd: Command) => {
      const t = target(cmd);
      const o = cmd.opts<{ snapshot: string; from: string[]; keyspace?: string; table?: string; consistency: string }>();
      if (o.from.length === 0) usage('restore needs at least one --from DIR');
      const q = new URLSearchParams({ tag: o.snapshot, cl: o.consistency });
      for (const dir of o.from) q.append('from', dir);
      if (o.keyspace !== undefined) q.set('keyspace', o.keyspace);
      if (o.table !== undefined) q.set('table', o.table);
      await run(t, async () => {
        const r = await adminCall<LoadReport>(t.host, t.port, `/restore?${q.toString()}`, { method: 'POST', timeoutMs: LONG_MS });
        return `Restored ${r.partitions} partitions of ${r.tables.join(', ')} from ${r.files} snapshot files\n`;
      });
    });
}
