// CSV as cqlsh's COPY reads and writes it: Python's csv module with the dialect COPY builds from its options
// (copyutil.py parse_options: quotechar, escapechar, delimiter, doublequote only when quote and escape are the same
// character) and the writer's default `\r\n` line terminator.

export interface Dialect {
  delimiter: string;
  quote: string;
  /** Empty when QUOTE and ESCAPE are the same character: quotes are then doubled instead. */
  escape: string;
  doubleQuote: boolean;
}

export function makeDialect(delimiter = ',', quote = '"', escape = '\\'): Dialect {
  return quote === escape ? { delimiter, quote, escape: '', doubleQuote: true } : { delimiter, quote, escape,
    doubleQuote: false };
}

/** Python csv.writer with QUOTE_MINIMAL. */
export function writeRow(fields: string[], d: Dialect): string {
  // A row that is one empty field would read back as an empty line: Python quotes it.
  if (fields.length === 1 && fields[0] === '') return d.quote + d.quote + '\r\n';
  return fields.map((f) => writeField(f, d)).join(d.delimiter) + '\r\n';
}

function writeField(f: string, d: Dialect): string {
  let out = '';
  let quoted = false;
  for (const ch of f) {
    if (ch === d.quote) {
      if (d.doubleQuote) {
        out += ch + ch;
        quoted = true;
      } else out += d.escape + ch;
    } else if (d.escape !== '' && ch === d.escape) {
      out += d.escape + ch;
    } else {
      if (ch === d.delimiter || ch === '\n' || ch === '\r') quoted = true;
      out += ch;
    }
  }
  return quoted ? d.quote + out + d.quote : out;
}

/** Python csv.reader: records of fields; blank lines yield no record. Throws on an unterminated quoted field. */
export function parseCsv(text: string, d: Dialect): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let started = false;
  type State = 'start' | 'field' | 'quoted' | 'quoteInQuoted';
  let state: State = 'start';
  const endField = (): void => {
    record.push(field);
    field = '';
    state = 'start';
  };
  const endRecord = (): void => {
    if (started) {
      endField();
      records.push(record);
    }
    record = [];
    field = '';
    started = false;
    state = 'start';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\r' && text[i + 1] === '\n' && state !== 'quoted') continue;
    const newline = c === '\n' || c === '\r';
    if (state === 'quoted') {
      if (d.escape !== '' && c === d.escape && i + 1 < text.length) field += text[++i];
      else if (c === d.quote) state = d.doubleQuote ? 'quoteInQuoted' : 'field';
      else field += c;
      continue;
    }
    if (state === 'quoteInQuoted' && c === d.quote) {
      field += c;
      state = 'quoted';
      continue;
    }
    if (newline) {
      endRecord();
      continue;
    }
    started = true;
    if (c === d.delimiter) {
      endField();
      continue;
    }
    if (state === 'start' && c === d.quote) {
      state = 'quoted';
      continue;
    }
    if (d.escape !== '' && c === d.escape && i + 1 < text.length) {
      field += text[++i];
      state = 'field';
      continue;
    }
    field += c;
    state = 'field';
  }
  if (state === 'quoted') throw new Error('unexpected end of data');
  endRecord();
  return records;
}
