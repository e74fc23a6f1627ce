// Reading the arguments of cqlsh's own commands: tokens (comments and the final `;` dropped), string literals and
// names, and Python's wording for file errors, which cqlsh shows as they are.
import { pyRepr } from './errors.ts';

export interface Token {
  text: string;
  kind: 'word' | 'string' | 'name' | 'number' | 'punct';
}

const TOKEN_RE = /\s+|--[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'?|"(?:[^"]|"")*"?|-?\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|\S/g;

/** The tokens of a shell command, comments and the final `;` dropped. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(TOKEN_RE)) {
    const t = m[0];
    if (/^\s/.test(t) || t.startsWith('--') || t.startsWith('//') || t.startsWith('/*')) continue;
    const kind = t.startsWith("'") ? 'string' : t.startsWith('"') ? 'name' : /^-?\d/.test(t) ? 'number'
      : /^[A-Za-z_]/.test(t) ? 'word' : 'punct';
    out.push({ text: t, kind });
  }
  if (out.length > 0 && out[out.length - 1]!.text === ';') out.pop();
  return out;
}

/** A string literal's value. */
export const unquoteString = (s: string): string => s.slice(1, s.endsWith("'") && s.length > 1 ? -1 : undefined)
  .replace(/''/g, "'");

/** An identifier as the server resolves it: quoted names keep their case. */
export const unquoteName = (t: Token): string =>
  t.kind === 'name' ? t.text.slice(1, -1).replace(/""/g, '"') : t.text.toLowerCase();

/** Python's IOError text: `[Errno 2] No such file or directory: 'x'`. */
export function ioError(e: unknown, path: string): string {
  const err = e as NodeJS.ErrnoException;
  const text: Record<string, [number, string]> = {
    ENOENT: [2, 'No such file or directory'], EACCES: [13, 'Permission denied'], EISDIR: [21, 'Is a directory'],
    ENOTDIR: [20, 'Not a directory'],
  };
  const known = text[err.code ?? ''];
  return known ? `[Errno ${known[0]}] ${known[1]}: ${pyRepr(path)}` : err.message;
}
