// A client workload run inside a lab host (`ip netns exec <web1> node --import tsx test/lab/workload.ts …`): reads and
// writes of integer registers through cassandra-driver, recording a Jepsen-style history (invoke, then ok / fail /
// info for each operation, with wall-clock times) printed as one JSON document on stdout when it ends.
//
//   --contact 10.1.2.101 --dc WESTUS --keyspace ks --cl QUORUM --seed 7 --clients 4 --keys 12 --duration-ms 30000
//   --table registers (in --keyspace); --write-cl / --read-cl override --cl for one kind of operation
//   --mode check   : write every key once, read every key back; prints {writes, reads, failures}
//   --mode read    : read every key once (the final reads after the faults are healed)
//   --mode history : concurrent clients until --duration-ms (or SIGTERM); each key has one writer (key % clients)
//                    writing 1, 2, 3, … so that values order the writes; reads go to any key
import cassandra from 'cassandra-driver';

interface Args {
  contact: string;
  dc: string;
  keyspace: string;
  cl: string;
  seed: number;
  clients: number;
  keys: number;
  durationMs: number;
  mode: string;
  opTimeoutMs: number;
  table: string;
  writeCl?: string;
  readCl?: string;
}

/** QUORUM, LOCAL_QUORUM, … as the driver names them (quorum, localQuorum): a wrong name must not become its default. */
const level = (name: string): number => {
  const camel = name.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const v = cassandra.types.consistencies[camel as keyof typeof cassandra.types.consistencies];
  if (typeof v !== 'number') throw new Error(`unknown consistency level ${name}`);
  return v;
};

export interface Op {
  process: number;
  f: 'write' | 'read';
  key: number;
  /** The value written, or read (null: no row). */
  value: number | null;
  type: 'ok' | 'fail' | 'info';
  startMs: number;
  endMs: number;
  error?: string;
}

function parseArgs(argv: string[]): Args {
  const get = (k: string, d: string): string => {
    const i = argv.indexOf(`--${k}`);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : d;
  };
  return {
    contact: get('contact', '10.1.2.101'), dc: get('dc', 'WESTUS'), keyspace: get('keyspace', 'jepsen'), cl: get('cl', 'QUORUM'),
    seed: Number(get('seed', '1')), clients: Number(get('clients', '4')), keys: Number(get('keys', '12')), durationMs: Number(get('duration-ms', '20000')),
    mode: get('mode', 'history'), opTimeoutMs: Number(get('op-timeout-ms', '4000')), table: get('table', 'registers'),
    ...(argv.includes('--write-cl') ? { writeCl: get('write-cl', 'QUORUM') } : {}), ...(argv.includes('--read-cl') ? { readCl: get('read-cl', 'QUORUM') } : {}),
  };
}

/** mulberry32: a small seeded generator, so a run's choices replay from its printed seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A timeout or an unreachable coordinator leaves a write indeterminate (info): it may have been applied. Refusals
 * before any replica was asked (Unavailable) are failures, as is any failed read (reads change nothing).
 */
function outcome(f: Op['f'], e: unknown): 'fail' | 'info' {
  if (f === 'read') return 'fail';
  const code = (e as { code?: number }).code;
  return code === cassandra.types.responseErrorCodes.unavailableException ? 'fail' : 'info';
}

async function client(a: Args): Promise<cassandra.Client> {
  const c = new cassandra.Client({
    contactPoints: [a.contact],
    localDataCenter: a.dc,
    socketOptions: { connectTimeout: 3000, readTimeout: a.opTimeoutMs },
    pooling: { heartBeatInterval: 1000 },
    queryOptions: { consistency: level(a.cl), prepare: true, isIdempotent: false },
  });
  await c.connect();
  return c;
}

async function run(a: Args): Promise<void> {
  const c = await client(a);
  const table = `${a.keyspace}.${a.table}`;
  const history: Op[] = [];
  const t0 = Date.now();
  const now = (): number => Date.now() - t0;
  const exec = async (process: number, f: Op['f'], key: number, value: number | null): Promise<void> => {
    const startMs = now();
    try {
      if (f === 'write') await c.execute(`UPDATE ${table} SET v = ? WHERE k = ?`, [value, key], { consistency: level(a.writeCl ?? a.cl) });
      else {
        const rs = await c.execute(`SELECT v FROM ${table} WHERE k = ?`, [key], { consistency: level(a.readCl ?? a.cl) });
        value = (rs.first()?.['v'] as number | null | undefined) ?? null;
      }
      history.push({ process, f, key, value, type: 'ok', startMs, endMs: now() });
    } catch (e) {
      history.push({ process, f, key, value: f === 'write' ? value : null, type: outcome(f, e), startMs, endMs: now(), error: (e as Error).message.slice(0, 160) });
    }
  };
  if (a.mode === 'read') {
    for (let k = 0; k < a.keys; k++) await exec(0, 'read', k, null);
  } else if (a.mode === 'check') {
    for (let k = 0; k < a.keys; k++) await exec(0, 'write', k, k + 1000);
    for (let k = 0; k < a.keys; k++) await exec(0, 'read', k, null);
  } else {
    let stop = false;
    process.on('SIGTERM', () => (stop = true));
    const worker = async (p: number): Promise<void> => {
      const random = rng(a.seed * 1000 + p);
      const mine = Array.from({ length: a.keys }, (_, k) => k).filter((k) => k % a.clients === p);
      const next = new Map<number, number>(mine.map((k) => [k, 1]));
      while (!stop && now() < a.durationMs) {
        if (random() < 0.5 && mine.length > 0) {
          const key = mine[Math.floor(random() * mine.length)]!;
          const v = next.get(key)!;
          next.set(key, v + 1);
          await exec(p, 'write', key, v);
        } else await exec(p, 'read', Math.floor(random() * a.keys), null);
      }
    };
    await Promise.all(Array.from({ length: a.clients }, (_, p) => worker(p)));
  }
  await c.shutdown();
  const levels = { write: level(a.writeCl ?? a.cl), read: level(a.readCl ?? a.cl) };
  process.stdout.write(`${JSON.stringify({ seed: a.seed, cl: a.cl, levels, t0, history })}\n`);
}

run(parseArgs(process.argv.slice(2))).catch((e: unknown) => {
  process.stderr.write(`workload: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
