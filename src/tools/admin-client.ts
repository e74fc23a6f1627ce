// A client for a node's admin API (server/admin.ts), shared by nodetool and the launcher. node:http rather than fetch
// so connection failures keep their errno (ECONNREFUSED …), which nodetool reports the way Cassandra's does.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_TOKEN_FILE, readAdminTokenFile } from '../server/admin-token.ts';
import { findClusterDir } from './cluster/manifest.ts';
import { request } from 'node:http';

/** The node could not be reached at all; `javaName`/`javaMessage` are what Cassandra's nodetool would print. */
export class AdminConnectError extends Error {
  override readonly name = 'AdminConnectError';
  constructor(readonly code: string, readonly javaName: string, readonly javaMessage: string) {
    super(`${javaName}: ${javaMessage}`);
  }
}

/** The node answered with an error status; `message` is the node's {error}. */
export class AdminResponseError extends Error {
  override readonly name = 'AdminResponseError';
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

function connectError(e: NodeJS.ErrnoException, host: string): AdminConnectError {
  switch (e.code) {
    case 'ECONNREFUSED':
      return new AdminConnectError(e.code, 'ConnectException', 'Connection refused');
    case 'ETIMEDOUT':
      return new AdminConnectError(e.code, 'ConnectException', 'Connection timed out');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new AdminConnectError(e.code, 'UnknownHostException', host);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new AdminConnectError(e.code, 'NoRouteToHostException', 'No route to host');
    default:
      return new AdminConnectError(e.code ?? 'EUNKNOWN', 'IOException', e.message);
  }
}

export interface AdminCallOptions {
  method?: 'GET' | 'POST' | 'PUT';
  body?: unknown;
  /** Whole-call timeout; drain and flush may take a while on a busy node. */
  timeoutMs?: number;
  /** The cluster's admin token, sent with every call; defaultAdminToken() when not given. */
  token?: string;
}

/**
 * The admin token nodetool sends without being told: SIBYL_ADMIN_TOKEN, the file SIBYL_ADMIN_TOKEN_FILE names, or the
 * admin-token file of the one launcher cluster under ./clusters (as `sibyl cluster` finds it).
 */
export function defaultAdminToken(): string | undefined {
  const fromEnv = process.env['SIBYL_ADMIN_TOKEN'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const file = process.env['SIBYL_ADMIN_TOKEN_FILE'];
  if (file !== undefined && file !== '') return readAdminTokenFile(file);
  let dir: string;
  try {
    dir = findClusterDir(undefined);
  } catch {
    return undefined; // No launcher cluster here: the node may have no token either.
  }
  const path = join(dir, ADMIN_TOKEN_FILE);
  return existsSync(path) ? readAdminTokenFile(path) : undefined;
}

async function call(host: string, port: number, path: string, opts: AdminCallOptions): Promise<{ status: number; text: string }> {
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const token = opts.token ?? defaultAdminToken();
  const headers: Record<string, string | number> = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        path,
        method: opts.method ?? 'GET',
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => reject(e.code && !('status' in e) ? connectError(e, host) : e));
    req.end(body);
  });
}

/** Calls the admin API; JSON answers are parsed, text ones (/metrics) returned as a string. */
export async function adminCall<T>(host: string, port: number, path: string, opts: AdminCallOptions = {}): Promise<T> {
  const { status, text } = await call(host, port, path, opts);
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // /metrics is text, and so is whatever a non-Sibyl server answers.
  }
  if (status >= 400) {
    const msg = typeof parsed === 'object' && parsed !== null && 'error' in parsed ? String((parsed as { error: unknown }).error) : text;
    throw new AdminResponseError(msg, status);
  }
  return parsed as T;
}

/** `path?a=1&b=2`, leaving out undefined parameters. */
export function withQuery(path: string, params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return s === '' ? path : `${path}?${s}`;
}
