// Entry points of the CQL parser: a hand-written recursive-descent parser over the tokens of lexer.ts.
// Every failure, whatever the input, is our protocol SyntaxError carrying an ANTLR-style position.
import type { ParsedStatement, Statement } from '../model/ast.ts';
import { Parser } from './parser-core.ts';
import {
  alterStatement, createStatement, describeStatement, dropStatement, truncateStatement, useStatement,
} from './parser-ddl.ts';
import { batchStatement, deleteStatement, insertStatement, selectStatement, updateStatement } from './parser-dml.ts';
import type { TypeRef } from '../model/types.ts';
import { isRoleStatement, roleStatement } from './parser-role.ts';
import { isPermissionStatement, permissionStatement } from './parser-permission.ts';

export { MAX_DEPTH } from './parser-core.ts';

function statement(p: Parser): Statement {
  const t = p.peek();
  if (t.type === 'ident' && isPermissionStatement(p)) return permissionStatement(p);
  if (t.type === 'ident' && isRoleStatement(p)) return roleStatement(p);
  if (t.type === 'ident') {
    switch (t.lower) {
      case 'select': return selectStatement(p);
      case 'insert': return insertStatement(p);
      case 'update': return updateStatement(p);
      case 'delete': return deleteStatement(p);
      case 'begin': return batchStatement(p);
      case 'use': return useStatement(p);
      case 'create': return createStatement(p);
      case 'alter': return alterStatement(p);
      case 'drop': return dropStatement(p);
      case 'truncate': return truncateStatement(p);
      case 'describe':
      case 'desc':
        return describeStatement(p);
    }
  }
  throw p.noViable();
}

/** Parse exactly one statement (an optional trailing `;` is allowed). */
export function parseStatement(text: string): ParsedStatement {
  const p = new Parser(text);
  const stmt = statement(p);
  p.acceptP(';');
  if (!p.atEof()) throw p.mismatched('EOF');
  return { statement: stmt, bindMarkers: p.bindMarkers };
}

/** Parse a type as written in CQL: `int`, `frozen<map<text, list<int>>>`, `tuple<int, text>`, `"MyUdt"`, `ks.udt`. */
export function parseTypeRef(text: string): TypeRef {
  const p = new Parser(text);
  const type = p.typeRef();
  if (!p.atEof()) throw p.mismatched('EOF');
  return type;
}

const isWordChar = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/**
 * Split a script into statements on `;` outside strings, quoted names and comments. A `BEGIN … BATCH` is kept
 * whole up to its `APPLY BATCH`, since its inner statements are separated by `;` too. Statements are returned
 * trimmed and without their `;`; pieces holding only whitespace and comments are dropped. Never throws.
 */
export function splitStatements(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let start = 0;
  let firstWord = '';
  let prevWord = '';
  let inBatch = false;
  let hasContent = false;
  const flush = (end: number): void => {
    if (hasContent) out.push(text.slice(start, end).trim());
    start = end + 1;
    firstWord = prevWord = '';
    inBatch = hasContent = false;
  };
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if ((c === 45 && next === 45) || (c === 47 && next === 47)) {
      while (i < n && text.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 47 && next === 42) {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
      continue;
    }
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    if (c === 59 && !inBatch) {
      flush(i);
      i++;
      continue;
    }
    hasContent = true;
    if (c === 39 || c === 34) {
      // '' and "" escapes need no special case: they read as a string closing and another opening.
      const close = text.indexOf(text[i]!, i + 1);
      i = close < 0 ? n : close + 1;
      continue;
    }
    if (c === 36 && next === 36) {
      const close = text.indexOf('$$', i + 2);
      i = close < 0 ? n : close + 2;
      continue;
    }
    if (isWordChar(c)) {
      const s = i;
      while (i < n && isWordChar(text.charCodeAt(i))) i++;
      const word = text.slice(s, i).toLowerCase();
      if (firstWord === '') {
        firstWord = word;
        inBatch = word === 'begin';
      } else if (inBatch && prevWord === 'apply' && word === 'batch') inBatch = false;
      prevWord = word;
      continue;
    }
    i++;
  }
  if (start < n) flush(n);
  return out;
}
