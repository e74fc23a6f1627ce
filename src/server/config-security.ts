// Security settings fail closed. Sibyl implements PasswordAuthenticator, CassandraAuthorizer,
// CassandraNetworkAuthorizer, CassandraCIDRAuthorizer, client and internode TLS and the audit log; a cassandra.yaml
// that asks for what it does not implement (another authenticator class, endpoint verification, the legacy TLS
// storage port, encryption at rest, data masking, JMX security) must stop the node at start: warning "unknown key"
// and carrying on would silently give the operator less than they configured. Each setting at its disabled default
// (what a stock cassandra.yaml ships) still loads.
import { ConfigLoadError, invalid, show } from './config-yaml.ts';

interface Reader {
  get(key: string): unknown;
}

const AUTH_PACKAGE = /^org\.apache\.cassandra\.auth\./;

/** Pluggable classes: the one that performs no checks, and the implemented one that does (`also`). */
const CLASS_SETTINGS: ReadonlyArray<{ key: string; allowed: string; also?: string; consequence: string }> = [
  { key: 'authenticator', allowed: 'AllowAllAuthenticator', also: 'PasswordAuthenticator', consequence: 'clients would connect without credentials' },
  { key: 'authorizer', allowed: 'AllowAllAuthorizer', also: 'CassandraAuthorizer', consequence: 'every client would have every permission' },
  { key: 'role_manager', allowed: 'CassandraRoleManager', consequence: 'roles would not be managed' },
  { key: 'network_authorizer', allowed: 'AllowAllNetworkAuthorizer', also: 'CassandraNetworkAuthorizer', consequence: 'every client could reach every data centre' },
  { key: 'cidr_authorizer', allowed: 'AllowAllCIDRAuthorizer', also: 'CassandraCIDRAuthorizer', consequence: 'clients from every address would be accepted' },
  { key: 'internode_authenticator', allowed: 'AllowAllInternodeAuthenticator', consequence: 'every peer would be accepted' },
];

function unsupported(key: string, value: string, consequence: string, fix: string): ConfigLoadError {
  return new ConfigLoadError(`Invalid yaml: ${key} ${value} is not supported yet (${consequence}; ${fix})`, key);
}

/** `X`, `org.apache.cassandra.auth.X`, Cassandra 5.0's `{class_name: X, parameters: …}`, or a one-entry list of that. */
function className(key: string, v: unknown): string {
  const entry: unknown = Array.isArray(v) && v.length === 1 ? v[0] : v;
  const name: unknown = typeof entry === 'object' && entry !== null && !Array.isArray(entry)
    ? (entry as Record<string, unknown>)['class_name'] : entry;
  if (typeof name !== 'string' || name.trim() === '') throw invalid(key, 'a class name, or a mapping with class_name', v);
  return name.trim().replace(AUTH_PACKAGE, '');
}

function mapping(key: string, v: unknown): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(key, 'a mapping of options', v);
  return v as Record<string, unknown>;
}

/** A yaml boolean, also as the strings Java's Boolean.parseBoolean reads; absent is false. */
function flag(key: string, v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
  throw invalid(key, 'true or false', v);
}

function checkClassSettings(r: Reader): void {
  for (const { key, allowed, also, consequence } of CLASS_SETTINGS) {
    const v = r.get(key);
    if (v === undefined) continue;
    const name = className(key, v);
    if (name !== allowed && name !== also) throw unsupported(key, name, consequence, `use ${allowed}${also ? ` or ${also}` : ''}`);
  }
}

/**
 * Encryption options Sibyl does not implement: host name checks of certificates, the pre-4.0 switch and the legacy
 * TLS-only storage port. Client and internode TLS themselves are implemented (config-tls.ts).
 */
function checkEncryption(r: Reader): void {
  const plaintext = 'Sibyl does not open a second TLS-only storage port, so it would serve plaintext';
  const client = mapping('client_encryption_options', r.get('client_encryption_options'));
  if (flag('client_encryption_options.require_endpoint_verification', client?.['require_endpoint_verification'])) {
    throw unsupported('client_encryption_options.require_endpoint_verification', 'true', "client certificates' host names would not be checked", 'set it to false');
  }
  const server = mapping('server_encryption_options', r.get('server_encryption_options'));
  const internode = server?.['internode_encryption'];
  if (internode !== undefined && internode !== null) {
    if (typeof internode !== 'string' || !/^(none|dc|rack|all)$/i.test(internode.trim()))
      throw invalid('server_encryption_options.internode_encryption', 'none, dc, rack or all', internode);
  }
  // internode_encryption, keystore, truststore, optional and require_client_auth are implemented (config-tls.ts).
  // `enabled` is the pre-4.0 switch; the legacy port opens a second, TLS-only storage port.
  for (const opt of ['enabled', 'legacy_ssl_storage_port_enabled', 'enable_legacy_ssl_storage_port']) {
    const key = `server_encryption_options.${opt}`;
    if (flag(key, server?.[opt])) throw unsupported(key, 'true', `${plaintext} between nodes`, 'use internode_encryption');
  }
  if (flag('server_encryption_options.require_endpoint_verification', server?.['require_endpoint_verification'])) {
    throw unsupported('server_encryption_options.require_endpoint_verification', 'true', "peers' host names would not be checked (their certificates are, against the truststore)", 'set it to false');
  }
  const sslPort = r.get('native_transport_port_ssl');
  if (sslPort !== undefined) throw unsupported('native_transport_port_ssl', show(sslPort), 'a second, TLS-only native port is not implemented', 'use client_encryption_options on native_transport_port');
}

/** Auditing, encryption at rest, data masking and JMX security: each asked for, none implemented. */
function checkOtherFeatures(r: Reader): void {
  const enabled = (key: string, what: string): void => {
    const opts = mapping(key, r.get(key));
    if (flag(`${key}.enabled`, opts?.['enabled'])) throw unsupported(`${key}.enabled`, 'true', what, 'set it to false');
  };
  // audit_logging_options: implemented (config-access.ts parses it).
  enabled('transparent_data_encryption_options', 'data would be stored unencrypted');
  if (flag('dynamic_data_masking_enabled', r.get('dynamic_data_masking_enabled')))
    throw unsupported('dynamic_data_masking_enabled', 'true', 'masked columns would be shown in clear', 'set it to false');
  // Cassandra 5.1's JMX section: Sibyl's stand-in (the admin API) is plain HTTP without authentication.
  const jmx = mapping('jmx_server_options', r.get('jmx_server_options'));
  const jmxTls = mapping('jmx_server_options.jmx_encryption_options', jmx?.['jmx_encryption_options']);
  const jmxChecks: Array<[string, unknown]> = [
    ['jmx_server_options.remote', jmx?.['remote']],
    ['jmx_server_options.authenticate', jmx?.['authenticate']],
    ['jmx_server_options.jmx_encryption_options.enabled', jmxTls?.['enabled']],
  ];
  for (const [key, v] of jmxChecks) {
    if (flag(key, v)) throw unsupported(key, 'true', 'the admin API (port 7199) has no authentication or TLS', 'set it to false');
  }
}

/** Throws ConfigLoadError naming the first security setting Sibyl cannot honour. */
export function checkSecuritySettings(r: Reader): void {
  checkClassSettings(r);
  checkEncryption(r);
  checkOtherFeatures(r);
}
