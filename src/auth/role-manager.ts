// Cassandra's CassandraRoleManager statements over an injected RoleStore, with the checks Cassandra makes whatever
// the authorizer (superuser status, one's own role) and its messages (checked against Cassandra 5.0's classes).
// With CassandraAuthorizer, role statements need permissions on roles too (roleRequirements); the ACCESS clauses of
// the network and CIDR authorizers go through role-access.ts.
import { InvalidRequestError, UnauthorizedError } from '../model/errors.ts';
import type { RoleOperation, RoleOptions } from '../model/ast-roles.ts';
import type { CassandraAuthorizer } from './authorizer.ts';
import type { Requirement } from './statement-permissions.ts';
import type { ResultMessage } from '../protocol/messages.ts';
import { listRolesResult, listUsersResult } from './role-list.ts';
import type { RoleAccessStatements } from './role-access.ts';
import type { PasswordHasher, RoleRecord, RoleStore } from './types.ts';

const MANAGER = 'org.apache.cassandra.auth.CassandraRoleManager';
const VOID: ResultMessage = { kind: 'void' };
const BCRYPT = /^\$2[aby]?\$\d\d\$[./A-Za-z0-9]{53}$/;

export interface RoleManagerDeps {
  store: RoleStore;
  hasher: PasswordHasher;
  /** A role's password or LOGIN changed: its cached credentials must go. */
  invalidate(role: string): void;
  /** With CassandraAuthorizer, role statements need permissions on roles too. */
  authorizer?: CassandraAuthorizer;
  /** ACCESS TO DATACENTERS / ACCESS FROM CIDRS and LIST ROLES' datacenters; absent: no clause accepted. */
  access?: RoleAccessStatements;
}

type RoleStatement = { kind: 'role' } & RoleOperation;

/**
 * Cassandra validates a role statement's options against what the role manager supports before checking who asks:
 * PASSWORD and HASHED PASSWORD exist only with PasswordAuthenticator, OPTIONS never with CassandraRoleManager.
 */
export function validateRoleOptions(stmt: { op: string; options?: RoleOptions }, passwordsSupported: boolean): void {
  const o = stmt.options;
  if (o === undefined) return;
  if (!passwordsSupported && o.password !== undefined) throw new InvalidRequestError(`${MANAGER} doesn't support PASSWORD`);
  if (!passwordsSupported && o.hashedPassword !== undefined) throw new InvalidRequestError(`${MANAGER} doesn't support HASHED_PASSWORD`);
  if (o.options !== undefined) throw new InvalidRequestError(`${MANAGER} doesn't support OPTIONS`);
}

/** Permissions on roles each statement needs under CassandraAuthorizer (Cassandra's checkAccess). */
function roleRequirements(stmt: RoleStatement, user: string): Requirement[] {
  switch (stmt.op) {
    case 'create': return [{ permission: 'CREATE', resource: { kind: 'all_roles' } }];
    case 'alter': {
      const onlyOwnPassword = stmt.role === user && Object.keys(stmt.options).every((k) => k === 'password' || k === 'hashedPassword');
      return onlyOwnPassword ? [] : [{ permission: 'ALTER', resource: { kind: 'role', role: stmt.role } }];
    }
    case 'drop': return [{ permission: 'DROP', resource: { kind: 'role', role: stmt.role } }];
    case 'grant':
    case 'revoke': return [{ permission: 'AUTHORIZE', resource: { kind: 'role', role: stmt.role } }];
    default: return [];
  }
}

export class RoleManager {
  constructor(private readonly deps: RoleManagerDeps) {}

  async execute(stmt: RoleStatement, user: string | undefined): Promise<ResultMessage> {
    validateRoleOptions(stmt, true);
    if (stmt.op === 'create' || stmt.op === 'alter') await this.validateAccess(stmt);
    if (user === undefined) throw new UnauthorizedError('You have to be logged in and not anonymous to perform this request');
    const me = await this.deps.store.role(user);
    const superuser = me !== undefined && await this.isSuper(me);
    if (stmt.op === 'alter' && !superuser) await this.checkAccessChange(stmt);
    await this.deps.authorizer?.authorize(user, roleRequirements(stmt, user));
    if (stmt.op === 'list_roles' || stmt.op === 'list_users') return this.list(stmt, user);
    this.deps.authorizer?.invalidate();
    switch (stmt.op) {
      case 'create': return this.create(stmt, superuser);
      case 'alter': return this.alter(stmt, user, superuser);
      case 'drop': return this.drop(stmt, user, superuser);
      case 'grant': return this.grant(stmt.role, stmt.grantee);
      case 'revoke': return this.revoke(stmt.role, stmt.revokee);
    }
  }

  private async validateAccess(stmt: Extract<RoleStatement, { op: 'create' | 'alter' }>): Promise<void> {
    if (stmt.access === undefined) return;
    if (this.deps.access === undefined) throw new InvalidRequestError('ACCESS TO DATACENTERS operations not supported by AllowAllNetworkAuthorizer');
    await this.deps.access.validate(stmt.access);
  }

  /**
   * Cassandra 5.0.9's AlterRoleStatement.authorize: only superusers change where a role may connect from and to
   * (checked after the role is known to exist, as its validate comes first).
   */
  private async checkAccessChange(stmt: Extract<RoleStatement, { op: 'alter' }>): Promise<void> {
    if (stmt.access === undefined || await this.deps.store.role(stmt.role) === undefined) return;
    if (stmt.access.datacenters !== undefined) throw new UnauthorizedError('Only superusers are allowed to alter access to datacenters.');
    if (stmt.access.cidrs !== undefined) throw new UnauthorizedError('Only superusers are allowed to alter access from CIDR groups.');
  }

  private async rows(roles: RoleRecord[], users: boolean): Promise<ResultMessage> {
    const withSuper = await this.withInheritedSuper(roles);
    const access = this.deps.access;
    const dcs = new Map<string, string>();
    for (const r of withSuper) dcs.set(r.name, access === undefined ? 'ALL' : await access.datacentersText(r));
    const datacenters = (r: RoleRecord): string => dcs.get(r.name) ?? 'ALL';
    return users ? listUsersResult(withSuper, datacenters) : listRolesResult(withSuper, datacenters);
  }

  /** Without DESCRIBE on all roles (CassandraAuthorizer), a role sees only the roles granted to it. */
  private async list(stmt: Extract<RoleStatement, { op: 'list_roles' | 'list_users' }>, user: string): Promise<ResultMessage> {
    const az = this.deps.authorizer;
    const seesAll = az === undefined || await az.holds(user, 'DESCRIBE', { kind: 'all_roles' });
    if (stmt.op === 'list_users') {
      const roles = seesAll ? await this.deps.store.allRoles() : await this.granted(user, true);
      return this.rows(roles, true);
    }
    if (!seesAll) {
      const mine = await this.granted(user, true);
      if (stmt.of !== undefined && !mine.some((r) => r.name === stmt.of)) {
        throw new UnauthorizedError(`You are not authorized to view roles granted to ${stmt.of}`);
      }
      if (stmt.of === undefined) return this.rows(mine, false);
    }
    return this.listRoles(stmt.of, stmt.recursive);
  }

  /** A role is a superuser if it, or any role granted to it, is one. */
  private async isSuper(role: RoleRecord): Promise<boolean> {
    for (const r of await this.granted(role.name, true)) if (r.isSuperuser) return true;
    return false;
  }

  private async withInheritedSuper(roles: RoleRecord[]): Promise<RoleRecord[]> {
    return Promise.all(roles.map(async (r) => ({ ...r, isSuperuser: await this.isSuper(r) })));
  }

  /** `name` and, recursively or not, the roles granted to it. */
  private async granted(name: string, recursive: boolean): Promise<RoleRecord[]> {
    const out = new Map<string, RoleRecord>();
    const visit = async (n: string, depth: number): Promise<void> => {
      if (out.has(n)) return;
      const r = await this.deps.store.role(n);
      if (r === undefined) return;
      out.set(n, r);
      if (recursive || depth === 0) for (const m of r.memberOf) await visit(m, depth + 1);
    };
    await visit(name, 0);
    return [...out.values()];
  }

  private async existing(name: string, message = `${name} doesn't exist`): Promise<RoleRecord> {
    const r = await this.deps.store.role(name);
    if (r === undefined) throw new InvalidRequestError(message);
    return r;
  }

  private async saltedHash(o: RoleOptions): Promise<string | undefined> {
    if (o.options !== undefined) throw new InvalidRequestError(`${MANAGER} doesn't support OPTIONS`);
    if (o.password !== undefined && o.hashedPassword !== undefined) {
      throw new InvalidRequestError("Properties 'password' and 'hashed_password' are mutually exclusive");
    }
    if (o.hashedPassword !== undefined) {
      if (!BCRYPT.test(o.hashedPassword)) throw new InvalidRequestError('Invalid hashed password value. Please use jBcrypt.');
      return o.hashedPassword;
    }
    return o.password === undefined ? undefined : this.deps.hasher.hash(o.password);
  }

  private async create(s: Extract<RoleStatement, { op: 'create' }>, superuser: boolean): Promise<ResultMessage> {
    if (s.role === '') throw new InvalidRequestError("Role name can't be an empty string");
    if (s.options.superuser === true && !superuser) throw new UnauthorizedError('Only superusers can create a role with superuser status');
    if (await this.deps.store.role(s.role) !== undefined) {
      if (s.ifNotExists) return VOID;
      throw new InvalidRequestError(`${s.role} already exists`);
    }
    const hash = await this.saltedHash(s.options);
    await this.deps.store.putRole({
      name: s.role, isSuperuser: s.options.superuser ?? false, canLogin: s.options.login ?? false, memberOf: [],
      ...(hash !== undefined ? { saltedHash: hash } : {}),
    });
    await this.deps.access?.created(s.role, s.access);
    return VOID;
  }

  private async alter(s: Extract<RoleStatement, { op: 'alter' }>, user: string, superuser: boolean): Promise<ResultMessage> {
    const o = s.options;
    if (Object.keys(o).length === 0 && s.access === undefined) throw new InvalidRequestError("ALTER [ROLE|USER] can't be empty");
    const role = await this.deps.store.role(s.role);
    if (role === undefined) {
      if (s.ifExists) return VOID;
      throw new InvalidRequestError(`Role ${s.role} doesn't exist`);
    }
    if (o.superuser !== undefined) {
      if (!superuser) throw new UnauthorizedError('Only superusers are allowed to alter superuser status');
      if ((await this.granted(user, true)).some((r) => r.name === s.role)) {
        throw new UnauthorizedError("You aren't allowed to alter your own superuser status or that of a role granted to you");
      }
    }
    const hash = await this.saltedHash(o);
    await this.deps.store.putRole({
      ...role, isSuperuser: o.superuser ?? role.isSuperuser, canLogin: o.login ?? role.canLogin,
      ...(hash !== undefined ? { saltedHash: hash } : {}),
    });
    await this.deps.access?.altered(s.role, s.access);
    this.deps.invalidate(s.role);
    return VOID;
  }

  private async drop(s: Extract<RoleStatement, { op: 'drop' }>, user: string, superuser: boolean): Promise<ResultMessage> {
    const role = await this.deps.store.role(s.role);
    if (role === undefined) {
      if (s.ifExists) return VOID;
      throw new InvalidRequestError(`${s.role} doesn't exist`);
    }
    if (s.role === user) throw new InvalidRequestError('Cannot DROP primary role for current login');
    if (!superuser && await this.isSuper(role)) throw new UnauthorizedError('Only superusers can drop a role with superuser status');
    // Revoke it from every role it was granted to, and every role granted to it from it, as Cassandra does.
    for (const member of await this.deps.store.members(s.role)) {
      const m = await this.deps.store.role(member);
      if (m !== undefined) await this.deps.store.putRole({ ...m, memberOf: m.memberOf.filter((x) => x !== s.role) });
    }
    for (const parent of role.memberOf) await this.deps.store.removeMember(parent, s.role);
    await this.deps.store.deleteRole(s.role);
    await this.deps.access?.dropped(s.role);
    this.deps.invalidate(s.role);
    return VOID;
  }

  private async grant(roleName: string, granteeName: string): Promise<ResultMessage> {
    await this.existing(roleName);
    const grantee = await this.existing(granteeName);
    if ((await this.granted(granteeName, true)).some((r) => r.name === roleName)) {
      throw new InvalidRequestError(`${granteeName} is a member of ${roleName}`);
    }
    if ((await this.granted(roleName, true)).some((r) => r.name === granteeName)) {
      throw new InvalidRequestError(`${roleName} is a member of ${granteeName}`);
    }
    await this.deps.store.putRole({ ...grantee, memberOf: [...grantee.memberOf, roleName] });
    await this.deps.store.addMember(roleName, granteeName);
    return VOID;
  }

  private async revoke(roleName: string, revokeeName: string): Promise<ResultMessage> {
    await this.existing(roleName);
    const revokee = await this.existing(revokeeName);
    if (!revokee.memberOf.includes(roleName)) throw new InvalidRequestError(`${revokeeName} is not a member of ${roleName}`);
    await this.deps.store.putRole({ ...revokee, memberOf: revokee.memberOf.filter((x) => x !== roleName) });
    await this.deps.store.removeMember(roleName, revokeeName);
    return VOID;
  }

  private async listRoles(of: string | undefined, recursive: boolean): Promise<ResultMessage> {
    if (of === undefined) return this.rows(await this.deps.store.allRoles(), false);
    await this.existing(of);
    return this.rows(await this.granted(of, recursive), false);
  }
}
