// CREATE [CUSTOM] INDEX and DROP INDEX, in Cassandra 5.0's grammar (createIndexStatement / dropIndexStatement):
//   CREATE [CUSTOM] INDEX [IF NOT EXISTS] [name] ON [ks.]table ( [target, …] ) [USING 'class'] [WITH OPTIONS = {…}]
// where a target is a column, or keys(c), values(c), entries(c), full(c). The index name cannot be qualified (only
// DROP INDEX takes ks.name).
import type { CreateIndexStatement, DropIndexStatement, IndexTargetAst, IndexTargetKind, OptionValue } from '../model/ast.ts';
import { SyntaxError as CqlSyntaxError } from '../model/errors.ts';
import type { Parser } from './parser-core.ts';
import { property } from './parser-ddl.ts';

const TARGET_KINDS = new Set<string>(['keys', 'values', 'entries', 'full']);

function indexTarget(p: Parser): IndexTargetAst {
  const t = p.peek();
  if (t.type === 'ident' && TARGET_KINDS.has(t.lower) && p.isP('(', 1)) {
    p.pos += 2;
    const column = p.ident();
    p.expectP(')');
    return { column, kind: t.lower as IndexTargetKind };
  }
  return { column: p.ident() };
}

function indexOptions(p: Parser): Record<string, string> {
  const props: Record<string, OptionValue> = {};
  do property(p, props);
  while (p.acceptKw('and'));
  let options: Record<string, string> = {};
  for (const [name, value] of Object.entries(props)) {
    // Cassandra validates index properties after parsing, so its message carries no position.
    if (name !== 'options') throw new CqlSyntaxError(`Unknown property '${name}'`);
    if (typeof value !== 'object') throw new CqlSyntaxError(`Invalid value for property 'options'. It should be a map.`);
    options = value;
  }
  return options;
}

/** After CREATE: `[CUSTOM] INDEX …`. */
export function createIndex(p: Parser): CreateIndexStatement {
  const isCustom = p.acceptKw('custom');
  p.expectKw('index');
  let ifNotExists = false;
  if (p.isKw('if') && p.isKw('not', 1)) {
    p.pos++;
    p.expectKw('not');
    p.expectKw('exists');
    ifNotExists = true;
  }
  let name: string | undefined;
  if (!p.isKw('on')) name = p.ident();
  if (!p.acceptKw('on')) throw p.mismatched('K_ON');
  const table = p.qualifiedName();
  p.expectP('(');
  const targets: IndexTargetAst[] = [];
  if (!p.isP(')')) {
    do targets.push(indexTarget(p));
    while (p.acceptP(','));
  }
  p.expectP(')');
  const stmt: CreateIndexStatement = { kind: 'create_index', table, ifNotExists, isCustom, targets };
  if (name !== undefined) stmt.name = name;
  if (p.acceptKw('using')) {
    const cls = p.peek();
    if (cls.type !== 'string') throw p.mismatched('STRING_LITERAL');
    p.next();
    stmt.using = cls.text;
  }
  if (p.acceptKw('with')) stmt.options = indexOptions(p);
  return stmt;
}

/** After DROP: `INDEX [IF EXISTS] [ks.]name`. */
export function dropIndex(p: Parser): DropIndexStatement {
  p.expectKw('index');
  let ifExists = false;
  if (p.isKw('if') && p.isKw('exists', 1)) {
    p.pos += 2;
    ifExists = true;
  }
  return { kind: 'drop_index', ifExists, index: p.qualifiedName() };
}
