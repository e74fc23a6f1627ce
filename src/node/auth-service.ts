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

export interface AuthServiceOptions {
  statements: StatementCache;
  env: ExecEnv;
  clock: AuthClock;
  timers: Timers;
  log: (msg: string, err?: unknown) => void;
  credentialsValidityMs: number;
  hasher?: PasswordHasher;
  /** Before the first default-role attempt (gossip's first rounds). */
  setupDelayMs?: number;
}

const SETUP_RETRY_MS = 2000;
const SETUP_ATTEMPTS = 60;

export class AuthService {
  readonly roles: SystemAuthRoles;
  readonly authenticator: PasswordAuthenticator;
  readonly gate: LoginGate;
  readonly roleManager: RoleManager;
  readonly hasher: PasswordHasher;
  private setupTimer: TimerHandle | undefined;
  private stopped = false;

  constructor(private readonly opts: AuthServiceOptions) {
    this.hasher = opts.hasher ?? bcryptHasher;
    this.roles = new SystemAuthRoles(new InternalQueries(opts.statements, opts.env));
    this.authenticator = new PasswordAuthenticator({
      roles: this.roles, hasher: this.hasher, clock: opts.clock, log: (m) => opts.log(m),
      credentialsValidityMs: opts.credentialsValidityMs,
    });
    this.authenticator.limiting = false;
    this.roleManager = new RoleManager({ store: this.roles, hasher: this.hasher, invalidate: (r) => this.authenticator.invalidate(r) });
    this.gate = {
      className: PASSWORD_AUTHENTICATOR_CLASS,
      authenticate: (address, token) => this.authenticator.authenticate(address, token),
    };
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
    return { 'bad-credentials': s.failed, malformed: s.malformed, 'rate-limited': s.rateLimited };
  }

  private scheduleSetup(delayMs: number, attemptsLeft: number): void {
    if (this.stopped || attemptsLeft === 0) return;
    this.setupTimer = this.opts.timers.setTimeout(() => {
      setupDefaultRole(this.roles, this.hasher, (m) => this.opts.log(m)).then(() => {
        this.authenticator.limiting = true;
      }, (err: unknown) => {
        this.opts.log('Setup task failed with error, rescheduling', err);
        this.scheduleSetup(SETUP_RETRY_MS, attemptsLeft - 1);
      });
    }, delayMs);
  }
}
