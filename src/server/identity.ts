// A node's identity: its host id and ring tokens, chosen once and kept in storage so they survive restarts.
import { randomUUID, randomBytes } from 'node:crypto';
import type { StorageEngine } from '../storage/engine.ts';

export interface LocalIdentity {
  hostId: string;
  tokens: string[];
}

const KEY = 'local-identity';
const MIN = -(1n << 63n);

/** Random distinct Murmur3 tokens (never Long.MIN_VALUE, which Cassandra reserves as the ring minimum). */
export function randomTokens(n: number): string[] {
  const seen = new Set<bigint>();
  while (seen.size < n) {
    const t = randomBytes(8).readBigInt64BE(0);
    if (t !== MIN) seen.add(t);
  }
  return [...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
}

/**
 * The saved identity, or a new one. With `bootstrap` (auto_bootstrap, no initial_token, not a seed) a node without
 * tokens keeps none: it picks them when it bootstraps (node/node-core.ts), and saveTokens() records them once it has
 * joined, so a bootstrap interrupted by a crash starts again under the same host id.
 */
export async function loadOrCreateIdentity(storage: StorageEngine, numTokens: number, initialTokens: bigint[], bootstrap = false): Promise<LocalIdentity> {
  const saved = storage.getMeta<LocalIdentity>(KEY);
  if (saved && typeof saved.hostId === 'string' && Array.isArray(saved.tokens) && saved.tokens.length > 0) return saved;
  const hostId = saved && typeof saved.hostId === 'string' ? saved.hostId : randomUUID();
  const identity: LocalIdentity = {
    hostId,
    tokens: initialTokens.length > 0 ? initialTokens.map(String) : bootstrap ? [] : randomTokens(numTokens),
  };
  await storage.putMeta(KEY, identity);
  return identity;
}

export async function saveTokens(storage: StorageEngine, identity: LocalIdentity, tokens: string[]): Promise<void> {
  identity.tokens = tokens;
  await storage.putMeta(KEY, identity);
}
