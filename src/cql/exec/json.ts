// JSON in statements: SELECT JSON (each row as one `[json]` text value), INSERT JSON (a JSON object's members
// become the values of the columns they name, with DEFAULT NULL or DEFAULT UNSET for the others), and the
// fromJson() term. The value forms themselves live in model/values/json.ts.
import type { Term } from '../../model/ast.ts';
import type { ColumnDef, TableDef } from '../../schema/model.ts';
import type { ColumnSpec } from '../../protocol/messages.ts';
import { UNSET } from '../../protocol/messages.ts';
import { FunctionFailureError, InvalidRequestError } from '../../model/errors.ts';
import { T, typeToCql, type CqlType } from '../../model/types.ts';
import {
  decodeJson, decodeJsonObject, fromJson, JsonDecodeError, JsonValueError, quoteJsonString, toJson, type JsonNode,
} from '../../model/values/json.ts';
import type { BindContext, CompiledTerm, MarkerTypes, Receiver } from './terms.ts';
import type { ExecValue } from './values.ts';
import { termText } from './term-text.ts';

/** The one column of a SELECT JSON result. */
export function jsonColumn(table: TableDef): ColumnSpec {
  return { keyspace: table.keyspace, table: table.name, name: '[json]', type: T.text };
}

/** A result column's key in SELECT JSON: double-quoted when it has upper-case letters, as Cassandra does. */
function jsonKey(name: string): string {
  const key = name === name.toLowerCase() ? name : `"${name}"`;
  return `"${quoteJsonString(key)}"`;
}

/** Rows of a selection as SELECT JSON returns them, one JSON object per row. */
export function rowsToJson(columns: ColumnSpec[], rows: Array<Array<Buffer | null>>): Array<Array<Buffer | null>> {
  const keys = columns.map((c) => jsonKey(c.name));
  return rows.map((row) => [Buffer.from(`{${row.map((v, i) => `${keys[i]}: ${toJson(columns[i]!.type, v)}`).join(', ')}}`, 'utf8')]);
}

// ---- INSERT JSON -------------------------------------------------------------------------------------------------

/** Java's ByteBuffer.hashCode over the UTF-8 bytes of a name (signed bytes, from the last one down). */
function byteBufferHash(name: string): number {
  const bytes = Buffer.from(name, 'utf8');
  let h = 1;
  for (let i = bytes.length - 1; i >= 0; i--) h = (Math.imul(31, h) + ((bytes[i]! << 24) >> 24)) | 0;
  return h;
}

/**
 * The order Cassandra decodes an INSERT JSON's values in, which decides which bad value is reported: its table
 * metadata keeps columns in a java.util.HashMap keyed by the name's bytes, so they come in bucket order (the
 * spread hash modulo the capacity, 16 doubled while the map is more than 3/4 full), insertion order within a bucket.
 */
export function javaHashOrder(columns: ColumnDef[]): ColumnDef[] {
  let capacity = 16;
  while (columns.length > capacity * 0.75) capacity *= 2;
  const bucket = (c: ColumnDef): number => {
    const h = byteBufferHash(c.name);
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  return columns.map((c, i) => ({ c, i, b: bucket(c) })).sort((x, y) => x.b - y.b || x.i - y.i).map((x) => x.c);
}

/** A JSON key names a column the way a CQL identifier does: lower-cased unless written in double quotes. */
function columnNameOf(key: string): string {
  return key.length >= 2 && key.startsWith('"') && key.endsWith('"') ? key.slice(1, -1).replace(/""/g, '"') : key.toLowerCase();
}

function jsonText(v: ExecValue): string {
  if (v === null) throw new InvalidRequestError('Got null for INSERT JSON values');
  if (v === UNSET) throw new InvalidRequestError('Got unset for INSERT JSON values');
  return v.toString('utf8');
}

/** Decodes the object; returns each column's value (UNSET for an omitted one under DEFAULT UNSET). */
function insertValues(table: TableDef, columns: ColumnDef[], text: string, defaultUnset: boolean): Map<string, ExecValue> {
  let members: Map<string, JsonNode> | null;
  try {
    members = decodeJsonObject(text);
  } catch (e) {
    if (e instanceof JsonDecodeError) throw new InvalidRequestError(`Could not decode JSON string as a map: ${e.javaToString()}. (String was: ${text})`);
    throw e;
  }
  if (members === null) throw new InvalidRequestError('Got null for INSERT JSON values');
  const byColumn = new Map<string, JsonNode>();
  for (const [k, v] of members) byColumn.set(columnNameOf(k), v);
  const out = new Map<string, ExecValue>();
  for (const c of javaHashOrder(columns)) {
    const node = byColumn.get(c.name);
    byColumn.delete(c.name);
    if (node === undefined) {
      out.set(c.name, defaultUnset ? UNSET : null);
      continue;
    }
    try {
      out.set(c.name, fromJson(c.type, node));
    } catch (e) {
      if (e instanceof JsonValueError) throw new InvalidRequestError(`Error decoding JSON value for ${c.name}: ${e.message}`);
      throw e;
    }
  }
  const [unknown] = byColumn.keys();
  if (unknown !== undefined) throw new InvalidRequestError(`JSON values map contains unrecognized column: ${unknown}`);
  return out;
}

/**
 * INSERT JSON: the value of every column of the table (in `columns` order) from one JSON object, bound or literal.
 * Primary key columns the object lacks come out null, which the insert then refuses with Cassandra's message.
 */
export function compileInsertJson(
  table: TableDef, columns: ColumnDef[], json: Term, jsonDefault: 'null' | 'unset' | undefined, markers: MarkerTypes,
): (ctx: BindContext) => ExecValue[] {
  let text: (ctx: BindContext) => ExecValue;
  if (json.kind === 'bind') {
    markers.set(json.index, { keyspace: table.keyspace, table: table.name, name: '[json]', type: T.text }, json.name);
    text = (ctx) => ctx.values[json.index] ?? null;
  } else if (json.kind === 'literal') {
    const literal = Buffer.from(json.text, 'utf8');
    text = () => literal;
  } else {
    throw new InvalidRequestError('INSERT JSON takes a string literal or a bind marker');
  }
  const unset = jsonDefault === 'unset';
  return (ctx) => {
    const values = insertValues(table, columns, jsonText(text(ctx)), unset);
    return columns.map((c) => {
      const v = values.get(c.name)!;
      // Omitted primary key columns are null whatever the DEFAULT, so that they are reported as missing.
      return v === UNSET && (c.kind === 'partition_key' || c.kind === 'clustering') ? null : v;
    });
  };
}

// ---- fromJson() ----------------------------------------------------------------------------------------------

const FROM_JSON = 'system.fromjson';

function fromJsonFailure(message: string): FunctionFailureError {
  return new FunctionFailureError(message, 'system', 'fromjson', ['text']);
}

/**
 * fromJson(text) assigned to `r`: the JSON decoded as a value of the receiver's type. Its argument is a text term
 * (a string literal, a bind marker typed `arg0(system.fromjson)`, or a text-valued function).
 */
export function compileFromJson(
  args: Term[], r: Receiver, markers: MarkerTypes,
  compileArg: (t: Term, r: Receiver) => CompiledTerm, argType: (t: Term) => CqlType | undefined,
): CompiledTerm {
  if (args.length !== 1) throw new InvalidRequestError(`Invalid number of arguments for function ${FROM_JSON}(text)`);
  const arg = args[0]!;
  const t = argType(arg);
  if (t !== undefined && !(t.kind === 'native' && (t.name === 'text' || t.name === 'ascii'))) {
    throw new InvalidRequestError(`Function ${FROM_JSON} requires an argument of type text, but found argument ${termText(arg)} of type ${typeToCql(t)}`);
  }
  void markers;
  const compiled = compileArg(arg, { keyspace: r.keyspace, table: r.table, name: `arg0(${FROM_JSON})`, type: T.text });
  return (ctx) => {
    const v = compiled(ctx);
    if (v === null || v === UNSET) return null;
    const text = v.toString('utf8');
    let node: JsonNode;
    try {
      node = decodeJson(text);
    } catch (e) {
      if (e instanceof JsonDecodeError) throw fromJsonFailure(`execution of '${FROM_JSON}[text]' failed: Could not decode JSON string '${text}': ${e.javaToString()}`);
      throw e;
    }
    try {
      return fromJson(r.type, node);
    } catch (e) {
      if (e instanceof JsonValueError) throw fromJsonFailure(`org.apache.cassandra.serializers.MarshalException: ${e.message}`);
      throw e;
    }
  };
}
