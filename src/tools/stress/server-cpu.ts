// The CPU the servers spent during a run, read from each Sibyl node's admin API (`/metrics` on the JMX port,
// 7199, where cassandra-stress would ask JMX for GC figures): beside the client's own CPU it shows whether one client
// core kept the nodes busy. Nodes that do not answer (a Cassandra node, a remote host) are left out, as
// cassandra-stress leaves out GC figures when JMX is unreachable.
import { adminCall } from '../admin-client.ts';

/** `sibyl_process_cpu_seconds_total 12.5` out of Prometheus text; undefined when absent. */
export function cpuSecondsFromMetrics(text: string): number | undefined {
  const m = /^sibyl_process_cpu_seconds_total(?:\{[^}]*\})?\s+([0-9.eE+-]+)\s*$/m.exec(text);
  return m === null ? undefined : Number(m[1]);
}

/** CPU seconds per host (address without port) that answered. */
export async function serverCpu(hosts: readonly string[], port: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  await Promise.all(
    hosts.map(async (h) => {
      try {
        const text = await adminCall<string>(h, port, '/metrics', { timeoutMs: 2000 });
        const v = typeof text === 'string' ? cpuSecondsFromMetrics(text) : undefined;
        if (v !== undefined) out.set(h, v);
      } catch {
        // Not a Sibyl node, or not reachable from here: no figure for it.
      }
    }),
  );
  return out;
}

/** The line printed after the run: total server CPU, the busiest node's share of a core, ops per server CPU-second. */
export function serverCpuLine(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>, seconds: number, ops: number): string | undefined {
  const used: Array<[string, number]> = [];
  for (const [h, v] of after) {
    const b = before.get(h);
    if (b !== undefined) used.push([h, v - b]);
  }
  if (used.length === 0) return undefined;
  const total = used.reduce((a, [, v]) => a + v, 0);
  const [busiest, most] = used.reduce((a, b) => (b[1] > a[1] ? b : a));
  return `Server CPU                : ${total.toFixed(1)} s on ${used.length} node${used.length === 1 ? '' : 's'} (busiest ${busiest}: ${Math.round((most / seconds) * 100)}% of one core; ${Math.round(ops / Math.max(total, 0.001)).toLocaleString('en-US')} ops per server CPU-second)`;
}
