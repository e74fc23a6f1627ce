// Replica lookup throughput: node --import tsx bench/ring.ts
// 16 nodes × 256 vnodes in two DCs (the 8+8 seed layout), NTS WESTUS:3 EASTUS:3 and SimpleStrategy RF 3.
import { TokenRing, randomTokens, type RingEndpoint } from '../src/cluster/ring.ts';
import { replicaTable, replicasFor } from '../src/cluster/replication.ts';

let seed = 12345;
const rng = (): number => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};

const eps: RingEndpoint[] = [];
for (const [d, dc] of ['WESTUS', 'EASTUS'].entries()) {
  for (let i = 0; i < 8; i++) {
    eps.push({ id: `${dc}-${i}`, address: `10.0.${d}.${i + 1}`, dc, rack: `rack${(i % 4) + 1}`, tokens: randomTokens(256, eps, rng) });
  }
}
const ring = new TokenRing(eps);
const probes = Array.from({ length: 4096 }, () => BigInt.asIntN(64, (BigInt(Math.floor(rng() * 2 ** 32)) << 32n) | BigInt(Math.floor(rng() * 2 ** 32))));

for (const [name, repl] of [
  ['NTS WESTUS:3 EASTUS:3', { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', WESTUS: '3', EASTUS: '3' }],
  ['SimpleStrategy RF 3', { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '3' }],
] as const) {
  const t0 = process.hrtime.bigint();
  replicaTable(ring, repl);
  const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
  let sink = 0;
  for (let i = 0; i < 200_000; i++) sink += replicasFor(ring, repl, probes[i & 4095]!).length; // warm-up
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const n = 2_000_000;
    const s = process.hrtime.bigint();
    for (let i = 0; i < n; i++) sink += replicasFor(ring, repl, probes[i & 4095]!).length;
    best = Math.min(best, Number(process.hrtime.bigint() - s) / n);
  }
  console.log(
    `${name.padEnd(24)} ${ring.size} tokens: table built in ${buildMs.toFixed(1)} ms; ` +
      `replicasFor ${best.toFixed(0)} ns/op = ${(1e9 / best / 1e6).toFixed(2)} M lookups/s${sink < 0 ? '!' : ''}`,
  );
}
