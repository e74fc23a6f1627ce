// nodetool's output, byte for byte the shape Cassandra 4.0's nodetool prints, from the admin API's reports. Pure
// functions so the formats are unit-tested on fixed reports; tools/nodetool.ts only fetches and prints.
import type {
  DescribeClusterReport, InfoReport, NodeReport, NodeState, PendingHintsEntry, RingEntry, StatusReport, TableStatsEntry, ThreadPoolEntry,
} from '../server/admin-types.ts';

/** Cassandra's note when effective ownership cannot be computed without a keyspace (StorageService's message). */
export const DIFFERENT_REPLICATION_NOTE =
  "Non-system keyspaces don't have the same replication settings, effective ownership information is meaningless";

/**
 * Java DecimalFormat with HALF_EVEN rounding (its default) for non-negative numbers: `minDigits`..`maxDigits`
 * fraction digits, no grouping. Enough for the "#.##", "##0.0%" and "##0.00%" patterns nodetool uses.
 */
export function decimalFormat(value: number, maxDigits: number, minDigits = 0): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '∞' : '-∞';
  const neg = value < 0;
  const f = 10 ** maxDigits;
  const scaled = Math.abs(value) * f;
  const floor = Math.floor(scaled);
  const diff = scaled - floor;
  const n = diff > 0.5 || (diff === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  let frac = String(n % f).padStart(maxDigits, '0');
  while (frac.length > minDigits && frac.endsWith('0')) frac = frac.slice(0, -1);
  const int = String(Math.floor(n / f));
  return `${neg && n !== 0 ? '-' : ''}${int}${frac === '' ? '' : `.${frac}`}`;
}

const KIB = 1024;
const UNITS: Array<[number, string]> = [[KIB ** 4, 'TiB'], [KIB ** 3, 'GiB'], [KIB ** 2, 'MiB'], [KIB, 'KiB']];

/** Cassandra 4's FileUtils.stringifyFileSize: binary units, "#.##" (e.g. `55.29 KiB`, `1 MiB`, `312 bytes`). */
export function fileSize(bytes: number): string {
  for (const [size, unit] of UNITS) if (bytes >= size) return `${decimalFormat(bytes / size, 2)} ${unit}`;
  return `${decimalFormat(bytes, 2)} bytes`;
}

/** DecimalFormat("##0.0%") (status) or ("##0.00%") (ring). */
export const percent = (fraction: number, digits: number): string => `${decimalFormat(fraction * 100, digits, digits)}%`;

function ipKey(a: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  return m ? m.slice(1).map((x) => x.padStart(3, '0')).join('.') : `~${a}`;
}

/** Addresses in numeric order (127.0.0.2 before 127.0.0.10), names after addresses. */
export function compareAddresses(a: string, b: string): number {
  const [x, y] = [ipKey(a), ipKey(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Java's String.compareTo order, which is how nodetool's TreeMap sorts data centres. */
const compareJava = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function byDc<T extends { dataCenter: string }>(items: readonly T[]): Array<[string, T[]]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const list = m.get(it.dataCenter) ?? [];
    list.push(it);
    m.set(it.dataCenter, list);
  }
  return [...m.entries()].sort((a, b) => compareJava(a[0], b[0]));
}

/**
 * Cassandra's TableBuilder.SharedTable: every table shares column widths; each cell is left-aligned and padded to its
 * column's width (the last one too, so rows carry trailing spaces), columns joined by two spaces.
 */
function sharedTables(tables: string[][][]): string[][] {
  const widths: number[] = [];
  for (const t of tables) for (const row of t) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return tables.map((t) => t.map((row) => widths.map((w, i) => (row[i] ?? '').padEnd(w)).join('  ')));
}

/** What nodetool prints for an unknown value (a down node's load). */
const load = (bytes: number | undefined): string => (bytes === undefined ? '?' : fileSize(bytes));

function hasEffective(report: StatusReport): boolean {
  return report.nodes.length > 0 && report.nodes.every((n) => n.ownsEffective !== undefined);
}

function ownershipNote(report: StatusReport): string | undefined {
  if (hasEffective(report)) return undefined;
  return report.ownershipNote ?? DIFFERENT_REPLICATION_NOTE;
}

/** `nodetool status [keyspace]`. */
export function formatStatus(report: StatusReport): string {
  const effective = hasEffective(report);
  // One token per node (no vnodes) switches nodetool to its Token column instead of the Tokens count.
  const tokenPerNode = report.nodes.every((n) => n.tokens.length <= 1);
  const header = tokenPerNode
    ? ['--', 'Address', 'Load', effective ? 'Owns (effective)' : 'Owns', 'Host ID', 'Token', 'Rack']
    : ['--', 'Address', 'Load', 'Tokens', effective ? 'Owns (effective)' : 'Owns', 'Host ID', 'Rack'];
  const dcs = byDc(report.nodes);
  const row = (n: NodeReport): string[] => {
    const owns = effective ? percent(n.ownsEffective!, 1) : '?';
    return tokenPerNode
      ? [n.state, n.address, load(n.loadBytes), owns, n.hostId, n.tokens[0] ?? '', n.rack]
      : [n.state, n.address, load(n.loadBytes), String(n.tokens.length), owns, n.hostId, n.rack];
  };
  const tables = sharedTables(dcs.map(([, nodes]) => [header, ...[...nodes].sort((a, b) => compareAddresses(a.address, b.address)).map(row)]));
  const out: string[] = [];
  dcs.forEach(([dc], i) => {
    if (i > 0) out.push('');
    const title = `Datacenter: ${dc}`;
    out.push(title, '='.repeat(title.length), 'Status=Up/Down', '|/ State=Normal/Leaving/Joining/Moving', ...tables[i]!);
  });
  const note = ownershipNote(report);
  // Cassandra ends with printf("%n" + errors): a blank line, then the note if there is one.
  return `${out.join('\n')}\n\n${note ? `Note: ${note}\n` : ''}`;
}

const STATUS_WORD: Record<string, string> = { U: 'Up', D: 'Down' };
const STATE_WORD: Record<string, string> = { N: 'Normal', L: 'Leaving', J: 'Joining', M: 'Moving' };
const describeState = (s: NodeState): [string, string] => [STATUS_WORD[s[0]!] ?? '?', STATE_WORD[s[1]!] ?? 'Normal'];

function compareTokens(a: string, b: string): number {
  const [x, y] = [BigInt(a), BigInt(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * `nodetool ring [keyspace]`: one row per token, per data centre, in token order; ownership is the node's effective
 * ownership from the status report for the same keyspace ("?" plus a note when there is none), as in Cassandra.
 */
export function formatRing(entries: readonly RingEntry[], status: StatusReport): string {
  const effective = hasEffective(status);
  const owns = new Map(status.nodes.map((n) => [n.address, n.ownsEffective]));
  const width = Math.max(0, ...entries.map((e) => e.address.length));
  const line = (cells: string[]): string =>
    `${cells[0]!.padEnd(width)}  ${cells[1]!.padEnd(12)}${cells[2]!.padEnd(7)}${cells[3]!.padEnd(8)}${cells[4]!.padEnd(16)}${cells[5]!.padEnd(20)}${cells[6]!.padEnd(44)}`;
  const out: string[] = [''];
  for (const [dc, list] of byDc(entries)) {
    const sorted = [...list].sort((a, b) => compareTokens(a.token, b.token));
    out.push(`Datacenter: ${dc}`, '==========', line(['Address', 'Rack', 'Status', 'State', 'Load', 'Owns', 'Token']));
    // The DC's last token heads the list: the first row's range starts there (the ring wraps around).
    out.push(sorted.length > 1 ? line(['', '', '', '', '', '', sorted[sorted.length - 1]!.token]) : '');
    for (const e of sorted) {
      const [st, state] = describeState(e.state);
      const o = owns.get(e.address);
      out.push(line([e.address, e.rack, st, state, load(e.loadBytes), effective && o !== undefined ? percent(o, 2) : '?', e.token]));
    }
    out.push('');
  }
  const perNode = new Map<string, number>();
  for (const e of entries) perNode.set(e.address, (perNode.get(e.address) ?? 0) + 1);
  if ([...perNode.values()].some((n) => n > 1)) {
    out.push('  Warning: "nodetool ring" is used to output all the tokens of a node.');
    out.push('  To view status related info of a node use "nodetool status" instead.', '');
  }
  const note = ownershipNote(status);
  return `${out.join('\n')}\n\n  ${note ? `Note: ${note}\n` : ''}`;
}

/** Java's %.2f (HALF_UP on the decimal expansion). */
const fixed2 = (x: number): string => x.toFixed(2);

/** `nodetool info [-T]`. Sibyl has no key/row/counter/chunk caches, so those lines show empty caches. */
export function formatInfo(info: InfoReport, opts: { tokens?: boolean } = {}): string {
  const rows: Array<[string, string]> = [
    ['ID', info.hostId],
    ['Gossip active', String(info.gossipActive)],
    ['Native Transport active', String(info.nativeTransportActive)],
    ['Load', fileSize(info.loadBytes)],
    ['Generation No', String(info.gossipActive ? info.generation : 0)],
    ['Uptime (seconds)', String(Math.floor(info.uptimeSeconds))],
    ['Heap Memory (MB)', `${fixed2(info.heapUsedMb)} / ${fixed2(info.heapTotalMb)}`],
    ['Off Heap Memory (MB)', fixed2(0)],
    ['Data Center', info.dataCenter],
    ['Rack', info.rack],
    ['Exceptions', '0'],
    ['Key Cache', 'entries 0, size 0 bytes, capacity 0 bytes, 0 hits, 0 requests, NaN recent hit rate, 0 save period in seconds'],
    ['Row Cache', 'entries 0, size 0 bytes, capacity 0 bytes, 0 hits, 0 requests, NaN recent hit rate, 0 save period in seconds'],
    ['Counter Cache', 'entries 0, size 0 bytes, capacity 0 bytes, 0 hits, 0 requests, NaN recent hit rate, 0 save period in seconds'],
    ['Chunk Cache', 'entries 0, size 0 bytes, capacity 0 bytes, 0 misses, 0 requests, NaN recent hit rate, NaN microseconds miss latency'],
    ['Percent Repaired', '100.0%'],
  ];
  if (info.tokens.length === 0) rows.push(['Token', '(node is not joined to the cluster)']);
  else if (info.tokens.length === 1 || opts.tokens) for (const t of info.tokens) rows.push(['Token', t]);
  else rows.push(['Token', `(invoke with -T/--tokens to see all ${info.tokens.length} tokens)`]);
  return rows.map(([k, v]) => `${k.padEnd(23)}: ${v}\n`).join('');
}

const javaList = (xs: readonly string[]): string => `[${xs.join(', ')}]`;

/**
 * `nodetool describecluster`: Cassandra 4.0's layout. Node counts per state and per data centre come from the status
 * report; the database-versions and keyspaces sections of 4.0 are left out (the admin API does not report them).
 */
export function formatDescribeCluster(d: DescribeClusterReport, status: StatusReport): string {
  const snitch = d.snitch.includes('.') ? d.snitch : `org.apache.cassandra.locator.${d.snitch}`;
  const out: string[] = [
    'Cluster Information:',
    `\tName: ${d.name}`,
    `\tSnitch: ${snitch}`,
    `\tDynamicEndPointSnitch: ${d.dynamicEndpointSnitch ? 'enabled' : 'disabled'}`,
    `\tPartitioner: ${d.partitioner}`,
    '\tSchema versions:',
  ];
  for (const [version, addrs] of Object.entries(d.schemaVersions)) out.push(`\t\t${version}: ${javaList([...addrs].sort(compareAddresses))}`, '');
  const count = (f: (s: NodeState) => boolean): number => status.nodes.filter((n) => f(n.state)).length;
  out.push(
    'Stats for all nodes:',
    `\tLive: ${count((s) => s[0] === 'U')}`,
    `\tJoining: ${count((s) => s[1] === 'J')}`,
    `\tMoving: ${count((s) => s[1] === 'M')}`,
    `\tLeaving: ${count((s) => s[1] === 'L')}`,
    `\tUnreachable: ${count((s) => s[0] === 'D')}`,
    '',
    'Data Centers: ',
  );
  for (const [dc, nodes] of byDc(status.nodes)) out.push(`\t${dc} #Nodes: ${nodes.length} #Down: ${nodes.filter((n) => n.state[0] === 'D').length}`);
  return `${out.join('\n')}\n`;
}

/** `nodetool getendpoints`: one replica address per line. */
export function formatEndpoints(addresses: readonly string[]): string {
  return addresses.map((a) => `${a}\n`).join('');
}

/** Cassandra's `yyyy-MM-dd HH:mm:ss,SSS` in UTC. */
function hintTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-12-02T14:54:27.123Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)},${iso.slice(20, 23)}`;
}

/** `nodetool listpendinghints`: Cassandra 4's table, or its one-line answer when there is nothing pending. */
export function formatPendingHints(entries: readonly PendingHintsEntry[]): string {
  if (entries.length === 0) return 'This node does not have any pending hints\n';
  const rows = [['Host ID', 'Address', 'Rack', 'DC', 'Status', 'Total files', 'Newest', 'Oldest'],
    ...entries.map((e) => [e.hostId, e.address, e.rack, e.dc, e.status, String(e.totalFiles), hintTime(e.newest), hintTime(e.oldest)])];
  return sharedTables([rows])[0]!.map((l) => `${l}\n`).join('');
}

/**
 * `nodetool tablestats`: Cassandra 5.0's layout, with the lines Sibyl has numbers for (memtables, flushes, local
 * reads and writes; latencies are not measured, which Cassandra also prints as NaN). There are no SSTables, bloom
 * filters or caches to report.
 */
/** Java's Double.toString for the values tablestats prints: `0.0`, `33.33`, `100.0`. */
const javaDoubleText = (x: number): string => (Number.isInteger(x) ? `${x}.0` : `${x}`);

export function formatTableStats(entries: readonly TableStatsEntry[]): string {
  const out = [`Total number of tables: ${entries.length}`, '----------------'];
  const byKs = new Map<string, TableStatsEntry[]>();
  for (const e of entries) byKs.set(e.keyspace, [...(byKs.get(e.keyspace) ?? []), e]);
  for (const [ks, tables] of byKs) {
    const sum = (f: (t: TableStatsEntry) => number): number => tables.reduce((n, t) => n + f(t), 0);
    out.push(`Keyspace: ${ks}`, `\tRead Count: ${sum((t) => t.localReadCount)}`, '\tRead Latency: NaN ms',
      `\tWrite Count: ${sum((t) => t.localWriteCount)}`, '\tWrite Latency: NaN ms', `\tPending Flushes: ${sum((t) => t.pendingFlushes)}`);
    for (const t of tables) {
      out.push(`\t\tTable: ${t.table}`, `\t\tMemtable cell count: ${t.memtableCellCount}`, `\t\tMemtable data size: ${t.memtableDataSizeBytes}`,
        '\t\tMemtable off heap memory used: 0', `\t\tMemtable switch count: ${t.memtableSwitchCount}`,
        `\t\tLocal read count: ${t.localReadCount}`, '\t\tLocal read latency: NaN ms', `\t\tLocal write count: ${t.localWriteCount}`,
        '\t\tLocal write latency: NaN ms', `\t\tPending flushes: ${t.pendingFlushes}`,
        ...(t.percentRepaired !== undefined ? [`\t\tPercent repaired: ${javaDoubleText(t.percentRepaired)}`] : []), '');
    }
    out.push('----------------');
  }
  return `${out.join('\n')}\n`;
}

/** `nodetool tpstats`: the pool table as Cassandra lays it out (columns one space apart, each as wide as its widest). */
export function formatThreadPools(pools: readonly ThreadPoolEntry[]): string {
  const rows = [['Pool Name', 'Active', 'Pending', 'Completed', 'Blocked', 'All time blocked'],
    ...pools.map((p) => [p.name, String(p.active), String(p.pending), String(p.completed), String(p.blocked), String(p.allTimeBlocked)])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r, n) => (n === 0 ? r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]!) : c)) : r.map((c, i) => c.padEnd(widths[i]!))).join(' '))
    .map((l) => `${l}\n`).join('');
}
