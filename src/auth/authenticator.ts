// Cassandra's PasswordAuthenticator over an injected role store: SASL PLAIN credentials checked against the bcrypt
// hash in system_auth.roles, then the role's LOGIN. The credentials cache keeps each role's hash for
// credentials_validity, as Cassandra's CredentialsCache does (the hash, never the password), so a burst of
// connections reads system_auth once. Failures are logged and rate-limited per client address (login-limiter.ts).
import { BadCredentialsError } from '../model/errors.ts';
import { LoginLimiter } from './login-limiter.ts';
import { decodePlain } from './sasl.ts';
import type { AuthClock, AuthLog, PasswordHasher, RoleReader } from './types.ts';

export interface AuthenticatorDeps {
  roles: RoleReader;
  hasher: PasswordHasher;
  clock: AuthClock;
  log: AuthLog;
  credentialsValidityMs: number;
  limiter?: LoginLimiter;
}

export interface AuthStats {
  succeeded: number;
  failed: number;
  malformed: number;
  rateLimited: number;
}

interface CachedHash {
  hash: string | undefined;
  canLogin: boolean;
  loadedAt: number;
}

const MAX_CACHED = 1000;

export class PasswordAuthenticator {
  readonly stats: AuthStats = { succeeded: 0, failed: 0, malformed: 0, rateLimited: 0 };
  private readonly cache = new Map<string, CachedHash>();
  private readonly limiter: LoginLimiter;
  /**
   * Whether failures count towards the per-address limit. Off until the node has set up (or found) the default
   * superuser: clients retrying during that window must not lock their address out.
   */
  limiting = true;

  constructor(private readonly deps: AuthenticatorDeps) {
    this.limiter = deps.limiter ?? new LoginLimiter(deps.clock);
  }

  /** The authenticated role's name; throws BadCredentialsError (AuthenticationError 0x0100) otherwise. */
  async authenticate(clientAddress: string, token: Buffer | null): Promise<string> {
    if (!this.limiter.allows(clientAddress)) {
      this.stats.rateLimited++;
      this.deps.log(`Refused login from ${clientAddress}: too many failed attempts`);
      throw new BadCredentialsError('Too many failed login attempts from this address; try again later');
    }
    let username: string;
    let password: string;
    try {
      ({ username, password } = decodePlain(token));
    } catch (e) {
      this.stats.malformed++;
      this.countFailure(clientAddress);
      throw e;
    }
    const entry = await this.hashOf(username);
    const ok = entry.hash !== undefined && await this.deps.hasher.verify(password, entry.hash);
    if (!ok) {
      this.stats.failed++;
      this.countFailure(clientAddress);
      this.deps.log(`Failed login for ${username} from ${clientAddress}`);
      throw new BadCredentialsError(`Provided username ${username} and/or password are incorrect`);
    }
    // Cassandra checks LOGIN after the password (ClientState.login), with this message.
    if (!entry.canLogin) {
      this.stats.failed++;
      this.countFailure(clientAddress);
      throw new BadCredentialsError(`${username} is not permitted to log in`);
    }
    this.limiter.succeeded(clientAddress);
    this.stats.succeeded++;
    return username;
  }

  private countFailure(clientAddress: string): void {
    if (this.limiting) this.limiter.failed(clientAddress);
  }

  /** Forgets a role's cached hash (its password or LOGIN changed here). */
  invalidate(role?: string): void {
    if (role === undefined) this.cache.clear();
    else this.cache.delete(role);
  }

  get rateLimitedRefusals(): number {
    return this.limiter.refused;
  }

  private async hashOf(username: string): Promise<CachedHash> {
    const now = this.deps.clock.now();
    const hit = this.cache.get(username);
    if (hit !== undefined && now - hit.loadedAt < this.deps.credentialsValidityMs) return hit;
    const role = await this.deps.roles.role(username);
    const entry: CachedHash = { hash: role?.saltedHash, canLogin: role?.canLogin ?? false, loadedAt: now };
    // A role not found is not cached: a role created a moment later (the default superuser) must be usable at once.
    if (this.deps.credentialsValidityMs > 0 && role !== undefined) {
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(username, entry);
    }
    return entry;
  }
}
