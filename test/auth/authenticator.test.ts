// src/auth in-process: SASL PLAIN decoding with Cassandra's messages, the authenticator over a map of roles, its
// credentials cache, the per-address login limiter, and the default superuser setup.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadCredentialsError } from '../../src/model/errors.ts';
import { decodePlain } from '../../src/auth/sasl.ts';
import { PasswordAuthenticator } from '../../src/auth/authenticator.ts';
import { LoginLimiter } from '../../src/auth/login-limiter.ts';
import { setupDefaultRole } from '../../src/auth/default-role.ts';
import { bcryptHasher } from '../../src/auth/bcrypt.ts';
import type { PasswordHasher, RoleReader, RoleRecord, RoleWriter } from '../../src/auth/types.ts';

const plainHasher: PasswordHasher = { hash: async (p) => `h:${p}`, verify: async (p, h) => h === `h:${p}` };

class MapRoles implements RoleReader, RoleWriter {
  readonly rows = new Map<string, RoleRecord>();
  reads = 0;
  async role(name: string) { this.reads++; return this.rows.get(name); }
  async anyRole() { return this.rows.size > 0; }
  async putRole(r: RoleRecord) { this.rows.set(r.name, r); }
}

test('SASL PLAIN: authzid optional; Cassandra\'s messages for each malformed token', () => {
  assert.deepEqual(decodePlain(Buffer.from('\0bob\0pw')), { username: 'bob', password: 'pw' });
  assert.deepEqual(decodePlain(Buffer.from('authz\0bob\0pw')), { username: 'bob', password: 'pw' });
  const refused = (token: Buffer | null, message: string): void => {
    assert.throws(() => decodePlain(token), (e: unknown) => e instanceof BadCredentialsError && e.message === message);
  };
  refused(null, 'Password must not be null');
  refused(Buffer.from('nonul'), 'Password must not be null');
  refused(Buffer.from('\0bob\0'), 'Password must not be null');
  refused(Buffer.from('\0\0pw'), 'Authentication ID must not be null');
  refused(Buffer.from('pw'), 'Password must not be null');
  refused(Buffer.from('\0a\0b\0c'), 'Credential format error: username or password is empty or contains NUL(\\0) character');
});

test('the authenticator checks the hash and LOGIN, caches hashes for credentials_validity, limits failures', async () => {
  const roles = new MapRoles();
  await roles.putRole({ name: 'app', isSuperuser: false, canLogin: true, memberOf: [], saltedHash: 'h:secret' });
  await roles.putRole({ name: 'group', isSuperuser: false, canLogin: false, memberOf: [], saltedHash: 'h:x' });
  let now = 0;
  const logs: string[] = [];
  const a = new PasswordAuthenticator({
    roles, hasher: plainHasher, clock: { now: () => now }, log: (m) => logs.push(m), credentialsValidityMs: 2000,
    limiter: new LoginLimiter({ now: () => now }, 3, 60_000),
  });
  assert.equal(await a.authenticate('10.0.0.1', Buffer.from('\0app\0secret')), 'app');
  assert.equal(await a.authenticate('10.0.0.1', Buffer.from('\0app\0secret')), 'app');
  assert.equal(roles.reads, 1, 'the second login used the cached hash');
  now = 2500;
  await a.authenticate('10.0.0.1', Buffer.from('\0app\0secret'));
  assert.equal(roles.reads, 2, 'reloaded after credentials_validity');
  await assert.rejects(a.authenticate('10.0.0.2', Buffer.from('\0app\0bad')), (e: Error) => e instanceof BadCredentialsError && /^Provided username app and\/or password are incorrect$/.test(e.message));
  await assert.rejects(a.authenticate('10.0.0.2', Buffer.from('\0ghost\0x')), /Provided username ghost and\/or password are incorrect/);
  await assert.rejects(a.authenticate('10.0.0.2', Buffer.from('\0group\0x')), /group is not permitted to log in$/);
  await assert.rejects(a.authenticate('10.0.0.2', Buffer.from('\0app\0secret')), /Too many failed login attempts/);
  assert.equal(await a.authenticate('10.0.0.3', Buffer.from('\0app\0secret')), 'app', 'another address is not limited');
  now += 60_000;
  assert.equal(await a.authenticate('10.0.0.2', Buffer.from('\0app\0secret')), 'app', 'the window passed');
  assert.ok(logs.some((l) => l === 'Failed login for app from 10.0.0.2'));
});

test('the default superuser is created once, only where no role exists', async () => {
  const roles = new MapRoles();
  const logs: string[] = [];
  assert.equal(await setupDefaultRole(roles, plainHasher, (m) => logs.push(m)), true);
  assert.deepEqual(roles.rows.get('cassandra'), { name: 'cassandra', isSuperuser: true, canLogin: true, memberOf: [], saltedHash: 'h:cassandra' });
  assert.deepEqual(logs, ["Created default superuser role 'cassandra'"]);
  assert.equal(await setupDefaultRole(roles, plainHasher, () => undefined), false);
  const other = new MapRoles();
  await other.putRole({ name: 'admin', isSuperuser: true, canLogin: true, memberOf: [] });
  assert.equal(await setupDefaultRole(other, plainHasher, () => undefined), false);
});

test('bcrypt hashes are $2a$ with 10 rounds and verify', async () => {
  const h = await bcryptHasher.hash('cassandra');
  assert.match(h, /^\$2a\$10\$/);
  assert.equal(await bcryptHasher.verify('cassandra', h), true);
  assert.equal(await bcryptHasher.verify('Cassandra', h), false);
  assert.equal(await bcryptHasher.verify('cassandra', 'not a hash'), false);
});
