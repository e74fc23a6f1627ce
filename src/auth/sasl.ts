// SASL PLAIN (RFC 4616) as Cassandra's PasswordAuthenticator reads it: [authzid] NUL authcid NUL passwd, scanned
// from the end, with Cassandra's messages for each malformed shape (checked against Cassandra 5.0's classes).
import { BadCredentialsError } from '../model/errors.ts';

export interface PlainCredentials {
  username: string;
  password: string;
}

/** Cassandra's fully qualified name, sent in AUTHENTICATE so that drivers pick their PLAIN provider. */
export const PASSWORD_AUTHENTICATOR_CLASS = 'org.apache.cassandra.auth.PasswordAuthenticator';

export function decodePlain(token: Buffer | null): PlainCredentials {
  if (token === null) throw new BadCredentialsError('Password must not be null');
  let password: Buffer | undefined;
  let username: Buffer | undefined;
  let end = token.length;
  for (let i = token.length - 1; i >= 0; i--) {
    if (token[i] !== 0) continue;
    if (password === undefined) password = token.subarray(i + 1, end);
    else if (username === undefined) username = token.subarray(i + 1, end);
    else throw new BadCredentialsError('Credential format error: username or password is empty or contains NUL(\\0) character');
    end = i;
  }
  if (password === undefined || password.length === 0) throw new BadCredentialsError('Password must not be null');
  if (username === undefined || username.length === 0) throw new BadCredentialsError('Authentication ID must not be null');
  return { username: username.toString('utf8'), password: password.toString('utf8') };
}
