// A node's configuration, read the way Cassandra reads it: cassandra.yaml plus cassandra-rackdc.properties beside it.
// Operators copy their existing files, so unknown keys only warn; values we cannot honour fail loudly, naming the key.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import YAML from 'yaml';
import { ConfigLoadError, YamlReader, invalid } from './config-yaml.ts';
import { checkSecuritySettings } from './config-security.ts';
import { ACCESS_DEFAULTS, accessYaml, parseAccessConfig, type AccessConfig } from './config-access.ts';
import { ec2Location, readRackdc, type Ec2NamingScheme } from './config-rackdc.ts';
import { IGNORED_STORAGE_KEYS, STORAGE_DEFAULTS, parseStorageConfig, storageYaml, type StorageConfig } from './config-storage.ts';

export { ConfigLoadError };
export { ec2Location, parseProperties } from './config-rackdc.ts';
export type { CommitlogSyncMode } from './config-storage.ts';

export type SnitchName = 'SimpleSnitch' | 'GossipingPropertyFileSnitch' | 'Ec2Snitch';
export type { Ec2NamingScheme } from './config-rackdc.ts';
/** Cassandra's disk_failure_policy; best_effort and stop_paranoid behave as stop (Sibyl has one data directory). */
export type DiskFailurePolicy = 'die' | 'stop_paranoid' | 'stop' | 'best_effort' | 'ignore';
/** Cassandra's commit_failure_policy; stop_commit behaves as stop. */
export type CommitFailurePolicy = 'die' | 'stop' | 'stop_commit' | 'ignore';
const DISK_FAILURE_POLICIES: readonly DiskFailurePolicy[] = ['die', 'stop_paranoid', 'stop', 'best_effort', 'ignore'];
const COMMIT_FAILURE_POLICIES: readonly CommitFailurePolicy[] = ['die', 'stop', 'stop_commit', 'ignore'];

export interface NodeConfig extends StorageConfig, AccessConfig {
  /** Absolute path of the cassandra.yaml this came from ('' when built by defaultConfig). */
  configPath: string;
  clusterName: string;
  numTokens: number;
  /** From initial_token (comma-separated Murmur3 tokens); empty when tokens are to be allocated. */
  initialTokens: bigint[];
  listenAddress: string;
  rpcAddress: string;
  broadcastAddress: string;
  broadcastRpcAddress: string;
  nativeTransportPort: number;
  storagePort: number;
  /** Our own key `admin_port`: the HTTP admin API that stands in for JMX on 7199. */
  adminPort: number;
  /** From seed_provider's SimpleSeedProvider `seeds` parameter; entries are `host` or `host:port`. */
  seeds: string[];
  endpointSnitch: SnitchName;
  dataCenter: string;
  rack: string;
  /** Appended to the data centre name (rackdc `dc_suffix`); already included in dataCenter. */
  dcSuffix: string;
  /** rackdc `prefer_local`: accepted for completeness, meaningful once there is inter-node messaging. */
  preferLocal: boolean;
  ec2Region?: string;
  ec2AvailabilityZone?: string;
  ec2NamingScheme?: Ec2NamingScheme;
  /** First entry of dataFileDirectories: the only one used. */
  dataDir: string;
  dataFileDirectories: string[];
  hintsDirectory: string;
  nativeTransportMaxFrameSizeMb: number;
  maxHintWindowMs: number;
  /** hinted_handoff_throttle: hint replay bandwidth per target, KiB/s (0 = unthrottled). */
  hintedHandoffThrottleKib: number;
  /** max_hints_file_size: the most hints kept for one target, MiB. */
  maxHintsFileSizeMb: number;
  /** Failure detector sensitivity (Cassandra's phi_convict_threshold, 5..16; lower convicts sooner). */
  phiConvictThreshold: number;
  readRequestTimeoutMs: number;
  writeRequestTimeoutMs: number;
  requestTimeoutMs: number;
  /** cas_contention_timeout: how long a lightweight transaction retries under Paxos contention. */
  casContentionTimeoutMs: number;
  /** counter_write_request_timeout: how long a counter write waits for its leader replica. */
  counterWriteRequestTimeoutMs: number;
  /** batchlog_replay_throttle: KiB/s of batchlog replay for the whole cluster (0 = unthrottled). */
  batchlogReplayThrottleKib: number;
  /** stream_throughput_outbound: bytes per second this node sends in streams (repair, bootstrap); 0 = unthrottled. */
  streamThroughputOutboundBytesPerSec: number;
  /**
   * auto_bootstrap: a new node (no tokens yet, no initial_token, not a seed) streams its ranges before it serves.
   * Cassandra's default (true) when the key is absent from cassandra.yaml; configs Sibyl writes for its launcher and
   * tests set it false unless asked, since their nodes start together as a new cluster.
   */
  autoBootstrap: boolean;
  /**
   * replace_address_first_boot (Cassandra's -Dcassandra.replace_address_first_boot system property; here also a
   * cassandra.yaml key, or SIBYL_REPLACE_ADDRESS_FIRST_BOOT): on its first start, this node takes the tokens of the
   * dead node at that address and streams its data from the other replicas before it serves. Ignored once the node
   * has tokens of its own.
   */
  replaceAddressFirstBoot?: string;
  /** batch_size_fail_threshold: a multi-partition batch larger than this (KiB) is refused ("Batch too large"). */
  batchSizeFailThresholdKib: number;
  /** batch_size_warn_threshold: a multi-partition batch larger than this (KiB) earns a client warning. */
  batchSizeWarnThresholdKib: number;
  /** unlogged_batch_across_partitions_warn_threshold: an unlogged batch over more partitions earns a client warning. */
  unloggedBatchWarnPartitions: number;
  /** tombstone_warn_threshold / tombstone_failure_threshold: tombstones one read may scan before a warning / failure. */
  tombstoneWarnThreshold: number;
  tombstoneFailureThreshold: number;
  /** user_defined_functions_enabled (enable_user_defined_functions before 4.1): CREATE FUNCTION is refused otherwise. */
  userDefinedFunctionsEnabled: boolean;
  /** materialized_views_enabled (4.x: enable_materialized_views); false by default, as in Cassandra 5.0. */
  materializedViewsEnabled: boolean;
  /** auto_snapshot: snapshot a table before TRUNCATE or DROP TABLE removes its data (true by default, as in Cassandra). */
  autoSnapshot: boolean;
  /** What a storage failure (an LMDB commit or sync error: a full or failing disk) does to the node. */
  diskFailurePolicy: DiskFailurePolicy;
  commitFailurePolicy: CommitFailurePolicy;
  warnings: string[];
}

const LOCATOR = 'org.apache.cassandra.locator.';
const SNITCHES: readonly SnitchName[] = ['SimpleSnitch', 'GossipingPropertyFileSnitch', 'Ec2Snitch'];
const DEFAULT_DC: Record<SnitchName, string> = { SimpleSnitch: 'datacenter1', GossipingPropertyFileSnitch: 'dc1', Ec2Snitch: 'dc1' };
const DEFAULT_RACK = 'rack1';
/** Keys Cassandra uses that have no meaning for Sibyl's storage; silently accepted so stock yaml files load cleanly. */
const IGNORED_KEYS = new Set(['saved_caches_directory', 'cdc_raw_directory', 'partitioner', ...IGNORED_STORAGE_KEYS]);

function isHostname(s: string): boolean {
  return s.length <= 253 && /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/.test(s);
}

/** `localhost` becomes 127.0.0.1 because the address ends up in system.local/peers, which hold inets, not names. */
function checkAddress(key: string, v: unknown): string {
  if (typeof v !== 'string' || (isIP(v) === 0 && !isHostname(v))) throw invalid(key, 'an IP address or host name', v);
  return v === 'localhost' ? '127.0.0.1' : v;
}

/** A yaml boolean (true/false, or their strings); absent is false. */
function yamlBool(v: unknown, key: string): boolean {
  if (v === undefined || v === false || v === 'false') return false;
  if (v === true || v === 'true') return true;
  throw new ConfigLoadError(`Invalid yaml: ${key} must be true or false (got ${String(v)})`, key);
}

function isWildcard(a: string): boolean {
  return a === '0.0.0.0' || a === '::' || a === '0:0:0:0:0:0:0:0';
}

/** What Cassandra does for a blank address (InetAddress.getLocalHost), without a synchronous DNS lookup. */
function hostAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const ni of list ?? []) if (ni.family === 'IPv4' && !ni.internal) return ni.address;
  }
  return '127.0.0.1';
}

function phiThreshold(v: unknown): number {
  if (v === undefined) return 8;
  const n = typeof v === 'number' || typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < 5 || n > 16) throw invalid('phi_convict_threshold', 'a number between 5 and 16', v);
  return n;
}

/** java.util.Properties syntax: `k=v`, `k = v`, `k: v`, `k v`, `#`/`!` comments, backslash continuations and escapes. */
function parseSnitch(v: string): SnitchName {
  const short = v.startsWith(LOCATOR) ? v.slice(LOCATOR.length) : v;
  const found = SNITCHES.find((s) => s === short);
  if (!found) throw invalid('endpoint_snitch', `one of ${SNITCHES.join(', ')} (optionally prefixed with ${LOCATOR})`, v);
  return found;
}

function replaceAddressOf(v: string | undefined): { replaceAddressFirstBoot?: string } {
  const address = v ?? process.env['SIBYL_REPLACE_ADDRESS_FIRST_BOOT'];
  if (address === undefined || address.trim() === '') return {};
  if (!isIP(address.trim())) throw invalid('replace_address_first_boot', 'an IP address', address);
  return { replaceAddressFirstBoot: address.trim() };
}

function autoBootstrapOf(v: unknown): boolean {
  if (v === undefined) return true;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw invalid('auto_bootstrap', 'true or false', v);
}

function parseSeeds(r: YamlReader, warnings: string[]): string[] | undefined {
  const v = r.get('seed_provider');
  if (v === undefined) return undefined;
  const entry: unknown = Array.isArray(v) ? v[0] : v;
  if (typeof entry !== 'object' || entry === null) throw invalid('seed_provider', 'a list with one {class_name, parameters} entry', v);
  const { class_name: cls, parameters } = entry as Record<string, unknown>;
  if (cls !== undefined && cls !== 'SimpleSeedProvider' && cls !== `${LOCATOR}SimpleSeedProvider`)
    throw invalid('seed_provider.class_name', `${LOCATOR}SimpleSeedProvider`, cls);
  const params: unknown = Array.isArray(parameters) ? Object.assign({}, ...parameters) : parameters;
  const p = (typeof params === 'object' && params !== null ? params : {}) as Record<string, unknown>;
  let seeds = p['seeds'];
  if (seeds === undefined && p['Seeds'] !== undefined) {
    warnings.push('seed_provider: parameter "Seeds" read as "seeds" (Cassandra only recognises lower case)');
    seeds = p['Seeds'];
  }
  if (typeof seeds !== 'string') throw invalid('seed_provider.parameters.seeds', 'a comma-separated string of addresses', seeds);
  const list = seeds.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0) throw invalid('seed_provider.parameters.seeds', 'at least one address', seeds);
  for (const s of list) {
    const m = /^\[(.+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s) ?? [s, s, undefined];
    checkAddress('seed_provider.parameters.seeds', m[1]);
    if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535)) throw invalid('seed_provider.parameters.seeds', 'addresses with valid ports', s);
  }
  return list;
}

function parseInitialTokens(r: YamlReader): bigint[] {
  const v = r.get('initial_token');
  if (v === undefined) return [];
  const parts = typeof v === 'bigint' ? [String(v)] : typeof v === 'string' ? v.split(',').map((s) => s.trim()) : [];
  const tokens = parts.map((s) => (/^-?\d+$/.test(s) ? BigInt(s) : undefined));
  if (parts.length === 0 || tokens.some((t) => t === undefined || t < -(2n ** 63n) || t >= 2n ** 63n))
    throw invalid('initial_token', 'a comma-separated list of Murmur3 tokens (64-bit signed integers)', v);
  return tokens as bigint[];
}

function parseFailurePolicies(r: YamlReader): Pick<NodeConfig, 'diskFailurePolicy' | 'commitFailurePolicy'> {
  const pick = <T extends string>(key: string, allowed: readonly T[], def: T): T => {
    const v = r.str(key, def);
    const found = allowed.find((p) => p === v);
    if (!found) throw invalid(key, allowed.join(', '), v);
    return found;
  };
  return {
    diskFailurePolicy: pick('disk_failure_policy', DISK_FAILURE_POLICIES, 'stop'),
    commitFailurePolicy: pick('commit_failure_policy', COMMIT_FAILURE_POLICIES, 'stop'),
  };
}

/** Loads and validates a cassandra.yaml (and the cassandra-rackdc.properties beside it). */
export function loadConfig(yamlPath: string): NodeConfig {
  const configPath = resolve(yamlPath);
  const dir = dirname(configPath);
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (e) {
    throw new ConfigLoadError(`Cannot read ${configPath}: ${(e as Error).message}`, undefined, configPath);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text, { intAsBigInt: true });
  } catch (e) {
    throw new ConfigLoadError(`Invalid yaml: cannot parse ${configPath}: ${(e as Error).message}`, undefined, configPath);
  }
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigLoadError(`Invalid yaml: ${configPath} must be a mapping of keys to values`);
  try {
    const cfg = fromYaml(new YamlReader(doc as Record<string, unknown>), dir);
    cfg.configPath = configPath;
    return cfg;
  } catch (e) {
    if (e instanceof ConfigLoadError && e.file === undefined) throw new ConfigLoadError(e.message, e.key, configPath);
    throw e;
  }
}

function fromYaml(r: YamlReader, dir: string): NodeConfig {
  const warnings: string[] = [];
  const path = (p: string): string => resolve(dir, p);

  const blank = (key: string): boolean => r.has(key) && r.get(key) === undefined;
  let listenAddress = checkAddress('listen_address', r.get('listen_address') ?? 'localhost');
  if (blank('listen_address')) {
    listenAddress = hostAddress();
    warnings.push(`listen_address is blank: using this host's address ${listenAddress}`);
  }
  if (isWildcard(listenAddress)) throw invalid('listen_address', 'a concrete address, not a wildcard', listenAddress);
  const rpcAddress = r.get('rpc_address') === undefined ? listenAddress : checkAddress('rpc_address', r.get('rpc_address'));
  const broadcastAddress = r.get('broadcast_address') === undefined ? listenAddress : checkAddress('broadcast_address', r.get('broadcast_address'));
  const bra = r.get('broadcast_rpc_address');
  if (isWildcard(rpcAddress) && bra === undefined)
    throw new ConfigLoadError('Invalid yaml: broadcast_rpc_address must be set when rpc_address is a wildcard (0.0.0.0)', 'broadcast_rpc_address');
  const broadcastRpcAddress = bra === undefined ? rpcAddress : checkAddress('broadcast_rpc_address', bra);

  const nativeTransportPort = r.port('native_transport_port', 9042);
  const storagePort = r.port('storage_port', 7000);
  const adminPort = r.port('admin_port', 7199);
  if (nativeTransportPort === storagePort || nativeTransportPort === adminPort || storagePort === adminPort)
    throw new ConfigLoadError(`Invalid yaml: native_transport_port (${nativeTransportPort}), storage_port (${storagePort}) and admin_port (${adminPort}) must differ`, 'native_transport_port');

  const numTokens = r.int('num_tokens', 16, 1, 16384);
  const initialTokens = parseInitialTokens(r);
  if (initialTokens.length > 0 && initialTokens.length !== numTokens)
    throw new ConfigLoadError(`Invalid yaml: initial_token lists ${initialTokens.length} tokens but num_tokens is ${numTokens}`, 'initial_token');

  const dirs = r.get('data_file_directories');
  if (dirs !== undefined && (!Array.isArray(dirs) || dirs.length === 0 || dirs.some((d) => typeof d !== 'string' || d === '')))
    throw invalid('data_file_directories', 'a list of directories', dirs);
  const dataFileDirectories = ((dirs as string[] | undefined) ?? ['../data']).map(path);
  if (dataFileDirectories.length > 1) warnings.push(`data_file_directories: only the first directory (${dataFileDirectories[0]}) is used`);
  for (const k of ['saved_caches_directory', 'cdc_raw_directory']) r.optStr(k);
  const partitioner = r.optStr('partitioner');
  if (partitioner !== undefined && !/^(org\.apache\.cassandra\.dht\.)?Murmur3Partitioner$/.test(partitioner))
    throw invalid('partitioner', 'org.apache.cassandra.dht.Murmur3Partitioner (the only partitioner Sibyl implements)', partitioner);

  const storage = parseStorageConfig(r, path, dataFileDirectories[0]!);

  checkSecuritySettings(r);
  const access = parseAccessConfig(r, path);
  const failurePolicies = parseFailurePolicies(r);

  const endpointSnitch = parseSnitch(r.str('endpoint_snitch', 'SimpleSnitch'));
  const rackdcPath = join(dir, 'cassandra-rackdc.properties');
  const props = endpointSnitch === 'SimpleSnitch' ? undefined : readRackdc(rackdcPath, warnings);
  const prop = (k: string): string | undefined => (props?.get(k) || undefined);
  const dcSuffix = prop('dc_suffix') ?? '';
  const preferLocal = prop('prefer_local') === 'true';
  let dataCenter = DEFAULT_DC[endpointSnitch];
  let rack = DEFAULT_RACK;
  const loc: Pick<NodeConfig, 'ec2Region' | 'ec2AvailabilityZone' | 'ec2NamingScheme'> = {};
  if (endpointSnitch === 'GossipingPropertyFileSnitch') {
    if (!props) warnings.push(`${rackdcPath} not found: GossipingPropertyFileSnitch uses dc=dc1, rack=rack1`);
    else if (!prop('dc') || !prop('rack')) warnings.push(`${rackdcPath}: dc or rack missing; defaulting to dc1/rack1`);
    dataCenter = (prop('dc') ?? 'dc1') + dcSuffix;
    rack = prop('rack') ?? DEFAULT_RACK;
  } else if (endpointSnitch === 'Ec2Snitch') {
    // Without the EC2 metadata service the zone comes from configuration: rackdc first, then the yaml.
    const az = prop('ec2_availability_zone') ?? r.optStr('ec2_availability_zone');
    const region = prop('ec2_region') ?? r.optStr('ec2_region');
    const scheme = prop('ec2_naming_scheme') ?? 'legacy';
    if (scheme !== 'legacy' && scheme !== 'standard') throw invalid('ec2_naming_scheme', 'legacy or standard', scheme);
    if (!az || !/^[a-z]+(-[a-z]+)+-\d+[a-z]+$/.test(az))
      throw invalid('ec2_availability_zone', `an EC2 availability zone such as us-east-1a (Ec2Snitch reads it from ${rackdcPath} or cassandra.yaml)`, az ?? null);
    if (region !== undefined && !az.startsWith(region)) throw invalid('ec2_region', `the region of availability zone ${az}`, region);
    const l = ec2Location(az, scheme, region);
    dataCenter = l.dataCenter + dcSuffix;
    rack = l.rack;
    Object.assign(loc, { ec2AvailabilityZone: az, ec2NamingScheme: scheme, ...(region ? { ec2Region: region } : {}) });
  }
  if (endpointSnitch !== 'Ec2Snitch') for (const k of ['ec2_region', 'ec2_availability_zone']) r.get(k);

  const cfg: NodeConfig = {
    configPath: '',
    clusterName: r.str('cluster_name', 'Test Cluster'),
    numTokens,
    initialTokens,
    listenAddress,
    rpcAddress,
    broadcastAddress,
    broadcastRpcAddress,
    nativeTransportPort,
    storagePort,
    adminPort,
    seeds: parseSeeds(r, warnings) ?? [broadcastAddress],
    endpointSnitch,
    dataCenter,
    rack,
    dcSuffix,
    preferLocal,
    ...loc,
    dataDir: dataFileDirectories[0]!,
    dataFileDirectories,
    hintsDirectory: path(r.optStr('hints_directory') ?? '../hints'),
    ...storage,
    nativeTransportMaxFrameSizeMb: r.sizeMb('native_transport_max_frame_size_in_mb', 'native_transport_max_frame_size', 16, 2047),
    maxHintWindowMs: r.durationMs('max_hint_window_in_ms', 'max_hint_window', 10_800_000),
    hintedHandoffThrottleKib: r.sizeKib('hinted_handoff_throttle_in_kb', 'hinted_handoff_throttle', 1024),
    maxHintsFileSizeMb: r.sizeMb('max_hints_file_size_in_mb', 'max_hints_file_size', 128, 1 << 20),
    phiConvictThreshold: phiThreshold(r.get('phi_convict_threshold')),
    readRequestTimeoutMs: r.durationMs('read_request_timeout_in_ms', 'read_request_timeout', 5000),
    writeRequestTimeoutMs: r.durationMs('write_request_timeout_in_ms', 'write_request_timeout', 2000),
    requestTimeoutMs: r.durationMs('request_timeout_in_ms', 'request_timeout', 10_000),
    casContentionTimeoutMs: r.durationMs('cas_contention_timeout_in_ms', 'cas_contention_timeout', 1000),
    counterWriteRequestTimeoutMs: r.durationMs('counter_write_request_timeout_in_ms', 'counter_write_request_timeout', 5000),
    batchlogReplayThrottleKib: r.sizeKib('batchlog_replay_throttle_in_kb', 'batchlog_replay_throttle', 1024),
    autoBootstrap: autoBootstrapOf(r.get('auto_bootstrap')),
    ...replaceAddressOf(r.optStr('replace_address_first_boot')),
    streamThroughputOutboundBytesPerSec: r.dataRateBytesPerSec('stream_throughput_outbound_megabits_per_sec', 'stream_throughput_outbound', 24 * 1024 * 1024),
    batchSizeFailThresholdKib: r.sizeKib('batch_size_fail_threshold_in_kb', 'batch_size_fail_threshold', 50),
    batchSizeWarnThresholdKib: r.sizeKib('batch_size_warn_threshold_in_kb', 'batch_size_warn_threshold', 5),
    unloggedBatchWarnPartitions: r.int('unlogged_batch_across_partitions_warn_threshold', 10, 0, 2 ** 31 - 1),
    tombstoneWarnThreshold: r.int('tombstone_warn_threshold', 1000, -1, 2 ** 31 - 1),
    tombstoneFailureThreshold: r.int('tombstone_failure_threshold', 100_000, -1, 2 ** 31 - 1),
    userDefinedFunctionsEnabled: yamlBool(r.get('user_defined_functions_enabled') ?? r.get('enable_user_defined_functions'), 'user_defined_functions_enabled'),
    materializedViewsEnabled: yamlBool(r.get('materialized_views_enabled') ?? r.get('enable_materialized_views'), 'materialized_views_enabled'),
    autoSnapshot: r.get('auto_snapshot') === undefined ? true : yamlBool(r.get('auto_snapshot'), 'auto_snapshot'),
    ...access,
    ...failurePolicies,
    warnings,
  };
  for (const k of Object.keys(r.raw)) if (!r.used.has(k) && !IGNORED_KEYS.has(k)) warnings.push(`unknown key "${k}" ignored`);
  return cfg;
}

/** A complete configuration for one local node; fields derived from others (rpc/broadcast addresses, seeds, dc) follow them. */
export function defaultConfig(overrides: Partial<NodeConfig> = {}): NodeConfig {
  const listenAddress = overrides.listenAddress ?? '127.0.0.1';
  const rpcAddress = overrides.rpcAddress ?? listenAddress;
  const dataDir = overrides.dataDir ?? overrides.dataFileDirectories?.[0] ?? resolve('data', 'node1', 'data');
  const endpointSnitch =
    overrides.endpointSnitch ?? (overrides.dataCenter !== undefined || overrides.rack !== undefined ? 'GossipingPropertyFileSnitch' : 'SimpleSnitch');
  const scheme = overrides.ec2NamingScheme ?? 'legacy';
  const ec2 =
    endpointSnitch === 'Ec2Snitch' && overrides.ec2AvailabilityZone
      ? ec2Location(overrides.ec2AvailabilityZone, scheme, overrides.ec2Region)
      : undefined;
  const broadcastAddress = overrides.broadcastAddress ?? listenAddress;
  return {
    configPath: '',
    clusterName: 'Test Cluster',
    numTokens: 16,
    initialTokens: [],
    nativeTransportPort: 9042, storagePort: 7000, adminPort: 7199,
    dcSuffix: '', preferLocal: false,
    ...STORAGE_DEFAULTS,
    nativeTransportMaxFrameSizeMb: 16, maxHintWindowMs: 10_800_000, phiConvictThreshold: 8,
    hintedHandoffThrottleKib: 1024, maxHintsFileSizeMb: 128,
    readRequestTimeoutMs: 5000, writeRequestTimeoutMs: 2000, requestTimeoutMs: 10_000, casContentionTimeoutMs: 1000,
    counterWriteRequestTimeoutMs: 5000, batchlogReplayThrottleKib: 1024, streamThroughputOutboundBytesPerSec: 24 * 1024 * 1024, autoBootstrap: false, batchSizeFailThresholdKib: 50, batchSizeWarnThresholdKib: 5,
    materializedViewsEnabled: false, unloggedBatchWarnPartitions: 10, tombstoneWarnThreshold: 1000, tombstoneFailureThreshold: 100_000, userDefinedFunctionsEnabled: false, autoSnapshot: true,
    ...ACCESS_DEFAULTS,
    diskFailurePolicy: 'stop', commitFailurePolicy: 'stop',
    warnings: [],
    ...overrides,
    listenAddress,
    rpcAddress,
    broadcastAddress,
    broadcastRpcAddress: overrides.broadcastRpcAddress ?? rpcAddress,
    seeds: overrides.seeds ?? [broadcastAddress],
    endpointSnitch,
    dataCenter: overrides.dataCenter ?? (ec2 ? ec2.dataCenter + (overrides.dcSuffix ?? '') : DEFAULT_DC[endpointSnitch]),
    rack: overrides.rack ?? ec2?.rack ?? DEFAULT_RACK,
    ...(endpointSnitch === 'Ec2Snitch' && overrides.ec2AvailabilityZone ? { ec2NamingScheme: scheme } : {}),
    dataDir,
    dataFileDirectories: overrides.dataFileDirectories ?? [dataDir],
    hintsDirectory: overrides.hintsDirectory ?? join(dirname(dataDir), 'hints'),
    commitlogDirectory: overrides.commitlogDirectory ?? join(dirname(dataDir), 'commitlog'),
  };
}

/**
 * Writes cassandra.yaml and cassandra-rackdc.properties into `dir` (created if needed) so that loadConfig(returned path)
 * yields defaultConfig(cfg). Unset data/hints directories go beside `dir`: `<dir>/../data`, `<dir>/../hints`.
 */
export function writeConfigFiles(dir: string, cfg: Partial<NodeConfig> = {}): string {
  const abs = resolve(dir);
  const dataDir = cfg.dataDir ?? cfg.dataFileDirectories?.[0] ?? join(abs, '..', 'data');
  const c = defaultConfig({ hintsDirectory: join(abs, '..', 'hints'), commitlogDirectory: join(dirname(dataDir), 'commitlog'), ...cfg, dataDir });
  const yaml: Record<string, unknown> = {
    cluster_name: c.clusterName,
    num_tokens: c.numTokens,
    ...(c.initialTokens.length > 0 ? { initial_token: c.initialTokens.join(',') } : {}),
    listen_address: c.listenAddress,
    rpc_address: c.rpcAddress,
    broadcast_address: c.broadcastAddress,
    broadcast_rpc_address: c.broadcastRpcAddress,
    native_transport_port: c.nativeTransportPort,
    storage_port: c.storagePort,
    admin_port: c.adminPort,
    seed_provider: [{ class_name: `${LOCATOR}SimpleSeedProvider`, parameters: [{ seeds: c.seeds.join(',') }] }],
    endpoint_snitch: c.endpointSnitch,
    data_file_directories: c.dataFileDirectories,
    hints_directory: c.hintsDirectory,
    ...storageYaml(c),
    native_transport_max_frame_size_in_mb: c.nativeTransportMaxFrameSizeMb,
    max_hint_window_in_ms: c.maxHintWindowMs,
    hinted_handoff_throttle_in_kb: c.hintedHandoffThrottleKib,
    max_hints_file_size_in_mb: c.maxHintsFileSizeMb,
    phi_convict_threshold: c.phiConvictThreshold,
    read_request_timeout_in_ms: c.readRequestTimeoutMs,
    write_request_timeout_in_ms: c.writeRequestTimeoutMs,
    request_timeout_in_ms: c.requestTimeoutMs,
    cas_contention_timeout_in_ms: c.casContentionTimeoutMs,
    counter_write_request_timeout_in_ms: c.counterWriteRequestTimeoutMs,
    batchlog_replay_throttle_in_kb: c.batchlogReplayThrottleKib,
    stream_throughput_outbound: `${c.streamThroughputOutboundBytesPerSec}B/s`,
    auto_bootstrap: c.autoBootstrap,
    ...(c.replaceAddressFirstBoot !== undefined ? { replace_address_first_boot: c.replaceAddressFirstBoot } : {}),
    batch_size_fail_threshold_in_kb: c.batchSizeFailThresholdKib,
    batch_size_warn_threshold_in_kb: c.batchSizeWarnThresholdKib,
    unlogged_batch_across_partitions_warn_threshold: c.unloggedBatchWarnPartitions,
    tombstone_warn_threshold: c.tombstoneWarnThreshold,
    tombstone_failure_threshold: c.tombstoneFailureThreshold,
    user_defined_functions_enabled: c.userDefinedFunctionsEnabled,
    materialized_views_enabled: c.materializedViewsEnabled,
    auto_snapshot: c.autoSnapshot,
    ...accessYaml(c),
    disk_failure_policy: c.diskFailurePolicy,
    commit_failure_policy: c.commitFailurePolicy,
  };
  const rackdc = c.endpointSnitch !== 'Ec2Snitch' ? [`dc=${c.dataCenter}`, `rack=${c.rack}`]
    : [`ec2_availability_zone=${c.ec2AvailabilityZone ?? ''}`, `ec2_naming_scheme=${c.ec2NamingScheme ?? 'legacy'}`];
  if (c.endpointSnitch === 'Ec2Snitch' && c.ec2Region) rackdc.push(`ec2_region=${c.ec2Region}`);
  if (c.endpointSnitch === 'Ec2Snitch' && c.dcSuffix) rackdc.push(`dc_suffix=${c.dcSuffix}`);
  if (c.preferLocal) rackdc.push('prefer_local=true');
  mkdirSync(abs, { recursive: true });
  const yamlPath = join(abs, 'cassandra.yaml');
  writeFileSync(yamlPath, `# Written by Sibyl's writeConfigFiles\n${YAML.stringify(yaml)}`);
  writeFileSync(join(abs, 'cassandra-rackdc.properties'), `# Written by Sibyl's writeConfigFiles\n${rackdc.join('\n')}\n`);
  return yamlPath;
}
