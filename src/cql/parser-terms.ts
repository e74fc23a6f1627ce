// Terms (literals, collections, bind markers, function calls, casts), selectors, WHERE relations and IF
// conditions. Every decision looks at most five tokens ahead and never backtracks, so parsing stays linear.
import type { ArithmeticOp, Condition, LiteralKind, Relation, RelationOp, Selector, Term } from '../model/ast.ts';
import type { Parser } from './parser-core.ts';
import { SyntaxError as CqlSyntaxError } from '../model/errors.ts';
import { isNativeTypeName } from '../model/types.ts';

const lit = (type: LiteralKind, text: string): Term => ({ kind: 'literal', type, text });

export function term(p: Parser): Term {
  p.enter();
  try {
    let left = termProduct(p);
    while ((p.isP('+') || p.isP('-')) && startsTerm(p, 1)) {
      const op = p.next().text as ArithmeticOp;
      left = { kind: 'operation', op, left, right: termProduct(p) };
    }
    return left;
  } finally {
    p.leave();
  }
}

function termProduct(p: Parser): Term {
  let left = termUnary(p);
  while ((p.isP('*') || p.isP('/') || p.isP('%')) && startsTerm(p, 1)) {
    const op = p.next().text as ArithmeticOp;
    left = { kind: 'operation', op, left, right: termUnary(p) };
  }
  return left;
}

function termUnary(p: Parser): Term {
  // `-NaN` and `-Infinity` are constants; `-(…)` and `-f(…)` negate.
  if (p.isP('-') && (p.isP('(', 1) || isFunctionAheadAt(p, 1))) {
    p.next();
    p.enter();
    try {
      return { kind: 'negate', term: termUnary(p) };
    } finally {
      p.leave();
    }
  }
  return termInner(p);
}

/**
 * Whether the token at `k` can start a term. An operator is arithmetic only then: in `SET l = [1] + l` the `+`
 * is followed by a column, and belongs to the prepend.
 */
function startsTerm(p: Parser, k: number): boolean {
  const t = p.peek(k);
  switch (t.type) {
    case 'string': case 'int': case 'float': case 'bool': case 'uuid': case 'hex': case 'duration': return true;
    case 'punct': return ['?', ':', '(', '[', '{', '-'].includes(t.text);
    case 'ident': return t.lower === 'null' || t.lower === 'nan' || t.lower === 'infinity' || isFunctionAheadAt(p, k);
    case 'qident': return isFunctionAheadAt(p, k);
    default: return false;
  }
}

function isFunctionAheadAt(p: Parser, k: number): boolean {
  if ((p.isIdent(k) || p.isKw('token', k)) && p.isP('(', k + 1)) return true;
  return p.isIdent(k) && p.isP('.', k + 1) && (p.isIdent(k + 2) || p.isKw('token', k + 2)) && p.isP('(', k + 3);
}

function termInner(p: Parser): Term {
  const t = p.peek();
  switch (t.type) {
    case 'string':
      p.next();
      return lit('string', t.text);
    case 'int':
      p.next();
      return lit('integer', t.text);
    case 'float':
      p.next();
      return lit('float', t.text);
    case 'bool':
      p.next();
      return lit('boolean', t.text);
    case 'uuid':
      p.next();
      return lit('uuid', t.text);
    case 'hex':
      p.next();
      return lit('blob', t.text.slice(2));
    case 'duration':
      p.next();
      return lit('duration', t.text);
    case 'punct':
      switch (t.text) {
        case '?':
        case ':':
          return p.bindMarker();
        case '-':
          if (p.isKw('nan', 1)) {
            p.pos += 2;
            return lit('nan', '-NaN');
          }
          if (p.isKw('infinity', 1)) {
            p.pos += 2;
            return lit('infinity', '-Infinity');
          }
          break;
        case '[': {
          p.next();
          return { kind: 'list', elements: termList(p, ']') };
        }
        case '{':
          return braces(p);
        case '(':
          if (isCastAhead(p)) return cast(p);
          p.next();
          return { kind: 'tuple', elements: termList(p, ')', true) };
      }
      break;
    case 'ident':
      if (t.lower === 'null') {
        p.next();
        return { kind: 'null' };
      }
      if (t.lower === 'nan') {
        p.next();
        return lit('nan', 'NaN');
      }
      if (t.lower === 'infinity') {
        p.next();
        return lit('infinity', 'Infinity');
      }
      if (isFunctionAhead(p)) return functionCall(p);
      break;
    case 'qident':
      if (isFunctionAhead(p)) return functionCall(p);
      break;
    case 'eof':
      break;
  }
  throw p.noViable();
}

/** Comma-separated terms up to `close` (already past the opener). */
export function termList(p: Parser, close: string, nonEmpty = false): Term[] {
  const out: Term[] = [];
  if (!nonEmpty && p.acceptP(close)) return out;
  out.push(term(p));
  while (p.acceptP(',')) out.push(term(p));
  p.expectP(close);
  return out;
}

function braces(p: Parser): Term {
  p.expectP('{');
  if (p.acceptP('}')) return { kind: 'empty_braces' };
  // An identifier followed by ':' can only be a UDT field name: bare identifiers are not terms.
  if (p.isIdent() && p.isP(':', 1)) {
    const fields: Array<[string, Term]> = [];
    do {
      const name = p.ident();
      p.expectP(':');
      fields.push([name, term(p)]);
    } while (p.acceptP(','));
    p.expectP('}');
    return { kind: 'udt', fields };
  }
  const first = term(p);
  if (p.acceptP(':')) {
    const entries: Array<[Term, Term]> = [[first, term(p)]];
    while (p.acceptP(',')) {
      const k = term(p);
      p.expectP(':');
      entries.push([k, term(p)]);
    }
    p.expectP('}');
    return { kind: 'map', entries };
  }
  const elements = [first];
  while (p.acceptP(',')) elements.push(term(p));
  p.expectP('}');
  return { kind: 'set', elements };
}

const PARAMETERIZED_TYPES = new Set(['frozen', 'list', 'set', 'map', 'tuple']);

/** `(int) ?`, `(frozen<list<int>>) ?`, `(ks.udt) ?` versus a tuple literal `(1, 'a')`. */
function isCastAhead(p: Parser): boolean {
  const t = p.peek(1);
  if (t.type === 'ident') {
    if (PARAMETERIZED_TYPES.has(t.lower) && p.isP('<', 2)) return true;
    if ((isNativeTypeName(t.lower) || t.lower === 'varchar') && p.isP(')', 2)) return true;
  }
  if (!p.isIdent(1)) return false;
  return p.isP(')', 2) || (p.isP('.', 2) && p.isIdent(3) && p.isP(')', 4));
}

function cast(p: Parser): Term {
  p.expectP('(');
  const type = p.typeRef();
  p.expectP(')');
  // A cast binds tighter than arithmetic: `(int)1 + 2` casts the 1.
  return { kind: 'cast', type, term: termUnary(p) };
}

/** `f(`, `ks.f(` or `token(` — the only way an identifier starts a term. */
function isFunctionAhead(p: Parser): boolean {
  return isFunctionAheadAt(p, 0);
}

function functionName(p: Parser): string {
  if (p.isKw('token')) {
    p.next();
    return 'token';
  }
  const first = p.ident();
  if (!p.acceptP('.')) return first;
  if (p.acceptKw('token')) return `${first}.token`;
  return `${first}.${p.ident()}`;
}

function functionCall(p: Parser): Term {
  const name = functionName(p);
  p.expectP('(');
  return { kind: 'function', name, args: termList(p, ')') };
}

// ---- selectors ----------------------------------------------------------------------------------------------

/** A selector: sums of products of unary terms, as Cassandra 5.0's selection arithmetic. */
export function selector(p: Parser): Selector {
  p.enter();
  try {
    let left = multiplicative(p);
    while (p.isP('+') || p.isP('-')) {
      const op = p.next().text as ArithmeticOp;
      left = { kind: 'operation', op, left, right: multiplicative(p) };
    }
    return left;
  } finally {
    p.leave();
  }
}

function multiplicative(p: Parser): Selector {
  let left = unary(p);
  while (p.isP('*') || p.isP('/') || p.isP('%')) {
    const op = p.next().text as ArithmeticOp;
    left = { kind: 'operation', op, left, right: unary(p) };
  }
  return left;
}

function unary(p: Parser): Selector {
  p.enter();
  try {
    if (p.acceptP('-')) return { kind: 'negate', selector: unary(p) };
    return postfix(p, primarySelector(p));
  } finally {
    p.leave();
  }
}

/** A term in a selection: arithmetic around it belongs to the selector, so it is read without. */
function selectionTerm(p: Parser): Term {
  p.enter();
  try {
    return termUnary(p);
  } finally {
    p.leave();
  }
}

/** `.field`, `[key]` and `[from..to]` after a selector. */
function postfix(p: Parser, sel: Selector): Selector {
  for (;;) {
    if (p.acceptP('.')) sel = { kind: 'field', selector: sel, field: p.ident() };
    else if (p.acceptP('[')) {
      const from = p.isP('.') && p.isP('.', 1) ? undefined : term(p);
      if (p.isP('.') && p.isP('.', 1)) {
        p.pos += 2;
        const to = p.isP(']') ? undefined : term(p);
        p.expectP(']');
        sel = { kind: 'slice', selector: sel, from, to };
      } else {
        p.expectP(']');
        sel = { kind: 'element', selector: sel, key: from! };
      }
    } else return sel;
  }
}

/** `(` opens a cast or a tuple literal, or brackets an expression (`(a + b) * 2`). */
function parenthesized(p: Parser): Selector {
  const at = p.pos;
  const markers = p.bindMarkers.length;
  const rewind = (): void => {
    p.pos = at;
    p.bindMarkers.length = markers;
  };
  // `(name)` is a cast to a user type only when a term follows; `(i) FROM` brackets a column.
  if (isCastAhead(p)) {
    try {
      return { kind: 'term', term: selectionTerm(p) };
    } catch (e) {
      if (!(e instanceof CqlSyntaxError)) throw e;
      rewind();
    }
  }
  p.next();
  try {
    const inner = selector(p);
    if (p.acceptP(')')) return { kind: 'paren', selector: inner };
  } catch (e) {
    if (!(e instanceof CqlSyntaxError)) throw e;
  }
  // A tuple literal: read it again as a term (forgetting the bind markers of the first attempt).
  rewind();
  return { kind: 'term', term: selectionTerm(p) };
}

function primarySelector(p: Parser): Selector {
  if (p.isP('(')) return parenthesized(p);
  if (p.isKw('count') && p.isP('(', 1) && p.isP(')', 3)) {
    const arg = p.peek(2);
    // Any integer constant counts rows, like `*` (Cassandra names all of them `count`).
    if ((arg.type === 'punct' && arg.text === '*') || arg.type === 'int') {
      p.pos += 4;
      return { kind: 'count_star' };
    }
  }
  if (p.isKw('cast') && p.isP('(', 1)) {
    p.pos += 2;
    const inner = selector(p);
    p.expectKw('as');
    // CAST takes a native type only (Cassandra's grammar: `K_AS native_type`).
    const t = p.peek();
    if (t.type !== 'ident' || !(isNativeTypeName(t.lower) || t.lower === 'varchar')) throw p.noViable();
    const type = p.typeRef();
    p.expectP(')');
    return { kind: 'cast', selector: inner, type };
  }
  let sel: Selector;
  if (isFunctionAhead(p)) {
    const name = functionName(p);
    p.expectP('(');
    const args: Selector[] = [];
    if (!p.acceptP(')')) {
      args.push(selector(p));
      while (p.acceptP(',')) args.push(selector(p));
      p.expectP(')');
    }
    sel = { kind: 'function', name, args };
  } else if (p.isIdent()) {
    sel = { kind: 'column', name: p.ident() };
  } else {
    return { kind: 'term', term: selectionTerm(p) };
  }
  return sel;
}

// ---- relations and conditions -----------------------------------------------------------------------------

const COMPARISON: ReadonlySet<string> = new Set(['=', '<', '<=', '>', '>=', '!=']);

function comparison(p: Parser): RelationOp | undefined {
  const t = p.peek();
  if (t.type === 'punct' && COMPARISON.has(t.text)) {
    p.next();
    return t.text as RelationOp;
  }
  return undefined;
}

/** `IN (a, b)` → list term; `IN ?` / `IN :x` → the bind marker. */
function inValues(p: Parser): Term {
  if (p.isP('?') || p.isP(':')) return p.bindMarker();
  p.expectP('(');
  return { kind: 'list', elements: termList(p, ')') };
}

/** The operator and right-hand side after a single-column left-hand side. */
function opAndValue(p: Parser, allowLike: boolean): { op: RelationOp; rhs: Term } {
  const op = comparison(p);
  if (op) return { op, rhs: term(p) };
  if (p.acceptKw('in')) return { op: 'IN', rhs: inValues(p) };
  if (p.acceptKw('contains')) {
    if (p.acceptKw('key')) return { op: 'CONTAINS KEY', rhs: term(p) };
    return { op: 'CONTAINS', rhs: term(p) };
  }
  if (allowLike && p.acceptKw('like')) return { op: 'LIKE', rhs: term(p) };
  throw p.noViable();
}

function identList(p: Parser): string[] {
  p.expectP('(');
  const out = [p.ident()];
  while (p.acceptP(',')) out.push(p.ident());
  p.expectP(')');
  return out;
}

export function relation(p: Parser): Relation {
  if (p.isKw('token') && p.isP('(', 1)) {
    p.next();
    const columns = identList(p);
    const op = comparison(p);
    if (!op) throw p.noViable();
    return { lhs: { kind: 'token', columns }, op, rhs: term(p) };
  }
  if (p.isP('(')) {
    const columns = identList(p);
    if (p.acceptKw('in')) return { lhs: { kind: 'tuple', columns }, op: 'IN', rhs: inValues(p) };
    const op = comparison(p);
    if (!op) throw p.noViable();
    return { lhs: { kind: 'tuple', columns }, op, rhs: term(p) };
  }
  const name = p.ident();
  if (p.acceptP('[')) {
    const key = term(p);
    p.expectP(']');
    const op = comparison(p);
    if (!op) throw p.noViable();
    return { lhs: { kind: 'map_entry', name, key }, op, rhs: term(p) };
  }
  return { lhs: { kind: 'column', name }, ...opAndValue(p, true) };
}

export function whereClause(p: Parser): Relation[] {
  const out = [relation(p)];
  while (p.acceptKw('and')) out.push(relation(p));
  return out;
}

export function condition(p: Parser): Condition {
  const column = p.ident();
  if (p.acceptP('[')) {
    const element = term(p);
    p.expectP(']');
    return { column, element, ...opAndValue(p, false) };
  }
  if (p.acceptP('.')) {
    const field = p.ident();
    return { column, field, ...opAndValue(p, false) };
  }
  return { column, ...opAndValue(p, false) };
}

const CONDITION_PUNCT: ReadonlySet<string> = new Set([...COMPARISON, '[', '.']);

/** After IF: `EXISTS` or conditions joined by AND. */
export function ifClause(p: Parser): { ifExists: boolean; conditions: Condition[] } {
  // `exists` is not reserved, so `IF exists = 1` is a condition on a column named exists.
  const after = p.peek(1);
  const continues = after.type === 'punct' ? CONDITION_PUNCT.has(after.text) : ['in', 'contains', 'like'].includes(after.lower);
  if (p.isKw('exists') && !continues) {
    p.next();
    return { ifExists: true, conditions: [] };
  }
  const conditions = [condition(p)];
  while (p.acceptKw('and')) conditions.push(condition(p));
  return { ifExists: false, conditions };
}
