// StorageAttachedIndex.validateOptions as Cassandra 5.0.9 applies it to CREATE INDEX … USING 'sai': the options it
// understands, text analysis only on text columns that are not part of the primary key, and the types it can index.
import { ConfigError, InvalidRequestError } from '../model/errors.ts';
import { isMultiCell, quoteIdentIfNeeded, typeToCql, type CqlType } from '../model/types.ts';
import type { IndexDef, TableDef } from './model.ts';
import { customOptions, termType, type IndexTarget } from './indexes.ts';
import { SIMILARITY_FUNCTIONS, type SimilarityFunction } from '../model/values/similarity.ts';

const ire = (msg: string): InvalidRequestError => new InvalidRequestError(msg);

const ANALYSIS_OPTIONS = ['case_sensitive', 'normalize', 'ascii'];
const VECTOR_OPTIONS = ['maximum_node_connections', 'construction_beam_width', 'similarity_function', 'optimize_for'];
const VALID_OPTIONS = new Set([...ANALYSIS_OPTIONS, ...VECTOR_OPTIONS]);

/** CQL types SAI indexes natively (StorageAttachedIndex.SUPPORTED_TYPES); frozen values are indexed whole. */
const SUPPORTED_NATIVE = new Set([
  'ascii', 'bigint', 'date', 'double', 'float', 'int', 'smallint', 'text', 'time', 'timestamp', 'timeuuid', 'tinyint',
  'uuid', 'inet', 'varint', 'decimal', 'boolean',
]);

function isFrozenValue(t: CqlType): boolean {
  return t.kind === 'tuple' || ((t.kind === 'list' || t.kind === 'set' || t.kind === 'map' || t.kind === 'udt') && !isMultiCell(t));
}

function checkSupported(t: CqlType): void {
  if (t.kind === 'native' && SUPPORTED_NATIVE.has(t.name)) return;
  if (isFrozenValue(t)) return;
  throw ire(`Unsupported type: ${typeToCql(t)}`);
}

const isText = (t: CqlType): boolean => t.kind === 'native' && (t.name === 'text' || t.name === 'ascii');

/** `{'a': 'b'}` as Cassandra's CqlBuilder prints a map of strings. */
function cqlMap(m: Record<string, string>): string {
  return `{${Object.entries(m).map(([k, v]) => `'${k}': '${v}'`).join(', ')}}`;
}

function checkAnalysis(column: CqlType, target: IndexTarget, options: Record<string, string>): void {
  const analysis = ANALYSIS_OPTIONS.filter((o) => options[o] !== undefined);
  if (analysis.length === 0) return;
  const term = termType(column, target.kind);
  if (!isText(term)) throw ire(`CQL type ${typeToCql(term)} cannot be analyzed.`);
  for (const o of analysis) {
    const v = options[o]!.toLowerCase();
    if (v !== 'true' && v !== 'false') throw ire(`Illegal value for boolean option '${o}': ${options[o]}`);
  }
}

/** Java's Integer.parseInt: an optional sign and decimal digits within 32 bits, else undefined. */
function javaInt(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n >= -2147483648 && n <= 2147483647 ? n : undefined;
}

/** IndexWriterConfig.fromOptions on the graph options (index name null, as validateOptions passes it). */
function checkGraphOption(options: Record<string, string>, allowCustom: boolean, o: { key: string; label: string; what: string; max: number }): void {
  const v = options[o.key];
  if (v === undefined) return;
  if (!allowCustom) throw ire(`${o.label} cannot be set without enabling SAI_VECTOR_ALLOW_CUSTOM_PARAMETERS`);
  const n = javaInt(v);
  if (n === undefined) throw ire(`${o.what} ${v} is not a valid integer for index null`);
  if (n <= 0 || n > o.max) throw ire(`${o.what} for index null cannot be <= 0 or > ${o.max}, was ${n}`);
}

const OPTIMIZE_FOR = ['LATENCY', 'RECALL'];

/** A vector index: its graph options, float elements, a known similarity function, and no cosine on one dimension. */
function checkVector(t: Extract<CqlType, { kind: 'vector' }>, options: Record<string, string>, allowCustom: boolean): void {
  checkGraphOption(options, allowCustom, { key: 'maximum_node_connections', label: 'Maximum node connections', what: 'Maximum number of connections', max: 512 });
  checkGraphOption(options, allowCustom, { key: 'construction_beam_width', label: 'Construction beam width', what: 'Construction beam width', max: 3200 });
  const optimizeFor = options.optimize_for?.toUpperCase();
  const fn = (options.similarity_function ?? 'COSINE').toUpperCase();
  if (!SIMILARITY_FUNCTIONS.includes(fn as SimilarityFunction)) {
    throw ire(`Similarity function ${fn} was not recognized for index null. Valid values are: ${SIMILARITY_FUNCTIONS.join(', ')}`);
  }
  if (optimizeFor !== undefined && !OPTIMIZE_FOR.includes(optimizeFor)) {
    throw ire(`optimize_for '${optimizeFor}' was not recognized for index null. Valid values are: ${OPTIMIZE_FOR.join(', ')}`);
  }
  if (t.element.kind !== 'native' || t.element.name !== 'float') throw ire('SAI ANN indexes are only allowed on vector columns with float elements');
  if (t.dimension === 1 && fn === 'COSINE') throw ire('Cosine similarity is not supported for single-dimension vectors');
}

export function validateSaiOptions(table: TableDef, index: IndexDef, targets: IndexTarget[], existing: IndexTarget[],
  allowCustomVectorParameters = false): void {
  const target = targets[0];
  if (targets.length === 1 && existing.some((e) => e.column === target!.column && e.kind === target!.kind)) {
    throw ire(`Cannot create more than one storage-attached index on the same column: ${quoteIdentIfNeeded(target!.column)}`);
  }
  const options = customOptions(index);
  const unknown = Object.keys(options).filter((k) => !VALID_OPTIONS.has(k));
  if (unknown.length > 0) throw new ConfigError(`Properties specified [${unknown.join(', ')}] are not understood by StorageAttachedIndex`);
  if (targets.length > 1) throw ire(`A storage-attached index cannot be created over multiple columns: ${index.options.target}`);
  if (target === undefined) throw ire('Failed to retrieve target column for: ');
  const col = table.columns.get(target.column)!;
  const analysis = Object.fromEntries(ANALYSIS_OPTIONS.filter((o) => options[o] !== undefined).map((o) => [o, options[o]!]));
  if ((col.kind === 'partition_key' || col.kind === 'clustering') && Object.keys(analysis).length > 0) {
    throw ire(`Analysis options are not supported on primary key columns, but found ${cqlMap(analysis)}`);
  }
  checkAnalysis(col.type, target, options);
  if (col.type.kind === 'vector' && target.kind === 'simple') return checkVector(col.type, options, allowCustomVectorParameters);
  if (VECTOR_OPTIONS.some((o) => options[o] !== undefined)) {
    throw ire(`CQL type ${typeToCql(termType(col.type, target.kind))} cannot have vector options`);
  }
  if (target.kind === 'entries' && col.type.kind === 'map') {
    checkSupported(col.type.key);
    checkSupported(col.type.value);
  } else checkSupported(termType(col.type, target.kind));
}
