// Cell and table rendering after cqlshlib: values through src/model/values/format.ts (formatting.py's defaults), with
// cqlsh's display precision for doubles (DEFAULT_DOUBLE_PRECISION = 5 in cqlshmain.py, while COPY TO uses 12),
// cqlshlib/displaying.py colours, and the table layout of cqlshmain.py print_formatted_result: column names
// left-justified (`hdr.ljust(w)`, the header line right-stripped), every value right-justified (`col.rjust(w)`).
import { readVector } from '../../model/values/vector.ts';
import type { ColumnSpec } from '../../protocol/messages.ts';
import type { CqlType } from '../../model/types.ts';
import { CQLSH_FLOAT_PRECISION, formatFloatCqlsh, formatValue } from '../../model/values/format.ts';
import { readCollection, readMap, readTuple } from '../../model/values/collections.ts';

// cqlshlib/displaying.py
export const RED = '\x1b[0;1;31m';
export const GREEN = '\x1b[0;1;32m';
export const YELLOW = '\x1b[0;1;33m';
export const BLUE = '\x1b[0;1;34m';
export const MAGENTA = '\x1b[0;1;35m';
export const CYAN = '\x1b[0;1;36m';
export const WHITE = '\x1b[0;1;37m';
export const DARK_MAGENTA = '\x1b[0;35m';
export const RESET = '\x1b[0m';

/** A rendered cell: plain text, its coloured form and its width on a terminal. */
export interface Cell {
  text: string;
  colored: string;
  width: number;
}

export interface FormatOptions {
  color: boolean;
  floatPrecision: number;
  doublePrecision: number;
  /** COPY TO writes timestamps with milliseconds (DateTimeFormat(milliseconds_only=True)). */
  millisOnly?: boolean;
  /** COPY TO's NULL option; display shows `null`. */
  nullText?: string;
  /** COPY TO's BOOLSTYLE; display shows True/False. */
  boolStyle?: [string, string];
  /** COPY TO writes text as it is (the CSV layer quotes it), so COPY FROM reads back the same string. */
  rawText?: boolean;
}

export const DISPLAY: Omit<FormatOptions, 'color'> = { floatPrecision: CQLSH_FLOAT_PRECISION, doublePrecision: 5 };

/** Terminal width of a string: 2 for East Asian wide characters, 0 for combining marks (cqlshlib/wcwidth.py). */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if ((c >= 0x300 && c <= 0x36f) || (c >= 0x200b && c <= 0x200f)) continue;
    const wide = (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f)
      || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f)
      || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f)
      || (c >= 0x20000 && c <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

const cell = (text: string, color: string | undefined, o: FormatOptions): Cell =>
  ({ text, colored: o.color && color ? color + text + RESET : text, width: displayWidth(text) });

function colorOf(t: CqlType): string {
  if (t.kind !== 'native') return BLUE;
  switch (t.name) {
    case 'text':
    case 'ascii':
      return YELLOW;
    case 'blob':
      return DARK_MAGENTA;
    default:
      return GREEN;
  }
}

const quoted = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function leaf(t: CqlType & { kind: 'native' }, buf: Buffer, nested: boolean, o: FormatOptions): string {
  if (t.name === 'double' && buf.length === 8) return formatFloatCqlsh(buf.readDoubleBE(0), o.doublePrecision);
  if (t.name === 'float' && buf.length === 4) return formatFloatCqlsh(buf.readFloatBE(0), o.floatPrecision);
  if (t.name === 'boolean' && buf.length === 1 && o.boolStyle) return o.boolStyle[buf[0] ? 0 : 1];
  if (o.rawText && (t.name === 'text' || t.name === 'ascii')) {
    const raw = buf.toString(t.name === 'text' ? 'utf8' : 'latin1');
    return nested ? quoted(raw) : raw;
  }
  let s = formatValue(t, buf);
  if (t.name === 'timestamp' && o.millisOnly) s = s.replace(/^(.*\.\d{3})000(\+0000)$/, '$1$2');
  if (!nested) return s;
  // formatValue() is the top-level form; inside collections cqlsh quotes strings, timestamps and addresses.
  if (t.name === 'text' || t.name === 'ascii') return quoted(s);
  if ((t.name === 'timestamp' && /^\d{4}-/.test(s)) || t.name === 'inet') return `'${s}'`;
  return s;
}

/** One value, coloured like cqlshlib's formatters (collection punctuation blue, elements by their own type). */
export function formatCell(type: CqlType, buf: Buffer | null, o: FormatOptions, nested = false): Cell {
  if (buf === null) return cell(o.nullText ?? 'null', RED, o);
  if (type.kind === 'native') {
    const text = leaf(type, buf, nested, o);
    return cell(text, text === '' ? RED : colorOf(type), o);
  }
  const punct = (s: string): Cell => cell(s, BLUE, o);
  let parts: Cell[];
  switch (type.kind) {
    case 'list':
    case 'set': {
      const items = readCollection(buf, type.kind).map((e) => formatCell(type.element, e, o, true));
      parts = [punct(type.kind === 'list' ? '[' : '{'), ...join(items, punct(', ')), punct(type.kind === 'list' ? ']' : '}')];
      break;
    }
    case 'map': {
      const items = readMap(buf).map(([k, v]) =>
        concat([formatCell(type.key, k, o, true), punct(': '), formatCell(type.value, v, o, true)]));
      parts = [punct('{'), ...join(items, punct(', ')), punct('}')];
      break;
    }
    case 'tuple': {
      const items = readTuple(buf, type.elements.length).map((p, i) => formatCell(type.elements[i]!, p, o, true));
      parts = [punct('('), ...join(items, punct(', ')), punct(')')];
      break;
    }
    case 'udt': {
      const items = readTuple(buf, type.fieldTypes.length, 'UDT').map((p, i) =>
        concat([cell(type.fieldNames[i]!, YELLOW, o), punct(': '), formatCell(type.fieldTypes[i]!, p, o, true)]));
      parts = [punct('{'), ...join(items, punct(', ')), punct('}')];
      break;
    }
    case 'vector': {
      const items = readVector(type, buf).map((e) => formatCell(type.element, e, o, true));
      parts = [punct('['), ...join(items, punct(', ')), punct(']')];
      break;
    }
  }
  return concat(parts);
}

/** A value that does not decode as its type is shown as its bytes, in the error colour (cqlsh's DecodeError). */
export function safeCell(type: CqlType, buf: Buffer | null, o: FormatOptions): Cell {
  try {
    return formatCell(type, buf, o);
  } catch {
    return cell('0x' + buf!.toString('hex'), RED, o);
  }
}

function join(items: Cell[], sep: Cell): Cell[] {
  const out: Cell[] = [];
  items.forEach((c, i) => {
    if (i > 0) out.push(sep);
    out.push(c);
  });
  return out;
}

const concat = (cells: Cell[]): Cell => ({
  text: cells.map((c) => c.text).join(''),
  colored: cells.map((c) => c.colored).join(''),
  width: cells.reduce((w, c) => w + c.width, 0),
});

const pad = (n: number): string => (n > 0 ? ' '.repeat(n) : '');
const ljust = (c: Cell, w: number): string => c.colored + pad(w - c.width);
const rjust = (c: Cell, w: number): string => pad(w - c.width) + c.colored;

/** Column names: magenta, or by role when the table is known (cqlshmain.py myformat_colname). */
export function formatNames(columns: ColumnSpec[], color: boolean, roleOf?: (c: ColumnSpec) => string | undefined): Cell[] {
  return columns.map((c) => {
    const role = roleOf?.(c);
    const col = role === 'partition_key' ? RED : role === 'clustering' ? CYAN : role === 'static' ? WHITE : MAGENTA;
    return { text: c.name, colored: color ? col + c.name + RESET : c.name, width: displayWidth(c.name) };
  });
}

/** cqlshmain.py print_formatted_result: the lines of one page, without the trailing blank line. */
export function tableLines(names: Cell[], rows: Cell[][] | null, withHeader: boolean): string[] {
  const widths = names.map((n) => n.width);
  for (const row of rows ?? []) row.forEach((c, i) => (widths[i] = Math.max(widths[i]!, c.width)));
  const out: string[] = [];
  if (withHeader) {
    out.push((' ' + names.map((n, i) => ljust(n, widths[i]!)).join(' | ')).replace(/ +$/, ''));
    out.push('-' + widths.map((w) => '-'.repeat(w)).join('-+-') + '-');
  }
  for (const row of rows ?? []) out.push(' ' + row.map((c, i) => rjust(c, widths[i]!)).join(' | '));
  return out;
}

/** cqlshmain.py print_formatted_result_vertically (EXPAND ON): `@ Row N` blocks, each followed by a blank line. */
export function verticalLines(names: Cell[], rows: Cell[][], firstRow: number): string[] {
  const nameWidth = Math.max(0, ...names.map((n) => n.width));
  const valueWidth = Math.max(0, ...rows.flat().map((c) => c.width));
  const out: string[] = [];
  rows.forEach((row, r) => {
    out.push(`@ Row ${firstRow + r + 1}`);
    out.push(`-${'-'.repeat(nameWidth)}-+-${'-'.repeat(valueWidth)}-`);
    row.forEach((c, i) => out.push(` ${ljust(names[i]!, nameWidth)} | ${c.colored}`));
    out.push('');
  });
  return out;
}

/** Python's cmd.Cmd.columnize: the fewest rows whose columns, two spaces apart, fit in `width`. */
export function columnize(list: string[], width = 80): string[] {
  if (list.length === 0) return ['<empty>'];
  if (list.length === 1) return [list[0]!];
  const size = list.length;
  let nrows = size;
  let colWidths: number[] = [0];
  for (let rows = 1; rows < size; rows++) {
    const ncols = Math.ceil(size / rows);
    const widths: number[] = [];
    let total = -2;
    for (let col = 0; col < ncols; col++) {
      let w = 0;
      for (let row = 0; row < rows && row + rows * col < size; row++) w = Math.max(w, list[row + rows * col]!.length);
      widths.push(w);
      total += w + 2;
      if (total > width) break;
    }
    if (total <= width) {
      nrows = rows;
      colWidths = widths;
      break;
    }
  }
  const ncols = nrows === size ? 1 : colWidths.length;
  const out: string[] = [];
  for (let row = 0; row < nrows; row++) {
    const texts: string[] = [];
    for (let col = 0; col < ncols; col++) texts.push(list[row + nrows * col] ?? '');
    while (texts.length > 0 && texts[texts.length - 1] === '') texts.pop();
    out.push(texts.map((t, col) => t.padEnd(colWidths[col] ?? 0)).join('  '));
  }
  return out;
}
