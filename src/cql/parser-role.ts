// CQL of roles, as Cassandra 5.0's grammar has it (Parser.g: createRoleStatement, createUserStatement, roleOptions,
// userOrRoleName…): role names are identifiers (case-folded unless quoted) or string literals (kept as written).
import type { RoleAccess, RoleOptions, RoleStatement } from '../model/ast-roles.ts';
import type { Parser } from './parser-core.ts';

/** Whether the statement at the parser is one of ours (the caller has not consumed anything). */
export function isRoleStatement(p: Parser): boolean {
  const objectWord = p.isKw('role', 1) || p.isKw('user', 1) || p.isKw('roles', 1) || p.isKw('users', 1);
  if (p.isKw('create') || p.isKw('alter') || p.isKw('drop')) return p.isKw('role', 1) || p.isKw('user', 1);
  if (p.isKw('list')) return objectWord;
  // GRANT <role> TO <role>: a permission grant has ON after the permission instead.
  if (p.isKw('grant') || p.isKw('revoke')) return p.isKw('to', 2) || p.isKw('from', 2);
  return false;
}

function roleName(p: Parser): string {
  const t = p.peek();
  if (t.type === 'string') {
    p.next();
    return t.text;
  }
  return p.ident();
}

function ifClause(p: Parser, not: boolean): boolean {
  if (!p.isKw('if')) return false;
  p.expectKw('if');
  if (not) p.expectKw('not');
  p.expectKw('exists');
  return true;
}

function stringValue(p: Parser): string {
  const t = p.next();
  if (t.type !== 'string') throw p.mismatched('STRING_LITERAL', t);
  return t.text;
}

function boolValue(p: Parser): boolean {
  const t = p.next();
  if (t.type === 'bool') return t.text.toLowerCase() === 'true';
  throw p.mismatched('BOOLEAN', t);
}

function mapValue(p: Parser): Array<[string, string]> {
  p.expectP('{');
  const out: Array<[string, string]> = [];
  if (!p.acceptP('}')) {
    do {
      const k = stringValue(p);
      p.expectP(':');
      out.push([k, stringValue(p)]);
    } while (p.acceptP(','));
    p.expectP('}');
  }
  return out;
}

/** `{'a', 'b'}` of ACCESS TO DATACENTERS / ACCESS FROM CIDRS: one string at least, as Parser.g's dcPermission. */
function stringSet(p: Parser): string[] {
  p.expectP('{');
  const out: string[] = [];
  do out.push(stringValue(p)); while (p.acceptP(','));
  p.expectP('}');
  return [...new Set(out)];
}

/** ACCESS TO [ALL] DATACENTERS {…} | ACCESS FROM [ALL] CIDRS {…}, after ACCESS. */
function accessOption(p: Parser, access: RoleAccess): void {
  if (p.acceptKw('to')) {
    const all = p.acceptKw('all');
    p.expectKw('datacenters');
    access.datacenters = all ? 'all' : stringSet(p);
    return;
  }
  p.expectKw('from');
  const all = p.acceptKw('all');
  p.expectKw('cidrs');
  access.cidrs = all ? 'all' : stringSet(p);
}

/**
 * WITH PASSWORD = '…' AND LOGIN = true AND SUPERUSER = false AND OPTIONS = {…} (HASHED PASSWORD too), and the
 * ACCESS clauses into `access`.
 */
function roleOptions(p: Parser, access: RoleAccess): RoleOptions {
  const o: RoleOptions = {};
  if (!p.acceptKw('with')) return o;
  do {
    if (p.acceptKw('access')) {
      accessOption(p, access);
      continue;
    }
    const hashed = p.acceptKw('hashed');
    const t = p.next();
    const name = t.type === 'ident' ? t.lower : '';
    p.expectP('=');
    if (name === 'password' && hashed) o.hashedPassword = stringValue(p);
    else if (name === 'password') o.password = stringValue(p);
    else if (name === 'login') o.login = boolValue(p);
    else if (name === 'superuser') o.superuser = boolValue(p);
    else if (name === 'options') o.options = mapValue(p);
    else throw p.noViable(t);
  } while (p.acceptKw('and'));
  return o;
}

/** CREATE/ALTER USER's older form: WITH [HASHED] PASSWORD '…' then SUPERUSER | NOSUPERUSER; a user can log in. */
function userOptions(p: Parser, creating: boolean): RoleOptions {
  const o: RoleOptions = creating ? { login: true } : {};
  if (p.acceptKw('with')) {
    const hashed = p.acceptKw('hashed');
    p.expectKw('password');
    if (hashed) o.hashedPassword = stringValue(p);
    else o.password = stringValue(p);
  }
  if (p.acceptKw('superuser')) o.superuser = true;
  else if (p.acceptKw('nosuperuser')) o.superuser = false;
  return o;
}

export function roleStatement(p: Parser): RoleStatement {
  const verb = p.next().lower;
  if (verb === 'grant' || verb === 'revoke') {
    const role = roleName(p);
    p.expectKw(verb === 'grant' ? 'to' : 'from');
    const other = roleName(p);
    return verb === 'grant' ? { kind: 'role', op: 'grant', role, grantee: other } : { kind: 'role', op: 'revoke', role, revokee: other };
  }
  if (verb === 'list') {
    if (p.acceptKw('users')) return { kind: 'role', op: 'list_users' };
    p.expectKw('roles');
    const of = p.acceptKw('of') ? roleName(p) : undefined;
    const recursive = !p.acceptKw('norecursive');
    return { kind: 'role', op: 'list_roles', ...(of !== undefined ? { of } : {}), recursive };
  }
  const user = p.acceptKw('user');
  if (!user) p.expectKw('role');
  // Only CREATE/ALTER ROLE take ACCESS clauses: Parser.g's createUserStatement/alterUserStatement have none.
  const access: RoleAccess = {};
  const withAccess = (): { access?: RoleAccess } => (Object.keys(access).length > 0 ? { access } : {});
  if (verb === 'create') {
    const ifNotExists = ifClause(p, true);
    const role = roleName(p);
    const options = user ? userOptions(p, true) : roleOptions(p, access);
    return { kind: 'role', op: 'create', role, ifNotExists, options, user, ...withAccess() };
  }
  const ifExists = ifClause(p, false);
  const role = roleName(p);
  if (verb === 'drop') return { kind: 'role', op: 'drop', role, ifExists, user };
  const options = user ? userOptions(p, false) : roleOptions(p, access);
  return { kind: 'role', op: 'alter', role, ifExists, options, user, ...withAccess() };
}
