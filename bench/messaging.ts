// Internode request throughput and latency: node --import tsx bench/messaging.ts [seconds] [inFlight] [payloadBytes]
// Two MessagingServices in one process on 127.0.30.1 and 127.0.30.2 (port 7000); a closed loop keeps `inFlight`
// request() calls outstanding (default 256, like a busy coordinator) and records each round trip. One process runs
// both ends, so the figures include both sides' CPU: a lower bound on what two processes would do.
import { MessagingService } from '../src/messaging/messaging.ts';
import type { MutationRequest } from '../src/messaging/verbs.ts';

const seconds = Number(process.argv[2] ?? 5);
const inFlight = Number(process.argv[3] ?? 256);
const payloadBytes = Number(process.argv[4] ?? 100);

const server = await MessagingService.start({ address: '127.0.30.2', port: 7000 });
const client = await MessagingService.start({ address: '127.0.30.1', port: 7000 });
// A replica write as the coordinator sends it (one row, one value of payloadBytes), acknowledged with `true`.
server.register('MUTATION', () => true);
const ts = 1_764_000_000_000_000;
const payload: MutationRequest = {
  items: [{
    t: { ks: 'keyspace1', table: 'standard1', id: '6f1c3a52-0d6e-4c59-9a43-7a3f0d3c2b11' },
    u: { key: Buffer.alloc(10, 1), token: 1234567890123n, rangeTombstones: [], rows: [{ clustering: [], marker: { ts }, cells: { C0: { ts, v: Buffer.alloc(payloadBytes, 2) } } }] },
  }],
};

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
