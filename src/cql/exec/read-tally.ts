// The tombstone warning of a read (tombstone_warn_threshold), as Cassandra 5.0's ReadCommand sends it when a read
// command it ran scanned more tombstones than the threshold: "Read L live rows and T tombstone cells for query Q;
// token N (see tombstone_warn_threshold)", Q being the command as ReadCommand.toCQLString prints it (its queried
// columns, one partition's key or the range, the clustering and row filters, ORDER BY for a reversed read, the
// command's limits, then always ALLOW FILTERING) and N the token of the last partition read. A command is one
// partition of a key list (each key of an IN is its own), or a page of a range scan. The counts come from the
// partitions the coordinator got (storage/tombstone-count.ts). Cassandra only warns for reads its coordinator ran
// itself (read_thresholds_enabled off, its 5.0 default); Sibyl warns for every command, remote replicas included.
import type { Relation, SelectStatement, Selector, Term } from '../../model/ast.ts';
import type { TableDef } from '../../schema/model.ts';
import type { PartitionData } from '../../storage/types.ts';
import { isMultiCell, quoteIdentIfNeeded, type CqlType } from '../../model/types.ts';
import { formatLiteral } from '../../model/values/format.ts';
import { readCollection } from '../../model/values/collections.ts';
import { countPartition, respectsTombstoneThresholds, type ReadCounts } from '../../storage/tombstone-count.ts';
import { splitPartitionKey } from './rows.ts';
import { relationTermText } from './term-text.ts';
import type { BindContext } from './terms.ts';
import type { TraceSink } from './plan.ts';

/** Cassandra 5.0's tombstone_warn_threshold. */
export const DEFAULT_TOMBSTONE_WARN_THRESHOLD = 1000;

export interface ReadTallyOptions {
  table: TableDef;
  stmt: SelectStatement;
  ctx: BindContext;
  reversed: boolean;
  /** Aggregates or GROUP BY without paging: Cassandra's command then carries limits that print as nothing. */
  unpagedAggregate: boolean;
  nowSec: number;
  warnThreshold: number;
  warnings?: string[];
  trace?: TraceSink;
}

export class ReadTally {
  /** Commands flushed so far, and what they read in all (live rows counted only when the read is traced). */
  commands = 0;
  readonly total: ReadCounts = { liveRows: 0, tombstones: 0 };
  private pending: ReadCounts | undefined;
  /** The partitions of the pending command, kept to count their live rows should it warn. */
  private pendingParts: PartitionData[] = [];
  private lastPartition: PartitionData | undefined;
  private pageRows = Infinity;
  private pagePerPartition = Infinity;

  constructor(private readonly o: ReadTallyOptions) {}

  /** The limits of the commands of a page: the page size or what is left of LIMIT, and PER PARTITION LIMIT. */
  beginPage(pageSize: number, remaining: number, perPartition: number): void {
    if (this.o.unpagedAggregate) return;
    // Kept as numbers: their text is only wanted in a warning.
    this.pageRows = Math.min(pageSize, remaining);
    this.pagePerPartition = perPartition;
  }

  /** A partition a command read (undefined when the replica had none). */
  add(p: PartitionData | undefined): void {
    this.pending ??= { liveRows: 0, tombstones: 0 };
    if (p === undefined) return;
    // Tombstones are always counted (the threshold); live rows, the costly part, only for a trace event, or later
    // for a warning (flush).
    const traced = this.o.trace !== undefined;
    countPartition(this.o.table, p, this.o.nowSec, this.pending, traced);
    if (!traced) this.pendingParts.push(p);
    this.lastPartition = p;
  }

  /** Ends the current command: its trace event, and its warning past the threshold. */
  flush(singlePartition: boolean): void {
    const c = this.pending;
    if (c === undefined) return;
    const parts = this.pendingParts;
    this.pending = undefined;
    if (parts.length > 0) this.pendingParts = [];
    this.commands++;
    const warn = this.o.warnThreshold >= 0 && c.tombstones > this.o.warnThreshold && respectsTombstoneThresholds(this.o.table) && this.lastPartition !== undefined;
    if (warn && this.o.trace === undefined) {
      // Counted without live rows so far: count them now, for the warning's text.
      const full: ReadCounts = { liveRows: 0, tombstones: 0 };
      for (const p of parts) countPartition(this.o.table, p, this.o.nowSec, full);
      c.liveRows = full.liveRows;
    }
    this.total.liveRows += c.liveRows;
    this.total.tombstones += c.tombstones;
    this.o.trace?.trace(`Read ${c.liveRows} live rows and ${c.tombstones} tombstone cells${warn ? ' (see tombstone_warn_threshold)' : ''}`);
    if (!warn || !this.o.warnings) return;
    const p = this.lastPartition!;
    const query = this.commandText(singlePartition ? p.key : undefined).slice(0, 512);
    this.o.warnings.push(`Read ${c.liveRows} live rows and ${c.tombstones} tombstone cells for query ${query}; token ${p.token} (see tombstone_warn_threshold)`);
  }

  private limitsText(): string {
    const parts: string[] = [];
    if (Number.isFinite(this.pageRows)) parts.push(`LIMIT ${this.pageRows}`);
    if (Number.isFinite(this.pagePerPartition)) parts.push(`PER PARTITION LIMIT ${this.pagePerPartition}`);
    return parts.join(' ');
  }

  /** ReadCommand.toCQLString of the command: of one partition when `key` is given, else of a range. */
  commandText(key: Buffer | undefined): string {
    const { table, stmt } = this.o;
    const where: string[] = [];
    if (key !== undefined) {
      const values = splitPartitionKey(table, key);
      table.partitionKey.forEach((c, i) => where.push(`${quoteIdentIfNeeded(c.name)} = ${formatLiteral(c.type, values[i] ?? null)}`));
    } else {
      for (const r of stmt.where) if (r.lhs.kind === 'token') where.push(this.relationText(r));
    }
    const isClustering = (r: Relation) => relationColumns(r).some((n) => table.columns.get(n)?.kind === 'clustering');
    const isKey = (r: Relation) => r.lhs.kind === 'token' || relationColumns(r).some((n) => table.columns.get(n)?.kind === 'partition_key');
    for (const r of stmt.where) if (isClustering(r)) where.push(this.relationText(r));
    for (const r of stmt.where) if (!isClustering(r) && !isKey(r)) where.push(this.relationText(r));
    let text = `SELECT ${queriedColumns(table, stmt)} FROM ${quoteIdentIfNeeded(table.keyspace)}.${quoteIdentIfNeeded(table.name)}`;
    if (where.length > 0) text += ` WHERE ${where.join(' AND ')}`;
    if (this.o.reversed && table.clustering.length > 0) {
      text += ` ORDER BY ${table.clustering.map((c) => `${quoteIdentIfNeeded(c.name)} ${c.order === 'desc' ? 'ASC' : 'DESC'}`).join(', ')}`;
    }
    const limits = this.limitsText();
    if (limits !== '' || this.o.unpagedAggregate) text += ` ${limits}`;
    return `${text} ALLOW FILTERING`;
  }

  private relationText(r: Relation): string {
    const lhs = r.lhs.kind === 'column' ? quoteIdentIfNeeded(r.lhs.name)
      : r.lhs.kind === 'token' ? `token(${r.lhs.columns.map(quoteIdentIfNeeded).join(', ')})`
        : r.lhs.kind === 'tuple' ? `(${r.lhs.columns.map(quoteIdentIfNeeded).join(', ')})`
          : `${quoteIdentIfNeeded(r.lhs.name)}[${relationTermText(r.lhs.key)}]`;
    const type = r.lhs.kind === 'column' ? this.o.table.columns.get(r.lhs.name)?.type : undefined;
    return `${lhs} ${r.op} ${this.termText(r.rhs, type, r.op === 'IN')}`;
  }

  /** A term with its bound value where it is a marker of a known column type (Cassandra prints values, not markers). */
  private termText(t: Term, type: CqlType | undefined, isIn: boolean): string {
    if (t.kind !== 'bind' || type === undefined) return isIn && t.kind === 'list' ? `(${t.elements.map((e) => this.termText(e, type, false)).join(', ')})` : relationTermText(t);
    const v = this.o.ctx.values[t.index];
    if (!Buffer.isBuffer(v)) return relationTermText(t);
    return isIn ? `(${readCollection(v).map((e) => formatLiteral(type, e)).join(', ')})` : formatLiteral(type, v);
  }
}

function relationColumns(r: Relation): string[] {
  return r.lhs.kind === 'tuple' || r.lhs.kind === 'token' ? r.lhs.columns : [r.lhs.name];
}

function selectorColumns(s: Selector, out: Set<string>): void {
  switch (s.kind) {
    case 'column': out.add(s.name); return;
    case 'function': for (const a of s.args) selectorColumns(a, out); return;
    case 'operation': selectorColumns(s.left, out); selectorColumns(s.right, out); return;
    case 'cast': case 'field': case 'element': case 'slice': case 'negate': case 'paren': selectorColumns(s.selector, out); return;
    default: return;
  }
}

/**
 * ColumnFilter.toCQLString: `*` for a wildcard or when no static/regular column is queried, else the queried ones —
 * those selected and those the row filter reads — statics first, simple before complex, by name.
 */
function queriedColumns(table: TableDef, stmt: SelectStatement): string {
  if (stmt.selectors === '*') return '*';
  const names = new Set<string>();
  for (const c of stmt.selectors) selectorColumns(c.selector, names);
  for (const r of stmt.where) for (const n of relationColumns(r)) names.add(n);
  const cols = [...names].map((n) => table.columns.get(n)).filter((c) => c !== undefined && (c.kind === 'regular' || c.kind === 'static'));
  if (cols.length === 0) return '*';
  const rank = (c: (typeof cols)[number]) => (c!.kind === 'static' ? 0 : 2) + (isMultiCell(c!.type) ? 1 : 0);
  cols.sort((a, b) => rank(a) - rank(b) || Buffer.compare(Buffer.from(a!.name), Buffer.from(b!.name)));
  return cols.map((c) => quoteIdentIfNeeded(c!.name)).join(', ');
}
