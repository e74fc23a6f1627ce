// Internode request throughput and latency: node --import tsx bench/messaging.ts [seconds] [inFlight] [payloadBytes]
// Two MessagingServices in one process on 127.0.30.1 and 127.0.30.2 (port 7000); a closed loop keeps `inFlight`
// request() calls outstanding (default 256, like a busy coordinator) and records each round trip. One process runs
// both ends, so the figures include both sides' CPU: a lower bound on what two processes would do.
import { MessagingService } from '../src/messaging/messaging.ts';

const seconds = Number(process.argv[2] ?? 5);
const inFlight = Number(process.argv[3] ?? 256);
const payloadBytes = Number(process.argv[4] ?? 100);

const server = await MessagingService.start({ address: '127.0.30.2', port: 7000 });
const client = await MessagingService.start({ address: '127.0.30.1', port: 7000 });
// Shaped like a small mutation: a token, a key and one value.
server.register('MUTATION', (p) => ({ ok: true, token: (p as { token: bigint }).token }));
const payload = { token: 1234567890123n, key: Buffer.alloc(16, 1), value: Buffer.alloc(payloadBytes, 2) };

async function run(ms: number, record: boolean): Promise<{ count: number; latencies: Float64Array; elapsed: number }> {
  const latencies = new Float64Array(record ? 4_000_000 : 0);
  let count = 0;
  const start = performance.now();
  const end = start + ms;
  async function worker(): Promise<void> {
    while (performance.now() < end) {
      const t0 = performance.now();
      await client.request(server.self, 'MUTATION', payload, 10_000);
      if (record && count < latencies.length) latencies[count] = performance.now() - t0;
      count++;
    }
  }
  await Promise.all(Array.from({ length: inFlight }, () => worker()));
  return { count, latencies: latencies.subarray(0, Math.min(count, latencies.length)), elapsed: performance.now() - start };
}

await run(1_000, false); // warm-up: JIT and connection set-up
const { count, latencies, elapsed } = await run(seconds * 1_000, true);
latencies.sort();
const pct = (p: number): string => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!.toFixed(2);
console.log(`messaging request/response, ${inFlight} in flight, ${payloadBytes}-byte values, ${seconds} s`);
console.log(`  ${Math.round(count / (elapsed / 1_000)).toLocaleString('en-US')} requests/s`);
console.log(`  round trip ms: p50 ${pct(0.5)}  p99 ${pct(0.99)}  p99.9 ${pct(0.999)}  max ${pct(1)}`);
console.log(`  dropped: ${JSON.stringify(client.stats.droppedByLink)}  timeouts: ${client.stats.timeouts}`);
await client.close();
await server.close();
