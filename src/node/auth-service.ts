// Authentication on a node: PasswordAuthenticator (src/auth) over system_auth.roles (auth-store.ts), and the default
// superuser set up once the node is running. Cassandra delays that setup until the ring is known; here the first
// attempt waits briefly for gossip, and failures (no replica of system_auth reachable yet) are retried.
import type { Timers, TimerHandle } from '../cluster/env.ts';
import type { ExecEnv } from '../cql/exec/index.ts';
import { PasswordAuthenticator } from '../auth/authenticator.ts';
import { bcryptHasher } from '../auth/bcrypt.ts';
import { setupDefaultRole } from '../auth/default-role.ts';
import { RoleManager } from '../auth/role-manager.ts';
import { PASSWORD_AUTHENTICATOR_CLASS } from '../auth/sasl.ts';
import type { AuthClock, PasswordHasher } from '../auth/types.ts';
import { SystemAuthRoles } from './auth-store.ts';
import type { LoginGate } from './handler.ts';
import { InternalQueries } from './internal-query.ts';
import type { StatementCache } from './statements.ts';
import { AuthAccess } from './auth-access.ts';
import type { RoleStatement } from '../model/ast-roles.ts';
import type { Session } from '../cql/exec/index.ts';
import type { ResultMessage } from '../protocol/messages.ts';
import type { Schema } from '../schema/model.ts';
import { InvalidRequestError, UnauthorizedError } from '../model/errors.ts';
import { NetworkAccess, type CidrAuthorizerSettings } from '../auth/network-access.ts';
import { RoleAccessStatements } from '../auth/role-access.ts';
import { SystemAuthAccess } from './auth-access-store.ts';
import type { NetworkGate } from './handler.ts';

export interface AuthServiceOptions {
  statements: StatementCache;
  env: ExecEnv;
  clock: AuthClock;
  timers: Timers;
  log: (msg: string, err?: unknown) => void;
  credentialsValidityMs: number;
  /** CassandraAuthorizer: permissions checked on every statement (auth-access.ts); absent: AllowAllAuthorizer. */
  authorizer?: { schema: () => Schema; permissionsValidityMs: number };
  hasher?: PasswordHasher;
  /** A warning to log once the default role is set up, if system_auth is under-replicated for the cluster. */
  replicationWarning?: () => string | undefined;
  /** Before the first default-role attempt (gossip's first rounds). */
  setupDelayMs?: number;
  /** network_authorizer and cidr_authorizer, with this node's data centre and the ones gossip knows. */
  network?: {
    networkAuthorizer: boolean; cidr?: CidrAuthorizerSettings; rolesValidityMs: number; localDc: string; datacenters: () => string[];
  };
}

const SETUP_RETRY_MS = 2000;
const SETUP_ATTEMPTS = 60;

export class AuthService {
  readonly roles: SystemAuthRoles;
  readonly authenticator: PasswordAuthenticator;
  readonly gate: LoginGate;
  readonly roleManager: RoleManager;
  readonly access: AuthAccess | undefined;
  readonly hasher: PasswordHasher;
  /** The network and CIDR authorizers (AllowAll ones check nothing but still keep ACCESS clauses). */
  readonly networkAccess: NetworkAccess;
  /** The handler's per-request check, when either authorizer is Cassandra's. */
  readonly networkGate: NetworkGate | undefined;
  private setupTimer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly opts: AuthServiceOptions) {
    this.hasher = opts.hasher ?? bcryptHasher;
    const queries = new InternalQueries(opts.statements, opts.env);
    this.roles = new SystemAuthRoles(queries);
    this.access = opts.authorizer === undefined ? undefined : new AuthAccess({
      queries, roles: this.roles, clock: opts.clock, schema: opts.authorizer.schema, permissionsValidityMs: opts.authorizer.permissionsValidityMs,
    });
    this.authenticator = new PasswordAuthenticator({
      roles: this.roles, hasher: this.hasher, clock: opts.clock, log: (m) => opts.log(m),
      credentialsValidityMs: opts.credentialsValidityMs,
    });
    this.authenticator.limiting = false;
    const net = opts.network;
    this.networkAccess = new NetworkAccess({
      store: new SystemAuthAccess(queries), roles: this.roles, clock: opts.clock, log: (m) => opts.log(m),
      rolesValidityMs: net?.rolesValidityMs ?? 2000, localDc: net?.localDc ?? '', network: net?.networkAuthorizer ?? false,
      ...(net?.cidr !== undefined ? { cidr: net.cidr } : {}),
    });
    this.networkGate = net !== undefined && (net.networkAuthorizer || net.cidr !== undefined)
      ? { validate: (user, address) => this.networkAccess.validate(user, address) } : undefined;
    this.roleManager = new RoleManager({
      store: this.roles, hasher: this.hasher, invalidate: (r) => this.authenticator.invalidate(r),
      ...(this.access ? { authorizer: this.access.authorizer } : {}),
      access: new RoleAccessStatements({ access: this.networkAccess, datacenters: () => net?.datacenters() ?? [] }),
    });
    this.gate = {
      className: PASSWORD_AUTHENTICATOR_CLASS,
      authenticate: (address, token) => this.authenticator.authenticate(address, token),
    };
  }

  /** A role or permission statement, by the logged-in role of `session`. */
  async roleStatement(stmt: RoleStatement, session: Session): Promise<ResultMessage> {
    if (stmt.op === 'grant_permission' || stmt.op === 'revoke_permission' || stmt.op === 'list_permissions') {
      if (session.user === undefined) throw new UnauthorizedError('You have to be logged in and not anonymous to perform this request');
      if (this.access === undefined) throw new InvalidRequestError('GRANT, REVOKE and LIST permissions need authorizer: CassandraAuthorizer');
      return this.access.statements.execute(stmt, session.user, session.keyspace);
    }
    const result = await this.roleManager.execute(stmt, session.user);
    await this.access?.gate.done(session.user, stmt, session.keyspace);
    return result;
  }

  start(): void {
    this.scheduleSetup(this.opts.setupDelayMs ?? 500, SETUP_ATTEMPTS);
  }

  stop(): void {
    this.stopped = true;
    if (this.setupTimer !== undefined) this.opts.timers.clearTimeout(this.setupTimer);
  }

  /** Refusals for /metrics. */
  refusals(): Record<string, number> {
    const s = this.authenticator.stats;
    const n = this.networkAccess.stats;
    return { 'bad-credentials': s.failed, malformed: s.malformed, 'rate-limited': s.rateLimited, datacenter: n.dcRefused, cidr: n.cidrRefused };
  }

  private scheduleSetup(delayMs: number, attemptsLeft: number): void {
    if (this.stopped || attemptsLeft === 0) return;
    this.setupTimer = this.opts.timers.setTimeout(() => {
      setupDefaultRole(this.roles, this.hasher, (m) => this.opts.log(m)).then(() => {
        this.authenticator.limiting = true;
        const warning = this.opts.replicationWarning?.();
        if (warning !== undefined) this.opts.log(warning);
      }, (err: unknown) => {
        this.opts.log('Setup task failed with error, rescheduling', err);
        this.scheduleSetup(SETUP_RETRY_MS, attemptsLeft - 1);
      });
    }, delayMs);
  }
}

/** Roles kept on one replica in a cluster of several: one node down and no one can log in. */
export function systemAuthWarning(schema: Schema, nodes: number): string | undefined {
  const ks = schema.keyspaces.get('system_auth');
  if (ks === undefined || nodes < 2) return undefined;
  const rfs = Object.entries(ks.replication).filter(([k]) => k !== 'class').map(([, v]) => Number(v));
  if (rfs.length === 0 || rfs.some((rf) => rf > 1)) return undefined;
  return `WARNING: system_auth has a replication factor of 1 on a cluster of ${nodes} nodes: if the node holding a role `
    + "is down, that role cannot log in. Raise it (ALTER KEYSPACE system_auth WITH replication = …), then repair system_auth.";
}
