// A JSON reader that behaves as Cassandra's does (Jackson's ObjectMapper behind Json.decodeJson): numbers keep
// the Java class Jackson gives them (Integer, Long, BigInteger, Double), objects keep insertion order with a later
// duplicate key replacing the earlier value in place (LinkedHashMap), and malformed input fails with Jackson's
// exception class, message and line/column, which Cassandra passes through to clients.

export type JavaNumberClass = 'Integer' | 'Long' | 'BigInteger' | 'Double';

export type JsonNode =
  | { kind: 'null' }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'string'; value: string }
  /** `text` is the number as written; `value` is the Double for Double, else the exact integer. */
  | { kind: 'number'; javaClass: JavaNumberClass; text: string; value: number | bigint }
  | { kind: 'array'; items: JsonNode[] }
  | { kind: 'object'; entries: Map<string, JsonNode> };

export type JacksonClass =
  | 'com.fasterxml.jackson.core.JsonParseException'
  | 'com.fasterxml.jackson.core.io.JsonEOFException'
  | 'com.fasterxml.jackson.databind.exc.MismatchedInputException';

const SOURCE = 'Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled)';
const VALID_VALUES = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

/** A Jackson failure: `detail` is its message without the location, `location` the ` at [Source: …]` part. */
export class JsonDecodeError extends Error {
  constructor(readonly javaClass: JacksonClass, readonly detail: string, readonly location: string) {
    super(`${detail}\n at ${location}`);
  }
  /** What Java's Throwable.toString gives: class name, colon, message. */
  javaToString(): string {
    return `${this.javaClass}: ${this.message}`;
  }
}

const location = (line: number, column?: number): string =>
  column === undefined ? `[${SOURCE}; line: ${line}]` : `[${SOURCE}; line: ${line}, column: ${column}]`;

const isIdentStart = (c: string): boolean => /[\p{L}\p{Nl}$_\p{Sc}\p{Pc}]/u.test(c);
const isIdentPart = (c: string): boolean => /[\p{L}\p{Nl}\p{Nd}$_\p{Sc}\p{Pc}\p{Mn}\p{Mc}]/u.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const charDesc = (c: string): string => {
  const code = c.codePointAt(0)!;
  return code < 32 ? `(CTRL-CHAR, code ${code})` : `'${c}' (code ${code})`;
};

class Reader {
  pos = 0;
  line = 1;
  rowStart = 0;
  constructor(readonly text: string) {}

  /** 1-based column of the character at `index` on the current row. */
  col(index: number): number {
    return index - this.rowStart + 1;
  }
  fail(detail: string, index: number, cls: JacksonClass = 'com.fasterxml.jackson.core.JsonParseException'): never {
    throw new JsonDecodeError(cls, detail, location(this.line, this.col(index)));
  }
  unexpected(index: number, what: string): never {
    this.fail(`Unexpected character (${charDesc(this.text[index]!)}): ${what}`, index);
  }
  eofIn(kind: 'Object' | 'Array', start: { line: number; col: number }): never {
    this.fail(`Unexpected end-of-input: expected close marker for ${kind} (start marker at ${location(start.line, start.col)})`,
      this.text.length, 'com.fasterxml.jackson.core.io.JsonEOFException');
  }
  skipWs(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c === ' ' || c === '\t') this.pos++;
      else if (c === '\n' || c === '\r') {
        this.pos++;
        if (c === '\r' && t[this.pos] === '\n') this.pos++;
        this.line++;
        this.rowStart = this.pos;
      } else break;
    }
  }
  /** The rest of an invalid token (Jackson's _reportInvalidToken), from `start`, which must already be consumed up to pos. */
  invalidToken(start: number): never {
    let end = this.pos;
    while (end < this.text.length && end - start < 256 && isIdentPart(this.text[end]!)) end++;
    const token = this.text.slice(start, end);
    if (token === 'NaN' || token === 'Infinity') {
      this.fail(`Non-standard token '${token}': enable \`JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS\` to allow`, end);
    }
    this.fail(`Unrecognized token '${token}': was expecting ${VALID_VALUES}`, end);
  }
}

/** Reads one value starting at the reader's position (whitespace already skipped). `root` checks what follows numbers. */
function readValue(r: Reader, root: boolean, depth: number): JsonNode {
  if (depth > 1000) r.fail('Document nesting depth exceeds the maximum allowed (1000)', r.pos);
  const t = r.text;
  const c = t[r.pos];
  if (c === undefined) return r.fail('Unexpected end-of-input', t.length, 'com.fasterxml.jackson.core.io.JsonEOFException');
  if (c === '{') return readObject(r, depth);
  if (c === '[') return readArray(r, depth);
  if (c === '"') return { kind: 'string', value: readString(r) };
  if (c === '-' || isDigit(c)) return readNumber(r, root);
  if (c === '+') {
    r.fail("Unexpected character ('+' (code 43)) in numeric value: JSON spec does not allow numbers to have plus signs: " +
      'enable `JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS` to allow', r.pos + 1);
  }
  for (const [word, node] of LITERALS) {
    if (c !== word[0]) continue;
    const start = r.pos;
    let i = 0;
    while (i < word.length && t[start + i] === word[i]) i++;
    r.pos = start + i;
    if (i < word.length || (r.pos < t.length && isIdentPart(t[r.pos]!))) return r.invalidToken(start);
    return node;
  }
  if (isIdentStart(c)) {
    const start = r.pos;
    r.pos++;
    return r.invalidToken(start);
  }
  return r.unexpected(r.pos, `expected a valid value ${VALID_VALUES}`);
}

const LITERALS: Array<[string, JsonNode]> = [
  ['true', { kind: 'boolean', value: true }],
  ['false', { kind: 'boolean', value: false }],
  ['null', { kind: 'null' }],
];

function readObject(r: Reader, depth: number): JsonNode {
  const start = { line: r.line, col: r.col(r.pos) };
  r.pos++;
  const entries = new Map<string, JsonNode>();
  r.skipWs();
  if (r.text[r.pos] === '}') {
    r.pos++;
    return { kind: 'object', entries };
  }
  for (;;) {
    const c = r.text[r.pos];
    if (c === undefined) r.eofIn('Object', start);
    if (c !== '"') r.unexpected(r.pos, 'was expecting double-quote to start field name');
    const name = readString(r);
    r.skipWs();
    if (r.text[r.pos] === undefined) r.eofIn('Object', start);
    if (r.text[r.pos] !== ':') r.unexpected(r.pos, 'was expecting a colon to separate field name and value');
    r.pos++;
    r.skipWs();
    if (r.text[r.pos] === undefined) r.eofIn('Object', start);
    entries.set(name, readValue(r, false, depth + 1));
    r.skipWs();
    const sep = r.text[r.pos];
    if (sep === undefined) r.eofIn('Object', start);
    r.pos++;
    if (sep === '}') return { kind: 'object', entries };
    if (sep === ']') {
      r.fail(`Unexpected close marker ']': expected '}' (for Object starting at ${location(start.line, start.col)})`, r.pos - 1);
    }
    if (sep !== ',') r.unexpected(r.pos - 1, 'was expecting comma to separate Object entries');
    r.skipWs();
  }
}

function readArray(r: Reader, depth: number): JsonNode {
  const start = { line: r.line, col: r.col(r.pos) };
  r.pos++;
  const items: JsonNode[] = [];
  r.skipWs();
  if (r.text[r.pos] === ']') {
    r.pos++;
    return { kind: 'array', items };
  }
  for (;;) {
    if (r.text[r.pos] === undefined) r.eofIn('Array', start);
    items.push(readValue(r, false, depth + 1));
    r.skipWs();
    const sep = r.text[r.pos];
    if (sep === undefined) r.eofIn('Array', start);
    r.pos++;
    if (sep === ']') return { kind: 'array', items };
    if (sep === '}') {
      r.fail(`Unexpected close marker '}': expected ']' (for Array starting at ${location(start.line, start.col)})`, r.pos - 1);
    }
    if (sep !== ',') r.unexpected(r.pos - 1, 'was expecting comma to separate Array entries');
    r.skipWs();
  }
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function readString(r: Reader): string {
  const t = r.text;
  r.pos++; // opening quote
  let out = '';
  for (;;) {
    const c = t[r.pos];
    if (c === undefined) {
      r.fail('Unexpected end-of-input: was expecting closing quote for a string value', t.length, 'com.fasterxml.jackson.core.io.JsonEOFException');
    }
    if (c === '"') {
      r.pos++;
      return out;
    }
    if (c === '\\') {
      const e = t[r.pos + 1];
      if (e === undefined) r.fail('Unexpected end-of-input in character escape sequence', t.length, 'com.fasterxml.jackson.core.io.JsonEOFException');
      if (e === 'u') {
        let code = 0;
        for (let i = 0; i < 4; i++) {
          const h = t[r.pos + 2 + i];
          if (h === undefined) r.fail('Unexpected end-of-input in character escape sequence', t.length, 'com.fasterxml.jackson.core.io.JsonEOFException');
          if (!/[0-9a-fA-F]/.test(h)) r.unexpected(r.pos + 2 + i, 'expected a hex-digit for character escape sequence');
          code = code * 16 + parseInt(h, 16);
        }
        out += String.fromCharCode(code);
        r.pos += 6;
        continue;
      }
      const v = ESCAPES[e];
      if (v === undefined) r.fail(`Unrecognized character escape ${charDesc(e)}`, r.pos + 1);
      out += v;
      r.pos += 2;
      continue;
    }
    if (c.charCodeAt(0) < 32) {
      r.fail(`Illegal unquoted character (${charDesc(c)}): has to be escaped using backslash to be included in string value`, r.pos);
    }
    out += c;
    r.pos++;
  }
}

const INT_MIN = -2147483648n;
const INT_MAX = 2147483647n;
const LONG_MIN = -(1n << 63n);
const LONG_MAX = (1n << 63n) - 1n;

function readNumber(r: Reader, root: boolean): JsonNode {
  const t = r.text;
  const start = r.pos;
  if (t[r.pos] === '-') {
    r.pos++;
    if (!isDigit(t[r.pos])) {
      if (t[r.pos] === undefined) r.fail('Unexpected end-of-input in a Number value', t.length, 'com.fasterxml.jackson.core.io.JsonEOFException');
      r.fail(`Unexpected character (${charDesc(t[r.pos]!)}) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value`, r.pos);
    }
  }
  const intStart = r.pos;
  while (isDigit(t[r.pos])) r.pos++;
  if (t[intStart] === '0' && r.pos - intStart > 1) r.fail('Invalid numeric value: Leading zeroes not allowed', intStart + 1);
  let isFloat = false;
  if (t[r.pos] === '.') {
    isFloat = true;
    r.pos++;
    if (!isDigit(t[r.pos])) numberTail(r, 'Decimal point not followed by a digit');
    while (isDigit(t[r.pos])) r.pos++;
  }
  if (t[r.pos] === 'e' || t[r.pos] === 'E') {
    isFloat = true;
    r.pos++;
    if (t[r.pos] === '+' || t[r.pos] === '-') r.pos++;
    if (!isDigit(t[r.pos])) numberTail(r, 'Exponent indicator not followed by a digit');
    while (isDigit(t[r.pos])) r.pos++;
  }
  const next = t[r.pos];
  if (root && next !== undefined && !/[ \t\r\n]/.test(next)) r.unexpected(r.pos, 'Expected space separating root-level values');
  const text = t.slice(start, r.pos);
  if (isFloat) return { kind: 'number', javaClass: 'Double', text, value: Number(text) };
  const v = BigInt(text);
  const javaClass: JavaNumberClass = v >= INT_MIN && v <= INT_MAX ? 'Integer' : v >= LONG_MIN && v <= LONG_MAX ? 'Long' : 'BigInteger';
  return { kind: 'number', javaClass, text, value: v };
}

function numberTail(r: Reader, what: string): never {
  const c = r.text[r.pos];
  if (c === undefined) r.fail('Unexpected end-of-input in a Number value', r.text.length, 'com.fasterxml.jackson.core.io.JsonEOFException');
  // Jackson reports these one column to the left of the offending character.
  return r.fail(`Unexpected character (${charDesc(c)}) in numeric value: ${what}`, r.pos - 1);
}

const noContent = (r: Reader): JsonDecodeError =>
  new JsonDecodeError('com.fasterxml.jackson.databind.exc.MismatchedInputException', 'No content to map due to end-of-input', location(r.line));

/** Json.decodeJson: any JSON value (what fromJson() and string-encoded collections are read with). */
export function decodeJson(text: string): JsonNode {
  const r = new Reader(text);
  r.skipWs();
  if (r.pos >= text.length) throw noContent(r);
  return readValue(r, true, 0);
}

const MAP_TYPE = '`java.util.LinkedHashMap<java.lang.Object,java.lang.Object>`';

/**
 * The JSON of INSERT JSON: an object (anything after it is ignored, as Jackson's readValue does); another value is
 * Jackson's MismatchedInputException for a Map. Returns null for the JSON `null`.
 */
export function decodeJsonObject(text: string): Map<string, JsonNode> | null {
  const r = new Reader(text);
  r.skipWs();
  if (r.pos >= text.length) throw noContent(r);
  const at = r.pos;
  const atCol = r.col(at);
  const c = text[at]!;
  const mismatch = (what: string): never => {
    throw new JsonDecodeError('com.fasterxml.jackson.databind.exc.MismatchedInputException', what, location(r.line, atCol));
  };
  if (c === '[') mismatch(`Cannot deserialize value of type ${MAP_TYPE} from Array value (token \`JsonToken.START_ARRAY\`)`);
  const node = readValue(r, c !== '{', 0);
  switch (node.kind) {
    case 'object': return node.entries;
    case 'null': return null;
    case 'string':
      return mismatch('Cannot construct instance of `java.util.LinkedHashMap` (although at least one Creator exists): ' +
        `no String-argument constructor/factory method to deserialize from String value ('${node.value}')`);
    case 'boolean':
      return mismatch(`Cannot deserialize value of type ${MAP_TYPE} from Boolean value (token \`JsonToken.VALUE_${node.value ? 'TRUE' : 'FALSE'}\`)`);
    case 'number':
      return node.javaClass === 'Double'
        ? mismatch(`Cannot deserialize value of type ${MAP_TYPE} from Floating-point value (token \`JsonToken.VALUE_NUMBER_FLOAT\`)`)
        : mismatch(`Cannot deserialize value of type ${MAP_TYPE} from Integer value (token \`JsonToken.VALUE_NUMBER_INT\`)`);
    case 'array':
      return mismatch(`Cannot deserialize value of type ${MAP_TYPE} from Array value (token \`JsonToken.START_ARRAY\`)`);
  }
}
