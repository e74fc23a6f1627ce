// network_authorizer and cidr_authorizer of cassandra.yaml (5.0's names): which class (config-security.ts refuses
// any other), and CassandraCIDRAuthorizer's parameters with Cassandra's defaults (DatabaseDescriptor's
// getCidrChecksForSuperusers, getCidrAuthorizerMode, getCidrGroupsCacheRefreshInterval in minutes, getIpCacheMaxSize).
import { ConfigLoadError, invalid } from './config-yaml.ts';
import type { YamlReader } from './config-yaml.ts';
import { CIDR_DEFAULTS, type CidrAuthorizerSettings } from '../auth/network-access.ts';

export interface NetworkAuthConfig {
  networkAuthorizer: 'AllowAllNetworkAuthorizer' | 'CassandraNetworkAuthorizer';
  /** CassandraCIDRAuthorizer's settings; absent: AllowAllCIDRAuthorizer. */
  cidrAuthorizer?: CidrAuthorizerSettings;
}

const AUTH_PACKAGE = /^org\.apache\.cassandra\.auth\./;

function entryOf(v: unknown): unknown {
  return Array.isArray(v) && v.length === 1 ? v[0] : v;
}

function classOf(v: unknown, def: string): string {
  const entry = entryOf(v);
  if (entry === undefined || entry === null) return def;
  const name: unknown = typeof entry === 'object' ? (entry as Record<string, unknown>)['class_name'] : entry;
  return String(name).trim().replace(AUTH_PACKAGE, '');
}

/** Cassandra reads the parameters as strings (a Map<String, String>), so `5` and `'5'` are the same. */
function param(params: Record<string, unknown>, key: string): string | undefined {
  const v = params[key];
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

function intParam(params: Record<string, unknown>, key: string, def: number): number {
  const s = param(params, key);
  if (s === undefined) return def;
  if (!/^\d+$/.test(s)) throw invalid(`cidr_authorizer.parameters.${key}`, 'a non-negative whole number', s);
  return Number(s);
}

function cidrSettings(v: unknown): CidrAuthorizerSettings {
  const entry = entryOf(v);
  const raw = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)['parameters'] : undefined;
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) throw invalid('cidr_authorizer.parameters', 'a mapping', raw);
  const params = (raw ?? {}) as Record<string, unknown>;
  const mode = (param(params, 'cidr_authorizer_mode') ?? CIDR_DEFAULTS.mode).toUpperCase();
  if (mode !== 'MONITOR' && mode !== 'ENFORCE') {
    throw new ConfigLoadError(`Invalid yaml: cidr_authorizer.parameters.cidr_authorizer_mode ${mode}: expected MONITOR or ENFORCE`, 'cidr_authorizer');
  }
  const supers = param(params, 'cidr_checks_for_superusers');
  return {
    mode,
    checksForSuperusers: supers !== undefined && supers.toLowerCase() === 'true',
    refreshIntervalMs: intParam(params, 'cidr_groups_cache_refresh_interval', CIDR_DEFAULTS.refreshIntervalMs / 60_000) * 60_000,
    ipCacheMaxSize: intParam(params, 'ip_cache_max_size', CIDR_DEFAULTS.ipCacheMaxSize),
  };
}

export function parseNetworkAuth(r: YamlReader): NetworkAuthConfig {
  const network = classOf(r.get('network_authorizer'), 'AllowAllNetworkAuthorizer');
  const cidrValue = r.get('cidr_authorizer');
  const cidr = classOf(cidrValue, 'AllowAllCIDRAuthorizer');
  return {
    networkAuthorizer: network === 'CassandraNetworkAuthorizer' ? 'CassandraNetworkAuthorizer' : 'AllowAllNetworkAuthorizer',
    ...(cidr === 'CassandraCIDRAuthorizer' ? { cidrAuthorizer: cidrSettings(cidrValue) } : {}),
  };
}

/** The yaml of the settings, only where they differ from Cassandra's defaults (writeConfigFiles). */
export function networkAuthYaml(c: Partial<NetworkAuthConfig>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c.networkAuthorizer === 'CassandraNetworkAuthorizer') out['network_authorizer'] = 'CassandraNetworkAuthorizer';
  const s = c.cidrAuthorizer;
  if (s !== undefined) {
    out['cidr_authorizer'] = {
      class_name: 'CassandraCIDRAuthorizer',
      parameters: {
        cidr_checks_for_superusers: s.checksForSuperusers, cidr_authorizer_mode: s.mode,
        cidr_groups_cache_refresh_interval: Math.round(s.refreshIntervalMs / 60_000), ip_cache_max_size: s.ipCacheMaxSize,
      },
    };
  }
  return out;
}
