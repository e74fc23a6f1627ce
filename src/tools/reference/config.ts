// The reference node's configuration, written by us rather than copied: a minimal cassandra.yaml with Cassandra 5.0's
// key names, a logback.xml, and the JVM options Cassandra 5.0 ships for Java 17 (conf/jvm-server.options and
// conf/jvm17-server.options), minus what only slows a small test node down.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { LIB_DIR } from './paths.ts';

export interface ReferenceNodeSpec {
  /** 0-based position in the cluster; node 0 is the seed. */
  index: number;
  address: string;
  seed: string;
  nativePort: number;
  storagePort: number;
  /** JMX listens on 127.0.0.1 only (cassandra.jmx.local.port), so each node needs its own port. */
  jmxPort: number;
  dir: string;
  heapMb: number;
}

export const CLUSTER_NAME = 'sibyl-reference';
export const DATACENTER = 'datacenter1';

export function cassandraYaml(n: ReferenceNodeSpec): Record<string, unknown> {
  const d = (sub: string): string => join(n.dir, 'data', sub);
  return {
    cluster_name: CLUSTER_NAME,
    num_tokens: 16,
    allocate_tokens_for_local_replication_factor: 3,
    partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner',
    seed_provider: [{ class_name: 'org.apache.cassandra.locator.SimpleSeedProvider', parameters: [{ seeds: `${n.seed}:${n.storagePort}` }] }],
    listen_address: n.address,
    rpc_address: n.address,
    storage_port: n.storagePort,
    native_transport_port: n.nativePort,
    start_native_transport: true,
    endpoint_snitch: 'SimpleSnitch',
    data_file_directories: [d('data')],
    commitlog_directory: d('commitlog'),
    saved_caches_directory: d('saved_caches'),
    hints_directory: d('hints'),
    cdc_raw_directory: d('cdc_raw'),
    commitlog_sync: 'periodic',
    commitlog_sync_period: '10000ms',
    commitlog_segment_size: '8MiB',
    // Small memtables: a test node holds little data, and a 1 GB heap must leave room for the rest.
    memtable_heap_space: '64MiB',
    memtable_offheap_space: '64MiB',
    concurrent_compactors: 1,
    // Every oracle scenario drops its keyspace; a snapshot per drop would only fill the disk.
    auto_snapshot: false,
    authenticator: 'AllowAllAuthenticator',
    authorizer: 'AllowAllAuthorizer',
    // What the 5.0 distribution's own cassandra.yaml ships, so the reference behaves like a fresh install.
    storage_compatibility_mode: 'CASSANDRA_4',
    materialized_views_enabled: false,
    sasi_indexes_enabled: false,
  };
}

const LOGBACK = (logDir: string): string => `<configuration scan="false">
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>${logDir}/system.log</file>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <logger name="org.apache.cassandra" level="INFO"/>
  <root level="WARN"><appender-ref ref="FILE"/></root>
</configuration>
`;

/** nodetool and other tools: warnings to stderr only, so their stdout is just the command's output. */
const LOGBACK_TOOLS = `<configuration scan="false">
  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
    <target>System.err</target>
    <encoder><pattern>%-5level %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="STDERR"/></root>
</configuration>
`;

/** Writes conf/cassandra.yaml, conf/logback.xml and conf/logback-tools.xml; returns the conf directory. */
export function writeNodeConfig(n: ReferenceNodeSpec): string {
  const conf = join(n.dir, 'conf');
  mkdirSync(conf, { recursive: true });
  mkdirSync(join(n.dir, 'logs'), { recursive: true });
  writeFileSync(join(conf, 'cassandra.yaml'), stringify(cassandraYaml(n)));
  writeFileSync(join(conf, 'logback.xml'), LOGBACK(join(n.dir, 'logs')));
  writeFileSync(join(conf, 'logback-tools.xml'), LOGBACK_TOOLS);
  return conf;
}

/** jvm-server.options, general part, plus -XX:+CrashOnOutOfMemoryError as cassandra-env.sh adds it.
 *  Left out: -XX:+AlwaysPreTouch (pre-faulting the heap slows start-up) and
 *  -XX:+UseNUMA / -XX:-UseBiasedLocking (no NUMA here; biased locking is already off by default since Java 15). */
const JVM_SERVER = ['-ea', '-da:net.openhft...', '-XX:+UseThreadPriorities', '-XX:+HeapDumpOnOutOfMemoryError', '-XX:+CrashOnOutOfMemoryError', '-Xss256k',
  '-XX:+UseTLAB', '-XX:+ResizeTLAB', '-XX:+PerfDisableSharedMem', '-Djava.net.preferIPv4Stack=true'];

/** jvm17-server.options: G1, the JPMS exports/opens Cassandra needs on Java 17, Netty's allocator settings. */
const JVM17_SERVER = ['-XX:+UseG1GC', '-XX:+ParallelRefProcEnabled', '-XX:MaxTenuringThreshold=1', '-XX:G1HeapRegionSize=16m',
  '-XX:G1RSetUpdatingPauseTimePercent=5', '-XX:MaxGCPauseMillis=300', '-XX:InitiatingHeapOccupancyPercent=70',
  '-Djdk.attach.allowAttachSelf=true',
  ...['java.base/jdk.internal.misc', 'java.management.rmi/com.sun.jmx.remote.internal.rmi', 'java.rmi/sun.rmi.registry',
    'java.rmi/sun.rmi.server', 'java.sql/java.sql', 'java.base/java.lang.ref', 'jdk.unsupported/sun.misc',
    'jdk.compiler/com.sun.tools.javac.file', 'jdk.attach/sun.tools.attach'].map((p) => `--add-exports=${p}=ALL-UNNAMED`),
  ...['java.base/java.lang.module', 'java.base/jdk.internal.loader', 'java.base/jdk.internal.ref', 'java.base/jdk.internal.reflect',
    'java.base/jdk.internal.math', 'java.base/jdk.internal.module', 'java.base/jdk.internal.util.jar',
    'jdk.management/com.sun.management.internal', 'java.base/sun.nio.ch', 'java.base/java.io', 'java.base/java.lang.reflect',
    'jdk.compiler/com.sun.tools.javac', 'java.base/java.lang', 'java.base/java.util'].map((p) => `--add-opens=${p}=ALL-UNNAMED`),
  '-Dio.netty.tryReflectionSetAccessible=true', '-Dio.netty.allocator.useCacheForAllThreads=true', '-Dio.netty.allocator.maxOrder=11'];

/** Options for the JVM that runs tools (nodetool): the JPMS part only, and a small heap. */
export function toolJvmOptions(conf: string): string[] {
  return ['-Xmx256m', '-Djava.net.preferIPv4Stack=true', ...JVM17_SERVER.filter((o) => o.startsWith('--add')),
    `-Dlogback.configurationFile=${join(conf, 'logback-tools.xml')}`, `-Dcassandra.config=file://${join(conf, 'cassandra.yaml')}`];
}

/** Everything before the class path for CassandraDaemon. */
export function daemonJvmOptions(n: ReferenceNodeSpec, conf: string, singleNode: boolean): string[] {
  return [
    ...JVM_SERVER, ...JVM17_SERVER,
    `-Xms${n.heapMb}m`, `-Xmx${n.heapMb}m`, `-Xmn${Math.floor(n.heapMb / 4)}m`,
    // cassandra-env.sh loads jamm as an agent so memtable sizes are measured, not guessed.
    `-javaagent:${join(LIB_DIR, 'jamm-0.4.0.jar')}`,
    `-Dcassandra.config=file://${join(conf, 'cassandra.yaml')}`,
    `-Dlogback.configurationFile=${join(conf, 'logback.xml')}`,
    `-Dcassandra.logdir=${join(n.dir, 'logs')}`, `-Dcassandra.storagedir=${join(n.dir, 'data')}`,
    `-Dcassandra.jmx.local.port=${n.jmxPort}`,
    '-Dcassandra-foreground=yes',
    // Fast start: nothing to settle on a fresh loopback cluster. A joining node still needs a short ring delay to
    // learn the ring from the seed before it picks tokens.
    '-Dcassandra.skip_wait_for_gossip_to_settle=0',
    `-Dcassandra.ring_delay_ms=${singleNode ? 100 : 5000}`,
    '-Dcassandra.superuser_setup_delay_ms=0',
    '-Dcassandra.available_processors=2',
    '-XX:ErrorFile=' + join(n.dir, 'logs', 'hs_err_%p.log'),
  ];
}
