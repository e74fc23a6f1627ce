// nodetool's streaming and repair commands: `netstats` (Cassandra 4's NetStats output) and `repair` (its options as
// Cassandra's nodetool spells them: -pr, -full, -dc DC, -local, -st/-et, and the repair notifications it prints).
import type { Command } from 'commander';
import type { NetstatsReport, RepairReport, StreamTaskReport } from '../server/admin-types.ts';
import { adminCall } from './admin-client.ts';
import { run, target, usage, withConn } from './nodetool.ts';

const pct = (part: number, whole: number): string => ((whole === 0 ? 0 : part / whole) * 100).toFixed(2);

function progressLine(t: StreamTaskReport, dir: 'received from' | 'sent to', peer: string): string {
  // A range's size is known only once it is streamed: its total is what has gone so far, its percentage 100 when done.
  const percent = t.done ? 100 : 0;
  return `            ${t.name} ${t.bytes}/${t.bytes} bytes (${percent}%) ${dir} idx:0${peer}\n`;
}

function summary(verb: 'Receiving' | 'Sending', tasks: StreamTaskReport[]): string {
  const files = tasks.length;
  const doneFiles = tasks.filter((t) => t.done).length;
  const bytes = tasks.reduce((a, t) => a + t.bytes, 0);
  const doneBytes = tasks.filter((t) => t.done).reduce((a, t) => a + t.bytes, 0);
  const [past, tail] = verb === 'Receiving' ? ['received', ''] : ['sent', ' '];
  return `        ${verb} ${files} files, ${bytes} bytes total. Already ${past} ${doneFiles} files (${pct(doneFiles, files)}%), ` +
    `${doneBytes} bytes total (${pct(doneBytes, bytes)}%)${tail}\n`;
}

export function formatNetstats(r: NetstatsReport): string {
  let out = `Mode: ${r.mode}\n`;
  if (r.plans.length === 0) out += 'Not sending any streams.\n';
  for (const p of r.plans) {
    out += `${p.operation} ${p.planId}\n`;
    for (const s of p.sessions) {
      out += `    ${s.peer}\n`;
      if (s.receiving.length > 0) out += summary('Receiving', s.receiving) + s.receiving.map((t) => progressLine(t, 'received from', s.peer)).join('');
      if (s.sending.length > 0) out += summary('Sending', s.sending) + s.sending.map((t) => progressLine(t, 'sent to', s.peer)).join('');
    }
  }
  // Sibyl does not count read repairs or messages per pool yet: the section keeps Cassandra's shape with zeros.
  out += 'Read Repair Statistics:\nAttempted: 0\nMismatch (Blocking): 0\nMismatch (Background): 0\n';
  out += `${'Pool Name'.padEnd(25)}${'Active'.padStart(10)}${'Pending'.padStart(10)}${'Completed'.padStart(15)}${'Dropped'.padStart(10)}\n`;
  for (const pool of ['Large messages', 'Small messages', 'Gossip messages']) {
    out += `${pool.padEnd(25)}${'n/a'.padStart(10)}${'0'.padStart(10)}${'0'.padStart(15)}${'0'.padStart(10)}\n`;
  }
  return out;
}

/** nodetool repair's arguments: `[KEYSPACE [TABLE…]]` and Cassandra's single-dash options, in any order. */
export function repairQuery(args: string[]): { q: URLSearchParams; host?: string; port?: string } {
  const q = new URLSearchParams();
  let host: string | undefined;
  let port: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (): string => args[++i] ?? usage(`Missing value for option ${a}`);
    if (a === '-h' || a === '--host') host = value();
    else if (a === '-p' || a === '--port') port = value();
    else if (a === '-pr' || a === '--partitioner-range') q.set('pr', 'true');
    else if (a === '-full' || a === '--full') q.set('full', 'true');
    else if (a === '-local' || a === '--in-local-dc') q.set('local', 'true');
    else if (a === '-dc' || a === '--in-dc') q.append('dc', value());
    else if (a === '-st' || a === '--start-token') q.set('st', value());
    else if (a === '-et' || a === '--end-token') q.set('et', value());
    else if (a === '-seq' || a === '--sequential' || a === '-os' || a === '--optimise-streams') continue;
    else if (a.startsWith('-') && a !== '--') usage(`Unknown option: ${a}`);
    else if (a !== '--') positional.push(a);
  }
  if (positional[0] !== undefined) q.set('keyspace', positional[0]);
  for (const t of positional.slice(1)) q.append('table', t);
  return { q, host, port };
}

export function registerLifecycleCommands(nt: Command): void {
  withConn(nt.command('cleanup'))
    .description('Triggers the immediate cleanup of keys no longer belonging to a node. By default, clean all keyspaces')
    .argument('[keyspace]')
    .argument('[tables...]')
    .action(async (keyspace: string | undefined, tables: string[], _o: unknown, cmd: Command) => {
      const t = target(cmd);
      const q = new URLSearchParams();
      if (keyspace !== undefined) q.set('keyspace', keyspace);
      for (const name of tables) q.append('table', name);
      const path = q.size > 0 ? `/cleanup?${q.toString()}` : '/cleanup';
      await run(t, async () => (await adminCall(t.host, t.port, path, { method: 'POST', timeoutMs: 24 * 3600_000 }), ''));
    });

  withConn(nt.command('rebuild'))
    .description('Rebuild data by streaming from other nodes (similarly to bootstrap)')
    .argument('[source_dc]', 'the data centre to stream from (Cassandra: nodetool rebuild -- SOURCE_DC)')
    .action(async (dc: string | undefined, _o: unknown, cmd: Command) => {
      const t = target(cmd);
      const path = dc !== undefined ? `/rebuild?dc=${encodeURIComponent(dc)}` : '/rebuild';
      await run(t, async () => (await adminCall(t.host, t.port, path, { method: 'POST', timeoutMs: 24 * 3600_000 }), ''));
    });

  withConn(nt.command('decommission'))
    .description('Decommission the *node I am connecting to*')
    .action(async (_o: unknown, cmd: Command) => {
      const t = target(cmd);
      await run(t, async () => (await adminCall(t.host, t.port, '/decommission', { method: 'POST', timeoutMs: 24 * 3600_000 }), ''));
    });

  withConn(nt.command('netstats'))
    .description('Print network information on provided host (connecting node by default)')
    .action(async (_o: unknown, cmd: Command) => {
      const t = target(cmd);
      await run(t, async () => formatNetstats(await adminCall<NetstatsReport>(t.host, t.port, '/netstats')));
    });

  // Cassandra's repair options are single-dash words (-pr, -full, -local), which commander would read as -p r, so
  // the command takes its arguments raw (nodetool's options must then come before `repair`, as nodetool's usage
  // shows them; -h/-p after it are read here).
  nt.command('repair')
    .description('Repair one or more tables')
    .argument('[args...]', '[keyspace [tables...]] [-pr] [-full] [-dc DC | -local] [-st TOKEN -et TOKEN]')
    .helpOption('--help', 'display help for command')
    .allowUnknownOption()
    .action(async (args: string[], _o: unknown, cmd: Command) => {
      const { q, host, port } = repairQuery(args);
      const parent = target(cmd);
      const t = { host: host ?? parent.host, port: port !== undefined ? Number(port) : parent.port };
      let failed = false;
      await run(t, async () => {
        const r = await adminCall<RepairReport>(t.host, t.port, `/repair?${q.toString()}`, { method: 'POST', timeoutMs: 24 * 3600_000 });
        failed = r.failed;
        return r.lines.map((l) => `${l}\n`).join('');
      });
      if (failed) {
        process.stderr.write('error: Repair job has failed with the error message: Repair session failed. Check the logs on the repair participants for further details\n');
        process.exit(2);
      }
    });
}
