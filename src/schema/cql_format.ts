// CREATE statements for schema elements, formatted exactly as Cassandra 4.0's DESCRIBE prints them (cqlsh 4.x
// shows the server's text verbatim, and tools diff it): four-space indents, options in alphabetical order,
// maps with sorted keys, doubles in Java's Double.toString form.
import { isMultiCell, quoteIdentIfNeeded, typeToCql } from '../model/types.ts';
import type { ColumnDef, IndexDef, KeyspaceDef, TableDef, UserTypeDef } from './model.ts';
import { customOptions } from './indexes.ts';
import { isVirtualKeyspace } from './system_defs.ts';
import { compareNames } from './table_build.ts';

const q = quoteIdentIfNeeded;

/** Java's Double.toString: at least one fractional digit, scientific notation outside [1e-3, 1e7). */
export function javaDouble(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (!Number.isFinite(d)) return d > 0 ? 'Infinity' : '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(d);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exp] = d.toExponential().split('e');
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${exp.startsWith('+') ? exp.slice(1) : exp}`;
}

const quoteString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function cqlMap(m: Record<string, string>, quoteValues = true): string {
  // TreeMap<String, String> order: UTF-16 code units, which is also JS's default sort.
  const entries = Object.keys(m).sort().map((k) => `${quoteString(k)}: ${quoteValues ? quoteString(m[k]) : m[k]}`);
  return `{${entries.join(', ')}}`;
}

export function keyspaceToCql(ks: KeyspaceDef): string {
  if (isVirtualKeyspace(ks.name)) {
    return (
      '/*\n' +
      `Warning: Keyspace ${q(ks.name)} is a virtual keyspace and cannot be recreated with CQL.\n` +
      'Structure, for reference:\n' +
      `VIRTUAL KEYSPACE ${q(ks.name)};\n` +
      '*/'
    );
  }
  const { class: cls, ...options } = ks.replication;
  const parts = [`'class': ${quoteString(cls ?? '')}`];
  for (const k of Object.keys(options).sort()) parts.push(`${quoteString(k)}: ${quoteString(options[k])}`);
  return `CREATE KEYSPACE ${q(ks.name)} WITH replication = {${parts.join(', ')}}  AND durable_writes = ${ks.durableWrites};`;
}

export function typeToCreateCql(u: UserTypeDef): string {
  const fields = u.fieldNames.map((n, i) => `    ${q(n)} ${typeToCql(u.fieldTypes[i])}`);
  return `CREATE TYPE ${q(u.keyspace)}.${q(u.name)} (\n${fields.join(',\n')}\n);`;
}

/** Static then regular columns, each group simple (single-cell) columns first, by name: Cassandra's create order. */
function otherColumnsInCreateOrder(t: TableDef): ColumnDef[] {
  const group = (kind: 'static' | 'regular', complex: boolean): ColumnDef[] =>
    t.regular
      .filter((c) => c.kind === kind && isMultiCell(c.type) === complex)
      .sort((a, b) => compareNames(a.name, b.name));
  return [...group('static', false), ...group('static', true), ...group('regular', false), ...group('regular', true)];
}

function columnCql(c: { name: string; type: ColumnDef['type']; kind: string }): string {
  return `${q(c.name)} ${typeToCql(c.type)}${c.kind === 'static' ? ' static' : ''}`;
}

export function tableOptionsCql(t: TableDef): string {
  const o = t.options;
  const ext: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.extensions)) ext[k] = `0x${v}`;
  return [
    `additional_write_policy = ${quoteString(o.additional_write_policy)}`,
    `bloom_filter_fp_chance = ${javaDouble(o.bloom_filter_fp_chance)}`,
    `caching = ${cqlMap(o.caching)}`,
    `cdc = ${o.cdc}`,
    `comment = ${quoteString(o.comment)}`,
    `compaction = ${cqlMap(o.compaction)}`,
    `compression = ${cqlMap(o.compression)}`,
    `crc_check_chance = ${javaDouble(o.crc_check_chance)}`,
    `default_time_to_live = ${o.default_time_to_live}`,
    `extensions = ${cqlMap(ext, false)}`,
    `gc_grace_seconds = ${o.gc_grace_seconds}`,
    `max_index_interval = ${o.max_index_interval}`,
    `memtable_flush_period_in_ms = ${o.memtable_flush_period_in_ms}`,
    `min_index_interval = ${o.min_index_interval}`,
    `read_repair = ${quoteString(o.read_repair)}`,
    `speculative_retry = ${quoteString(o.speculative_retry)}`,
  ].join('\n    AND ');
}

/**
 * The CREATE TABLE statement. With internals (DESCRIBE … WITH INTERNALS) it also shows the table id and replays
 * dropped columns: they are declared, then dropped with their drop timestamp, then re-added if they exist again.
 */
export function tableToCql(t: TableDef, withInternals: boolean): string {
  const virtual = isVirtualKeyspace(t.keyspace);
  const name = `${q(t.keyspace)}.${q(t.name)}`;
  const lines: string[] = [];
  let head = '';
  if (virtual) {
    head =
      `/*\nWarning: Table ${name} is a virtual table and cannot be recreated with CQL.\n` + 'Structure, for reference:\n';
  }
  head += `${virtual ? 'VIRTUAL' : 'CREATE'} TABLE ${name} (\n`;

  const single = t.partitionKey.length === 1 && t.clustering.length === 0;
  const dropped = withInternals && !virtual ? [...(t.dropped?.values() ?? [])] : [];
  const current = [...t.partitionKey, ...t.clustering, ...otherColumnsInCreateOrder(t)].filter(
    (c) => !dropped.some((d) => d.name === c.name),
  );
  current.forEach((c, i) => {
    let line = `    ${columnCql(c)}`;
    if (single && c.kind === 'partition_key') line += ' PRIMARY KEY';
    if (!single || dropped.length > 0 || i < current.length - 1) line += ',';
    lines.push(line);
  });
  dropped.forEach((d, i) => lines.push(`    ${columnCql(d)}${!single || i < dropped.length - 1 ? ',' : ''}`));
  if (!single) {
    const pk = t.partitionKey.length > 1
      ? `(${t.partitionKey.map((c) => q(c.name)).join(', ')})`
      : q(t.partitionKey[0].name);
    const ck = t.clustering.map((c) => `, ${q(c.name)}`).join('');
    lines.push(`    PRIMARY KEY (${pk}${ck})`);
  }

  const withParts: string[] = [];
  if (withInternals) withParts.push(`ID = ${t.id}`);
  if (t.clustering.length > 0) {
    withParts.push(`CLUSTERING ORDER BY (${t.clustering.map((c) => `${q(c.name)} ${c.order === 'desc' ? 'DESC' : 'ASC'}`).join(', ')})`);
  }
  withParts.push(virtual ? `comment = ${quoteString(t.options.comment)}` : tableOptionsCql(t));
  let out = `${head}${lines.join('\n')}\n) WITH ${withParts.join('\n    AND ')};`;
  if (virtual) out += '\n*/';
  for (const d of dropped) {
    out += `\nALTER TABLE ${name} DROP ${q(d.name)} USING TIMESTAMP ${d.droppedTime};`;
    const readded = t.columns.get(d.name);
    if (readded !== undefined) out += `\nALTER TABLE ${name} ADD ${columnCql(readded)};`;
  }
  return out;
}

/** CREATE [CUSTOM] INDEX as Cassandra's IndexMetadata.toCqlString prints it. */
export function indexToCql(t: TableDef, i: IndexDef): string {
  const head = `CREATE ${i.kind === 'CUSTOM' ? 'CUSTOM ' : ''}INDEX ${q(i.name)} ON ${q(t.keyspace)}.${q(t.name)} (${i.options.target ?? ''})`;
  if (i.kind !== 'CUSTOM') return `${head};`;
  const using = ` USING ${quoteString(i.options.class_name ?? '')}`;
  const opts = customOptions(i);
  const withOptions = Object.keys(opts).length === 0 ? '' : ` WITH OPTIONS = ${cqlMap(opts)}`;
  return `${head}${using}${withOptions};`;
}
