// Tab completion: keywords where a statement or clause starts, keyspace and table names after the words that take
// them, column names inside statements on a known table, and the values of shell commands. A lighter take on
// cqlsh's grammar-driven completer (cql3handling.py); names come from system_schema through SchemaCache.
import { quoteIdentIfNeeded } from '../../model/types.ts';
import type { Shell } from './shell.ts';

const STATEMENT_KEYWORDS = [
  'ALTER', 'APPLY', 'BEGIN', 'CAPTURE', 'CLEAR', 'CLS', 'CONSISTENCY', 'COPY', 'CREATE', 'DELETE', 'DESC', 'DESCRIBE',
  'DROP', 'EXIT', 'EXPAND', 'GRANT', 'HELP', 'HISTORY', 'INSERT', 'LIST', 'LOGIN', 'PAGING', 'QUIT', 'REVOKE', 'SELECT',
  'SERIAL', 'SHOW', 'SOURCE', 'TRACING', 'TRUNCATE', 'UPDATE', 'USE',
];

const CLAUSE_KEYWORDS = [
  'ADD', 'AGGREGATE', 'ALL', 'ALLOW', 'AND', 'AS', 'ASC', 'BATCH', 'BY', 'CLUSTERING', 'COMPACT', 'CONTAINS',
  'COUNT', 'DESC', 'DISTINCT', 'EXISTS', 'FILTERING', 'FROM', 'FROZEN', 'FUNCTION', 'IF', 'IN', 'INDEX', 'INTO', 'JSON',
  'KEY', 'KEYSPACE', 'KEYSPACES', 'LIMIT', 'LIST', 'MAP', 'NOT', 'NULL', 'ON', 'OR', 'ORDER', 'PER', 'PARTITION',
  'PRIMARY', 'RENAME', 'REPLICATION', 'SET', 'STATIC', 'TABLE', 'TABLES', 'TIMESTAMP', 'TO', 'TOKEN', 'TTL', 'TUPLE',
  'TYPE', 'TYPES', 'UNLOGGED', 'USING', 'VALUES', 'WHERE', 'WITH', 'WRITETIME',
];

const LEVELS = ['ANY', 'ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'LOCAL_QUORUM', 'EACH_QUORUM', 'SERIAL', 'LOCAL_SERIAL',
  'LOCAL_ONE'];
const DESCRIBE_WORDS = ['AGGREGATE', 'AGGREGATES', 'CLUSTER', 'COLUMNFAMILIES', 'COLUMNFAMILY', 'FULL', 'FUNCTION',
  'FUNCTIONS', 'INDEX', 'KEYSPACE', 'KEYSPACES', 'MATERIALIZED', 'SCHEMA', 'TABLE', 'TABLES', 'TYPE', 'TYPES'];
const TABLE_AFTER = new Set(['from', 'into', 'update', 'table', 'truncate', 'columnfamily']);
const COLUMN_AFTER = new Set(['select', ',', 'where', 'and', 'set', 'by', '(', 'distinct', 'if']);

const WORD_RE = /"(?:[^"]|"")*"|[A-Za-z0-9_]+|\S/g;

/** A name as cqlsh would complete it: quoted only when it has to be. */
const name = (s: string): string => quoteIdentIfNeeded(s);

function unquote(s: string): string {
  return s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s.toLowerCase();
}

/** Completions for the word being typed at the end of `line`; `before` is the statement's earlier lines. */
export async function complete(shell: Shell, before: string, line: string): Promise<[string[], string]> {
  const partialMatch = /(?:(?:"(?:[^"]|"")*"|[A-Za-z0-9_]+)\.)?(?:"(?:[^"]|"")*|[A-Za-z0-9_]*)$/.exec(line);
  const partial = partialMatch ? partialMatch[0] : '';
  const dot = partial.lastIndexOf('.');
  const qualifier = dot >= 0 ? partial.slice(0, dot) : undefined;
  const word = dot >= 0 ? partial.slice(dot + 1) : partial;
  const text = before + line.slice(0, line.length - partial.length);
  // Only the statement being typed matters: what precedes its last `;`.
  const current = text.slice(text.lastIndexOf(';') + 1);
  const prev = [...current.matchAll(WORD_RE)].map((m) => m[0]).filter((w) => !/^--|^\/\//.test(w));
  const lower = prev.map((w) => w.toLowerCase());
  const last = lower[lower.length - 1];
  const kw = (words: string[]): string[] => {
    const lc = word !== '' && word === word.toLowerCase() && /[a-z]/.test(word);
    return words.map((w) => (lc ? w.toLowerCase() : w));
  };
  let candidates: string[];
  if (qualifier !== undefined) {
    const ks = unquote(qualifier);
    const tables = await safe(shell.schema.tables(ks));
    candidates = tables.map((t) => `${qualifier}.${name(t)}`);
    return finish(candidates, partial);
  }
  if (lower.length === 0) candidates = kw(STATEMENT_KEYWORDS);
  else if (last === 'consistency' && lower[0] === 'serial') candidates = kw(['SERIAL', 'LOCAL_SERIAL']);
  else if (last === 'consistency') candidates = kw(LEVELS);
  else if (lower.length === 1 && last === 'serial') candidates = kw(['CONSISTENCY']);
  else if (lower.length === 1 && ['paging', 'expand', 'tracing'].includes(last!)) candidates = kw(['ON', 'OFF']);
  else if (last === 'use' || last === 'keyspace') candidates = (await safe(shell.schema.keyspaces())).map(name);
  else if (TABLE_AFTER.has(last!) || (lower.length === 1 && last === 'copy')) candidates = await tableNames(shell);
  else if (lower.length === 1 && (last === 'describe' || last === 'desc')) {
    candidates = [...kw(DESCRIBE_WORDS), ...(await tableNames(shell))];
  } else {
    const cols = COLUMN_AFTER.has(last!) ? await columnNames(shell, prev) : [];
    candidates = [...cols, ...kw(CLAUSE_KEYWORDS)];
  }
  const matches = candidates.filter((c) => c.toLowerCase().startsWith(word.toLowerCase()));
  return finish(matches.map((m) => (partial.length > word.length ? partial.slice(0, partial.length - word.length) : '') + m),
    partial);
}

function finish(matches: string[], partial: string): [string[], string] {
  const unique = [...new Set(matches)].filter((m) => m.toLowerCase().startsWith(partial.toLowerCase()));
  // A single completion is finished with a space, ready for the next word (keyspaces get a dot instead).
  if (unique.length === 1 && !unique[0]!.endsWith('.')) return [[unique[0]! + ' '], partial];
  return [unique, partial];
}

async function safe(p: Promise<string[]>): Promise<string[]> {
  try {
    return await p;
  } catch {
    return [];
  }
}

/** Tables of the current keyspace, and keyspaces followed by a dot (for `ks.table`). */
async function tableNames(shell: Shell): Promise<string[]> {
  const tables = shell.keyspace === undefined ? [] : await safe(shell.schema.tables(shell.keyspace));
  const keyspaces = await safe(shell.schema.keyspaces());
  return [...tables.map(name), ...keyspaces.map((k) => `${name(k)}.`)];
}

/** Columns of the table the statement names (FROM/INTO/UPDATE/COPY/TABLE <table>). */
async function columnNames(shell: Shell, words: string[]): Promise<string[]> {
  for (let i = 0; i < words.length - 1; i++) {
    if (!TABLE_AFTER.has(words[i]!.toLowerCase()) && !(i === 0 && words[i]!.toLowerCase() === 'copy')) continue;
    let ks = shell.keyspace;
    let table = words[i + 1]!;
    if (words[i + 2] === '.' && words[i + 3] !== undefined) {
      ks = unquote(table);
      table = words[i + 3]!;
    }
    if (ks === undefined || !/^[A-Za-z0-9_"]/.test(table)) continue;
    try {
      return (await shell.schema.columns(ks, unquote(table))).map((c) => name(c.name));
    } catch {
      return [];
    }
  }
  return [];
}
