// test/oracle/known-divergences.txt: one known divergence per line, `<key> | <reason>`. A key is a divergence key
// (see compare.ts), "<scenario>#*" for every divergence of one scenario, or "* <aspect>" for one aspect everywhere. The file may only shrink: a divergence
// not listed fails the suite, and a listed one that no longer occurs is reported so its line can go.
import { readFileSync } from 'node:fs';

export interface KnownDivergence {
  key: string;
  reason: string;
  line: number;
}

export function loadKnown(path: string): KnownDivergence[] {
  const out: KnownDivergence[] = [];
  readFileSync(path, 'utf8').split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const bar = line.indexOf(' | ');
    if (bar < 0) throw new Error(`${path}:${i + 1}: expected "<key> | <reason>"`);
    out.push({ key: line.slice(0, bar).trim(), reason: line.slice(bar + 3).trim(), line: i + 1 });
  });
  return out;
}

export function matches(k: KnownDivergence, divergenceKey: string): boolean {
  // "* <aspect>": that aspect in every scenario and statement (e.g. a system_schema column Sibyl lacks).
  if (k.key.startsWith('* ')) return divergenceKey.slice(divergenceKey.indexOf(' ') + 1) === k.key.slice(2);
  if (k.key.endsWith('#*')) return divergenceKey.startsWith(k.key.slice(0, -1)) || divergenceKey.startsWith(`${k.key.slice(0, -2)} `);
  return k.key === divergenceKey;
}
