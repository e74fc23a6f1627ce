// bcrypt through the maintained bcryptjs package. Hashes are written as $2a$, the revision Cassandra's jBCrypt reads
// (bcryptjs writes $2b$; for passwords under 255 bytes both revisions compute the same hash), with Cassandra's
// default cost of 10 rounds (its auth_bcrypt_gensalt_log2_rounds).
import bcrypt from 'bcryptjs';
import type { PasswordHasher } from './types.ts';

export const BCRYPT_ROUNDS = 10;

export const bcryptHasher: PasswordHasher = {
  async hash(password) {
    const hashed = await bcrypt.hash(password, await bcrypt.genSalt(BCRYPT_ROUNDS));
    return hashed.replace(/^\$2b\$/, '$2a$');
  },
  async verify(password, saltedHash) {
    // A malformed stored hash is refused, as Cassandra does ("invalid password hash encountered").
    if (!/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(saltedHash)) return false;
    return bcrypt.compare(password, saltedHash);
  },
};
