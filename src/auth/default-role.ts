// The default superuser, as Cassandra's CassandraRoleManager sets it up: in a cluster without any role, the role
// `cassandra` with password `cassandra`, SUPERUSER and LOGIN, written at timestamp 0 so that several nodes doing it at
// once converge on one row and any later change (a new password) wins over it. Cassandra logs the line below.
import type { AuthLog, PasswordHasher, RoleReader, RoleWriter } from './types.ts';

export const DEFAULT_SUPERUSER_NAME = 'cassandra';
export const DEFAULT_SUPERUSER_PASSWORD = 'cassandra';

/** Creates the default superuser if no role exists; returns whether it did. Throws if the store cannot be read. */
export async function setupDefaultRole(store: RoleReader & RoleWriter, hasher: PasswordHasher, log: AuthLog): Promise<boolean> {
  if (await store.role(DEFAULT_SUPERUSER_NAME) !== undefined) return false;
  if (await store.anyRole()) return false;
  await store.putRole({
    name: DEFAULT_SUPERUSER_NAME, isSuperuser: true, canLogin: true, memberOf: [],
    saltedHash: await hasher.hash(DEFAULT_SUPERUSER_PASSWORD),
  }, true);
  log(`Created default superuser role '${DEFAULT_SUPERUSER_NAME}'`);
  return true;
}
