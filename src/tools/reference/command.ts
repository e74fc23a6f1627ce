// `sibyl reference up|status|down|nodetool`: Apache Cassandra 5.0 beside Sibyl, for the differential oracle
// (test/oracle/) and the versus bench. The jars come from reference/cassandra/pom.xml via Maven.
import { Command, InvalidArgumentError } from 'commander';
import { driverAnswers, instanceAddresses, jvmAlive, readState, referenceDown, referenceNodetool, referenceUp } from './launch.ts';
import { DEFAULT_REFERENCE_ADDRESS } from './paths.ts';

const log = (line: string): void => void process.stderr.write(`${line}\n`);

function nodeCount(v: string): number {
  if (v !== '1' && v !== '3') throw new InvalidArgumentError('--nodes must be 1 or 3');
  return Number(v);
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function registerReferenceCommand(program: Command): void {
  const ref = program.command('reference').description('a reference Apache Cassandra 5.0 on loopback addresses (needs Java 17 and Maven)');
  ref.command('up')
    .description('start the reference Cassandra and wait until a driver connects')
    .option('--address <ip>', 'first node address', '127.0.99.1')
    .option('--nodes <n>', '1 or 3', nodeCount, 1)
    .option('--heap-mb <mb>', 'JVM heap per node (≤ 1024)', positiveInt, 1024)
    .option('--timeout <s>', 'start-up timeout in seconds', positiveInt, 300)
    .option('--keep-data', 'reuse the data left by a previous run')
    .action(async (o: { address: string; nodes: number; heapMb: number; timeout: number; keepData?: boolean }) => {
      if (o.heapMb > 1024) throw new InvalidArgumentError('--heap-mb must be ≤ 1024');
      const s = await referenceUp({ address: o.address, nodes: o.nodes, heapMb: o.heapMb, timeoutMs: o.timeout * 1000,
        fresh: o.keepData !== true, log });
      for (const n of s.nodes) console.log(`${n.address}:${n.nativePort} Cassandra ${s.version} pid ${n.pid} startup_ms ${n.startupMs}`);
    });
  ref.command('status')
    .description('the reference nodes and whether each answers CQL')
    .option('--address <ip>', 'first node address of one instance (default: every instance)')
    .action(async (o: { address?: string }) => {
      const nodes = (o.address !== undefined ? [o.address] : instanceAddresses()).flatMap((a) => readState(a)?.nodes ?? []);
      if (nodes.length === 0) {
        console.log('no reference Cassandra started');
        process.exitCode = 1;
        return;
      }
      let allUp = true;
      for (const n of nodes) {
        const alive = jvmAlive(n);
        const release = alive ? await driverAnswers(n.address, n.nativePort) : undefined;
        allUp &&= release !== undefined;
        console.log(`${n.address}:${n.nativePort} pid ${n.pid} ${alive ? 'running' : 'exited'} ${release !== undefined ? `cql ${release}` : 'cql down'} startup_ms ${n.startupMs}`);
      }
      if (!allUp) process.exitCode = 1;
    });
  ref.command('down')
    .description('stop the reference nodes (SIGTERM, SIGKILL after --grace seconds)')
    .option('--grace <s>', 'seconds to wait for a clean exit', positiveInt, 60)
    .option('--address <ip>', 'first node address of one instance (default: every instance)')
    .action(async (o: { grace: number; address?: string }) => {
      let stopped = 0;
      for (const a of o.address !== undefined ? [o.address] : instanceAddresses()) stopped += await referenceDown(o.grace * 1000, log, a);
      console.log(`${stopped} reference node(s) stopped`);
    });
  ref.command('nodetool')
    .description("the reference's own nodetool, e.g. `sibyl reference nodetool status`")
    .option('--node <i>', '0-based node index', (v) => Number(v), 0)
    .option('--address <ip>', 'first node address of the instance', DEFAULT_REFERENCE_ADDRESS)
    .argument('[args...]', 'nodetool arguments')
    .allowUnknownOption()
    .passThroughOptions()
    .action((args: string[], o: { node: number; address: string }) => {
      process.exitCode = referenceNodetool(args, o.node, o.address);
    });
}
