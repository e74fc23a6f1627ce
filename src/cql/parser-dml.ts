// SELECT, INSERT, UPDATE, DELETE and BATCH. Clause order follows Cassandra's grammar, except that INSERT accepts
// `IF NOT EXISTS` and `USING` in either order (drivers and hand-written scripts disagree).
import type {
  Assignment, BatchStatement, DeleteStatement, DeleteTarget, InsertStatement, ModificationStatement,
  OrderingClause, SelectClause, SelectStatement, Term, UpdateStatement, Using,
} from '../model/ast.ts';
import type { Parser } from './parser-core.ts';
import { SyntaxError as CqlSyntaxError } from '../model/errors.ts';
import { ifClause, selector, term, termList, whereClause } from './parser-terms.ts';

/** USING TTL x AND TIMESTAMP y (either order); `ttl` false for DELETE and BATCH, which only take TIMESTAMP. */
function usingClause(p: Parser, ttl: boolean): Using {
  const using: Using = {};
  do {
    if (ttl && p.acceptKw('ttl')) using.ttl = p.intValue();
    else if (p.acceptKw('timestamp')) using.timestamp = p.intValue();
    else throw p.mismatched(ttl ? 'K_TTL' : 'K_TIMESTAMP');
  } while (p.acceptKw('and'));
  return using;
}

// `json` and `distinct` are not reserved: they are modifiers only when a selector follows them.
function isModifier(p: Parser, word: string): boolean {
  if (!p.isKw(word)) return false;
  const t = p.peek(1);
  if (t.type === 'punct') return t.text === '*' || t.text === '(' || t.text === '?' || t.text === '[' || t.text === '{';
  return t.type !== 'eof' && !(t.type === 'ident' && (t.lower === 'from' || t.lower === 'as'));
}

export function selectStatement(p: Parser): SelectStatement {
  p.expectKw('select');
  const json = isModifier(p, 'json');
  if (json) p.next();
  const distinct = isModifier(p, 'distinct');
  if (distinct) p.next();
  let selectors: SelectStatement['selectors'];
  if (p.acceptP('*')) selectors = '*';
  else {
    selectors = [];
    do {
      const clause: SelectClause = { selector: selector(p) };
      if (p.acceptKw('as')) clause.alias = p.ident();
      selectors.push(clause);
    } while (p.acceptP(','));
  }
  p.expectKw('from');
  const table = p.qualifiedName();
  const where = p.acceptKw('where') ? whereClause(p) : [];
  const groupBy: string[] = [];
  if (p.isKw('group') && p.isKw('by', 1)) {
    p.pos += 2;
    do groupBy.push(p.ident());
    while (p.acceptP(','));
  }
  const orderBy: OrderingClause[] = [];
  if (p.acceptKw('order')) {
    p.expectKw('by');
    do orderBy.push(ordering(p, true));
    while (p.acceptP(','));
  }
  const stmt: SelectStatement = {
    kind: 'select', table, json, distinct, selectors, where, groupBy, orderBy, allowFiltering: false,
  };
  if (p.isKw('per') && p.isKw('partition', 1)) {
    p.pos += 2;
    p.expectKw('limit');
    stmt.perPartitionLimit = p.intValue();
  }
  if (p.acceptKw('limit')) stmt.limit = p.intValue();
  if (p.acceptKw('allow')) {
    p.expectKw('filtering');
    stmt.allowFiltering = true;
  }
  return stmt;
}

export function ordering(p: Parser, allowAnn = false): OrderingClause {
  const column = p.ident();
  // `ORDER BY v ANN OF [...]`: approximate nearest neighbours of a vector (Cassandra 5.0, SAI vector indexes).
  let ann: Term | undefined;
  if (allowAnn && p.isKw('ann') && p.isKw('of', 1)) {
    p.pos += 2;
    ann = term(p);
  }
  const withAnn = (c: OrderingClause): OrderingClause => (ann ? { ...c, ann } : c);
  if (p.acceptKw('desc')) return withAnn({ column, order: 'DESC' });
  p.acceptKw('asc');
  return withAnn({ column, order: 'ASC' });
}

export function insertStatement(p: Parser): InsertStatement {
  p.expectKw('insert');
  p.expectKw('into');
  const table = p.qualifiedName();
  const stmt: InsertStatement = { kind: 'insert', table, columns: [], values: [], ifNotExists: false, using: {} };
  if (p.acceptKw('json')) {
    stmt.json = p.isP('?') || p.isP(':') ? p.bindMarker() : jsonString(p);
    if (p.acceptKw('default')) {
      if (p.acceptKw('unset')) stmt.jsonDefault = 'unset';
      else {
        p.expectKw('null');
        stmt.jsonDefault = 'null';
      }
    }
  } else {
    p.expectP('(');
    stmt.columns.push(p.ident());
    while (p.acceptP(',')) stmt.columns.push(p.ident());
    p.expectP(')');
    p.expectKw('values');
    p.expectP('(');
    stmt.values = termList(p, ')');
  }
  for (let i = 0; i < 2; i++) {
    if (!stmt.ifNotExists && p.isKw('if')) {
      p.next();
      p.expectKw('not');
      p.expectKw('exists');
      stmt.ifNotExists = true;
    } else if (p.acceptKw('using')) stmt.using = usingClause(p, true);
  }
  return stmt;
}

function jsonString(p: Parser): Term {
  const t = p.peek();
  if (t.type !== 'string') throw p.mismatched('STRING_LITERAL');
  p.next();
  return { kind: 'literal', type: 'string', text: t.text };
}

function assignment(p: Parser): Assignment {
  const column = p.ident();
  if (p.acceptP('[')) {
    const key = term(p);
    p.expectP(']');
    p.expectP('=');
    return { kind: 'set_element', column, key, value: term(p) };
  }
  if (p.acceptP('.')) {
    const field = p.ident();
    p.expectP('=');
    return { kind: 'set_field', column, field, value: term(p) };
  }
  p.expectP('=');
  // A bare identifier cannot be a term, so `c = c …` is told apart from `c = <term>` by one token.
  if (p.isIdent() && !p.isP('(', 1) && !p.isP('.', 1)) {
    const at = p.peek();
    if (p.ident() !== column) throw p.error(`Only expressions of the form X = X +<value> are supported.`, at);
    if (p.acceptP('+')) return { kind: 'add', column, value: term(p) };
    if (p.acceptP('-')) return { kind: 'remove', column, value: term(p) };
    // `c = c -1` lexes the sign into the number (as in Cassandra): an addition of a negative number.
    const n = p.peek();
    if ((n.type === 'int' || n.type === 'float') && n.text.startsWith('-')) return { kind: 'add', column, value: term(p) };
    throw p.noViable();
  }
  const value = term(p);
  if (p.acceptP('+')) {
    const at = p.peek();
    if (p.ident() !== column) throw p.error(`Only expressions of the form X = <value> + X are supported.`, at);
    return { kind: 'prepend', column, value };
  }
  return { kind: 'set', column, value };
}

/**
 * Cassandra's parser refuses two operations on one column when either replaces the whole column, or both set the
 * same UDT field: the outcome would depend on evaluation order. Element operations (`m[k] = …`, `s = s + …`,
 * `s = s - …`) combine.
 */
function checkCompatibleAssignments(assignments: Assignment[]): void {
  for (let i = 1; i < assignments.length; i++) {
    const b = assignments[i];
    for (let j = 0; j < i; j++) {
      const a = assignments[j];
      if (a.column !== b.column) continue;
      const sameField = a.kind === 'set_field' && b.kind === 'set_field' && a.field === b.field;
      if (a.kind === 'set' || b.kind === 'set' || sameField) {
        throw new CqlSyntaxError(`Multiple incompatible setting of column ${b.column}`);
      }
    }
  }
}

export function updateStatement(p: Parser): UpdateStatement {
  p.expectKw('update');
  const table = p.qualifiedName();
  const using = p.acceptKw('using') ? usingClause(p, true) : {};
  p.expectKw('set');
  const assignments = [assignment(p)];
  while (p.acceptP(',')) assignments.push(assignment(p));
  checkCompatibleAssignments(assignments);
  p.expectKw('where');
  const where = whereClause(p);
  const cond = p.acceptKw('if') ? ifClause(p) : { ifExists: false, conditions: [] };
  return { kind: 'update', table, using, assignments, where, ...cond };
}

function deleteTarget(p: Parser): DeleteTarget {
  const column = p.ident();
  if (p.acceptP('[')) {
    const element = term(p);
    p.expectP(']');
    return { column, element };
  }
  if (p.acceptP('.')) return { column, field: p.ident() };
  return { column };
}

export function deleteStatement(p: Parser): DeleteStatement {
  p.expectKw('delete');
  const targets: DeleteTarget[] = [];
  if (!p.isKw('from')) {
    targets.push(deleteTarget(p));
    while (p.acceptP(',')) targets.push(deleteTarget(p));
  }
  p.expectKw('from');
  const table = p.qualifiedName();
  const using = p.acceptKw('using') ? usingClause(p, false) : {};
  p.expectKw('where');
  const where = whereClause(p);
  const cond = p.acceptKw('if') ? ifClause(p) : { ifExists: false, conditions: [] };
  return { kind: 'delete', table, targets, using, where, ...cond };
}

export function batchStatement(p: Parser): BatchStatement {
  p.expectKw('begin');
  let type: BatchStatement['type'] = 'LOGGED';
  if (p.acceptKw('unlogged')) type = 'UNLOGGED';
  else if (p.acceptKw('counter')) type = 'COUNTER';
  p.expectKw('batch');
  const using = p.acceptKw('using') ? usingClause(p, false) : {};
  const statements: ModificationStatement[] = [];
  while (!p.isKw('apply')) {
    if (p.isKw('insert')) statements.push(insertStatement(p));
    else if (p.isKw('update')) statements.push(updateStatement(p));
    else if (p.isKw('delete')) statements.push(deleteStatement(p));
    else throw p.noViable();
    p.acceptP(';');
  }
  p.expectKw('apply');
  p.expectKw('batch');
  return { kind: 'batch', type, using, statements };
}
