// Splitting what the user typed into statements, the way cqlsh's lexer does (cqlhandling.py cql_split_statements
// and cql_massage_tokens): `;` ends a statement outside strings, quoted names, `$$…$$` bodies and comments; a
// `BEGIN … BATCH` runs on to its `APPLY BATCH;`; and the cqlsh-only commands in NEWLINE_COMMANDS are ended by a
// newline as well as by `;`. parser.ts's splitStatements() answers a different question (a whole script, nothing
// pending, no shell commands), so the shell has its own scanner that also reports an unfinished tail.

/** cqlshhandling.py my_commands_ending_with_newline. */
export const NEWLINE_COMMANDS: ReadonlySet<string> = new Set([
  'help', '?', 'consistency', 'serial', 'describe', 'desc', 'show', 'source', 'capture', 'login', 'debug', 'tracing',
  'expand', 'paging', 'exit', 'quit', 'clear', 'cls', 'history',
]);

export interface Statement {
  /** From the first token through the terminator (`;` included, a terminating newline not). */
  text: string;
  /** The first word, lower-cased (`?` for the help shorthand). */
  command: string;
}

export interface ScanResult {
  statements: Statement[];
  /** False when the text ends inside a statement, string or comment: the shell keeps reading lines. */
  complete: boolean;
}

const isWordChar = (c: string): boolean => /[A-Za-z0-9_]/.test(c);

/** Scans the whole pending input (all lines typed since the last executed statement). */
export function scanInput(text: string): ScanResult {
  const statements: Statement[] = [];
  const n = text.length;
  let start = -1;
  let command = '';
  let words: string[] = [];
  const finish = (end: number): void => {
    statements.push({ text: text.slice(start, end).trim(), command });
    start = -1;
    command = '';
    words = [];
  };
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    if ((c === '-' && next === '-') || (c === '/' && next === '/')) {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && next === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) return { statements, complete: false };
      i = close + 2;
      continue;
    }
    if (c === '\n') {
      if (start >= 0 && NEWLINE_COMMANDS.has(command)) finish(i);
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === ';') {
      if (start < 0) {
        // A lone `;` is an empty statement: cqlsh drops it.
        i++;
        continue;
      }
      const batchOpen = command === 'begin' && !(words.length >= 2 && words[words.length - 2] === 'apply'
        && words[words.length - 1] === 'batch');
      if (!batchOpen) {
        finish(i + 1);
        i++;
        continue;
      }
      words.push(';');
      i++;
      continue;
    }
    if (start < 0) start = i;
    if (c === "'" || c === '"') {
      // Doubled quotes need no special case: they read as a string closing and another opening.
      const close = text.indexOf(c, i + 1);
      if (close < 0) return { statements, complete: false };
      i = close + 1;
      words.push(c);
      continue;
    }
    if (c === '$' && next === '$') {
      const close = text.indexOf('$$', i + 2);
      if (close < 0) return { statements, complete: false };
      i = close + 2;
      words.push('$$');
      continue;
    }
    if (isWordChar(c)) {
      const s = i;
      while (i < n && isWordChar(text[i]!)) i++;
      const word = text.slice(s, i).toLowerCase();
      if (command === '') command = word;
      words.push(word);
      continue;
    }
    if (command === '') command = c;
    words.push(c);
    i++;
  }
  return { statements, complete: start < 0 };
}
