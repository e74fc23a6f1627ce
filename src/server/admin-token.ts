// The admin API's per-cluster token: `sibyl cluster up` writes a random token into the cluster directory (mode 0600)
// and names it in every node's cassandra.yaml (`admin_token_file`, Sibyl's own key). A node with a token refuses
// every mutation (drain, flush, repair, PUT /network…: any method but GET) without `Authorization: Bearer <token>`,
// with 401 and nothing done; reads stay open to the listen address, as nodetool status needs nothing more.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';

export const ADMIN_TOKEN_FILE = 'admin-token';

/** Creates a fresh token file readable by its owner only; returns the token. */
export function createAdminTokenFile(path: string): string {
  const token = randomBytes(32).toString('hex');
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return token;
}

/** The token in `path`; throws if the file is missing, empty, or readable by group or others. */
export function readAdminTokenFile(path: string): string {
  const mode = statSync(path).mode & 0o077;
  if (mode !== 0) throw new Error(`admin token file ${path} must be readable by its owner only (chmod 600)`);
  const token = readFileSync(path, 'utf8').trim();
  if (token.length < 16) throw new Error(`admin token file ${path} holds no token`);
  return token;
}

/** Whether the request carries `token` (compared in constant time). */
export function hasAdminToken(req: IncomingMessage, token: string): boolean {
  const header = req.headers['authorization'];
  const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/.exec(header) : null;
  if (m === null) return false;
  const given = Buffer.from(m[1]!);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
