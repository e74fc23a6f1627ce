// Where the reference Apache Cassandra lives on this machine: its jars, resolved by Maven from
// reference/cassandra/pom.xml into .cache/cassandra-5.0/lib (outside git), and the state of the nodes we started.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../bundle.ts';

export const REFERENCE_POM = join(REPO_ROOT, 'reference', 'cassandra', 'pom.xml');
export const CACHE_DIR = process.env.SIBYL_REFERENCE_CACHE ?? join(REPO_ROOT, '.cache', 'cassandra-5.0');
export const LIB_DIR = join(CACHE_DIR, 'lib');
/**
 * One directory per node (conf/, data/, logs/) and, per instance (a cluster named by its first node's address), a
 * `<address>.state.json` listing its running nodes: a 1-node oracle reference and a 3-node bench cluster can run side
 * by side.
 */
export const NODES_DIR = join(CACHE_DIR, 'nodes');
export const DEFAULT_REFERENCE_ADDRESS = '127.0.99.1';
export const statePath = (baseAddress: string): string => join(NODES_DIR, `${baseAddress}.state.json`);

export const JAVA = process.env.SIBYL_REFERENCE_JAVA ?? '/usr/bin/java';
export const MAVEN = process.env.SIBYL_REFERENCE_MVN ?? 'mvn';

/** The cassandra-all jar in the cache, or undefined before Maven ran. */
export function cassandraJar(): string | undefined {
  if (!existsSync(LIB_DIR)) return undefined;
  const jar = readdirSync(LIB_DIR).find((f) => /^cassandra-all-5\.0\.\d+\.jar$/.test(f));
  return jar === undefined ? undefined : join(LIB_DIR, jar);
}

/** The cached jars' version, e.g. "5.0.9". */
export function cassandraVersion(): string | undefined {
  return cassandraJar()?.match(/cassandra-all-(5\.0\.\d+)\.jar$/)?.[1];
}

/**
 * Resolves the jars with Maven when the cache is empty. Maven keeps what it downloaded in ~/.m2, so a second run on the
 * same machine needs no network. Throws with Maven's own output when it fails (e.g. Maven Central unreachable).
 */
export function ensureJars(log: (line: string) => void = () => {}): void {
  if (cassandraJar() !== undefined) return;
  log(`resolving Cassandra 5.0 jars with Maven into ${LIB_DIR} …`);
  const r = spawnSync(MAVEN, ['-B', '-q', '-f', REFERENCE_POM, 'package', `-Dreference.lib=${LIB_DIR}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 15 * 60_000,
  });
  if (r.status !== 0 || cassandraJar() === undefined) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`mvn could not resolve cassandra-all (exit ${r.status ?? r.signal}):\n${out || String(r.error)}`);
  }
}

/** The class path: every jar in the cache (Maven copied exactly the runtime dependencies). */
export function classPath(): string {
  return readdirSync(LIB_DIR)
    .filter((f) => f.endsWith('.jar'))
    .sort()
    .map((f) => join(LIB_DIR, f))
    .join(':');
}
