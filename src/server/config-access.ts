// Who may connect and what they may do: the native port's limits and the authentication settings of cassandra.yaml,
// under Cassandra 5.0's names and units (conf/cassandra.yaml; the pre-4.1 `_in_ms` names are read too).
import { ConfigLoadError, invalid } from './config-yaml.ts';
import type { YamlReader } from './config-yaml.ts';
import type { AuditFilter } from '../auth/audit.ts';
import { parseClientTls, parseInternodeTls, type ClientTlsConfig, type InternodeTlsConfig } from './config-tls.ts';
import { networkAuthYaml, parseNetworkAuth, type NetworkAuthConfig } from './config-network-auth.ts';

const AUDIT_LOGGERS = ['FileAuditLogger', 'BinAuditLogger'];

/** Cassandra's comma-separated lists (`excluded_keyspaces: system, system_schema`); a yaml list is read too. */
function names(key: string, v: unknown, def: string[]): string[] {
  if (v === undefined || v === null) return def;
  if (Array.isArray(v)) return v.map(String).map((x) => x.trim()).filter((x) => x !== '');
  if (typeof v !== 'string') throw invalid(key, 'a comma-separated list', v);
  return v.split(',').map((x) => x.trim()).filter((x) => x !== '');
}

/** audit_logging_options with enabled: true; FileAuditLogger's lines are written whichever logger is named. */
function parseAudit(r: YamlReader, path: (p: string) => string): AccessConfig['auditLog'] {
  const o = r.get('audit_logging_options');
  if (o === undefined || typeof o !== 'object' || Array.isArray(o)) return undefined;
  const opts = o as Record<string, unknown>;
  const enabled = opts['enabled'];
  if (enabled !== true && !(typeof enabled === 'string' && enabled.trim().toLowerCase() === 'true')) return undefined;
  const logger = opts['logger'];
  const entry: unknown = Array.isArray(logger) ? logger[0] : logger;
  const cls = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)['class_name'] : entry;
  const name = cls === undefined || cls === null ? 'BinAuditLogger' : String(cls).replace(/^org\.apache\.cassandra\.audit\./, '');
  if (!AUDIT_LOGGERS.includes(name)) throw new ConfigLoadError(`Invalid yaml: audit_logging_options.logger ${name} is not supported yet (use FileAuditLogger)`, 'audit_logging_options.logger');
  const k = (key: string) => `audit_logging_options.${key}`;
  const dir = opts['audit_logs_dir'];
  return {
    dir: path(typeof dir === 'string' && dir !== '' ? dir : '../logs/audit'),
    filter: {
      includedKeyspaces: names(k('included_keyspaces'), opts['included_keyspaces'], []),
      excludedKeyspaces: names(k('excluded_keyspaces'), opts['excluded_keyspaces'], ['system', 'system_schema', 'system_virtual_schema']),
      includedCategories: names(k('included_categories'), opts['included_categories'], []),
      excludedCategories: names(k('excluded_categories'), opts['excluded_categories'], []),
      includedUsers: names(k('included_users'), opts['included_users'], []),
      excludedUsers: names(k('excluded_users'), opts['excluded_users'], []),
    },
  };
}

export type AuthenticatorName = 'AllowAllAuthenticator' | 'PasswordAuthenticator';
export type AuthorizerName = 'AllowAllAuthorizer' | 'CassandraAuthorizer';

export interface AccessConfig extends NetworkAuthConfig {
  /** native_transport_max_concurrent_connections; -1 = unlimited (Cassandra's default). */
  nativeTransportMaxConcurrentConnections: number;
  nativeTransportMaxConcurrentConnectionsPerIp: number;
  /** native_transport_idle_timeout; 0 = disabled (Cassandra's default). */
  nativeTransportIdleTimeoutMs: number;
  /**
   * Sibyl's `native_transport_frame_read_timeout`: a partially received envelope must be complete within it (0 =
   * never). Cassandra has no such setting; without one a client that stops mid-frame holds its buffer forever.
   */
  nativeTransportFrameReadTimeoutMs: number;
  authenticator: AuthenticatorName;
  authorizer: AuthorizerName;
  roleManager: 'CassandraRoleManager';
  /** credentials_validity: how long a checked password is trusted before system_auth is read again. */
  credentialsValidityMs: number;
  rolesValidityMs: number;
  permissionsValidityMs: number;
  /** Sibyl's `admin_token_file`: the admin API refuses mutations without this token (admin-token.ts). */
  adminTokenFile?: string;
  /** audit_logging_options, when enabled: where `audit.log` goes and what it records. */
  auditLog?: { dir: string; filter: AuditFilter };
  /** client_encryption_options, when enabled (config-tls.ts). */
  clientTls?: ClientTlsConfig;
  /** As written in the yaml (writeConfigFiles), for tests and the launcher. */
  clientEncryptionOptions?: Record<string, unknown>;
  /** server_encryption_options with internode_encryption other than none (config-tls.ts). */
  internodeTls?: InternodeTlsConfig;
  /** As written in the yaml (writeConfigFiles), for tests and the launcher. */
  serverEncryptionOptions?: Record<string, unknown>;
}

export const ACCESS_DEFAULTS: AccessConfig = {
  nativeTransportMaxConcurrentConnections: -1, nativeTransportMaxConcurrentConnectionsPerIp: -1,
  nativeTransportIdleTimeoutMs: 0, nativeTransportFrameReadTimeoutMs: 30_000,
  authenticator: 'AllowAllAuthenticator', authorizer: 'AllowAllAuthorizer', roleManager: 'CassandraRoleManager',
  networkAuthorizer: 'AllowAllNetworkAuthorizer', credentialsValidityMs: 2000, rolesValidityMs: 2000, permissionsValidityMs: 2000,
};

const AUTH_PACKAGE = /^org\.apache\.cassandra\.auth\./;

/** `X`, `org.apache.cassandra.auth.X`, `{class_name: X}` or a one-entry list of that (checked by config-security). */
function authClass(r: YamlReader, key: string, def: string): string {
  const v = r.get(key);
  if (v === undefined) return def;
  const entry: unknown = Array.isArray(v) && v.length === 1 ? v[0] : v;
  const name: unknown = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)['class_name'] : entry;
  return String(name).trim().replace(AUTH_PACKAGE, '');
}

function connectionLimit(r: YamlReader, key: string): number {
  const n = r.int(key, -1, -1, Number.MAX_SAFE_INTEGER);
  if (n === 0) throw invalid(key, '-1 (unlimited) or a positive number of connections', 0);
  return n;
}

export function parseAccessConfig(r: YamlReader, path: (p: string) => string): AccessConfig {
  const tokenFile = r.optStr('admin_token_file');
  const auditLog = parseAudit(r, path);
  const clientTls = parseClientTls(r, path);
  const internodeTls = parseInternodeTls(r, path);
  const access = {
    ...readAccessConfig(r), ...(tokenFile !== undefined ? { adminTokenFile: path(tokenFile) } : {}), ...(auditLog ? { auditLog } : {}),
    ...(clientTls ? { clientTls } : {}), ...(internodeTls ? { internodeTls } : {}),
  };
  // Cassandra's AuthConfig refuses an authorizer that needs logins without an authenticator that provides them.
  if (access.authenticator === 'AllowAllAuthenticator' && access.authorizer !== 'AllowAllAuthorizer') {
    throw new ConfigLoadError(`Invalid yaml: AllowAllAuthenticator can't be used with ${access.authorizer}`, 'authorizer');
  }
  // Likewise the network and CIDR authorizers, which check the logged-in role (Cassandra's AuthConfig.applyAuth).
  if (access.authenticator === 'AllowAllAuthenticator' && access.networkAuthorizer !== 'AllowAllNetworkAuthorizer') {
    throw new ConfigLoadError(`Invalid yaml: ${access.networkAuthorizer} can't be used with AllowAllAuthenticator`, 'network_authorizer');
  }
  if (access.authenticator === 'AllowAllAuthenticator' && access.cidrAuthorizer !== undefined) {
    throw new ConfigLoadError("Invalid yaml: CassandraCIDRAuthorizer can't be used with AllowAllAuthenticator", 'cidr_authorizer');
  }
  return access;
}

function readAccessConfig(r: YamlReader): AccessConfig {
  return {
    nativeTransportMaxConcurrentConnections: connectionLimit(r, 'native_transport_max_concurrent_connections'),
    nativeTransportMaxConcurrentConnectionsPerIp: connectionLimit(r, 'native_transport_max_concurrent_connections_per_ip'),
    nativeTransportIdleTimeoutMs: r.durationMs('native_transport_idle_timeout_in_ms', 'native_transport_idle_timeout', 0),
    nativeTransportFrameReadTimeoutMs: r.durationMs('native_transport_frame_read_timeout_in_ms', 'native_transport_frame_read_timeout', 30_000),
    authenticator: authClass(r, 'authenticator', 'AllowAllAuthenticator') as AuthenticatorName,
    authorizer: authClass(r, 'authorizer', 'AllowAllAuthorizer') as AuthorizerName,
    roleManager: 'CassandraRoleManager',
    ...parseNetworkAuth(r),
    credentialsValidityMs: r.durationMs('credentials_validity_in_ms', 'credentials_validity', 2000),
    rolesValidityMs: r.durationMs('roles_validity_in_ms', 'roles_validity', 2000),
    permissionsValidityMs: r.durationMs('permissions_validity_in_ms', 'permissions_validity', 2000),
  };
}

/** The yaml of `c`: authenticator always (as before), the rest only where it differs from Cassandra's default. */
export function accessYaml(c: AccessConfig): Record<string, unknown> {
  const all: Record<string, [unknown, unknown]> = {
    native_transport_max_concurrent_connections: [c.nativeTransportMaxConcurrentConnections, ACCESS_DEFAULTS.nativeTransportMaxConcurrentConnections],
    native_transport_max_concurrent_connections_per_ip: [c.nativeTransportMaxConcurrentConnectionsPerIp, ACCESS_DEFAULTS.nativeTransportMaxConcurrentConnectionsPerIp],
    native_transport_idle_timeout: [`${c.nativeTransportIdleTimeoutMs}ms`, `${ACCESS_DEFAULTS.nativeTransportIdleTimeoutMs}ms`],
    native_transport_frame_read_timeout: [`${c.nativeTransportFrameReadTimeoutMs}ms`, `${ACCESS_DEFAULTS.nativeTransportFrameReadTimeoutMs}ms`],
    authorizer: [c.authorizer, ACCESS_DEFAULTS.authorizer],
    credentials_validity: [`${c.credentialsValidityMs}ms`, `${ACCESS_DEFAULTS.credentialsValidityMs}ms`],
    roles_validity: [`${c.rolesValidityMs}ms`, `${ACCESS_DEFAULTS.rolesValidityMs}ms`],
    permissions_validity: [`${c.permissionsValidityMs}ms`, `${ACCESS_DEFAULTS.permissionsValidityMs}ms`],
  };
  const out: Record<string, unknown> = { authenticator: c.authenticator, ...networkAuthYaml(c) };
  if (c.adminTokenFile !== undefined) out['admin_token_file'] = c.adminTokenFile;
  if (c.clientEncryptionOptions !== undefined) out['client_encryption_options'] = c.clientEncryptionOptions;
  if (c.serverEncryptionOptions !== undefined) out['server_encryption_options'] = c.serverEncryptionOptions;
  if (c.auditLog !== undefined) {
    const f = c.auditLog.filter;
    out['audit_logging_options'] = {
      enabled: true, logger: [{ class_name: 'FileAuditLogger' }], audit_logs_dir: c.auditLog.dir,
      excluded_keyspaces: f.excludedKeyspaces.join(','),
      ...(f.includedKeyspaces.length ? { included_keyspaces: f.includedKeyspaces.join(',') } : {}),
      ...(f.includedCategories.length ? { included_categories: f.includedCategories.join(',') } : {}),
      ...(f.excludedCategories.length ? { excluded_categories: f.excludedCategories.join(',') } : {}),
      ...(f.includedUsers.length ? { included_users: f.includedUsers.join(',') } : {}),
      ...(f.excludedUsers.length ? { excluded_users: f.excludedUsers.join(',') } : {}),
    };
  }
  for (const [key, [value, def]] of Object.entries(all)) if (value !== def) out[key] = value;
  return out;
}
