// `sibyl stress …`: cassandra-stress's command line, handed whole to the parser in args.ts (its `-rate`, `-node`, …
// groups are not commander options). The runner is imported only when the command runs, so the CLI bundle that also
// runs every node never loads the driver for it.
import type { Command } from 'commander';
import { parseStressArgs, StressArgsError } from './args.ts';

export const STRESS_USAGE = `Usage: sibyl stress <command> [options] [-option [suboptions]] ...   (cassandra-stress's syntax)

Commands:
  write | read | mixed [ratio(write=1,read=3)] | counter_write | counter_read | user profile=FILE.yaml ops(insert=1,q=2)
  command options: n=N | duration=30s|5m|1h | err<0.02 [n>30] [n<200], cl=LOCAL_ONE|ONE|QUORUM|LOCAL_QUORUM|…,
                   no-warmup, truncate=never|once|always
Options:
  -rate threads=N [fixed=N/s | throttle=N/s] | threads>=A threads<=B [auto]
  -node HOST[,HOST…] [datacenter=DC] [whitelist]        -port native=9042
  -schema "replication(strategy=NetworkTopologyStrategy, dc1=3)" keyspace=KS [compaction(strategy=…)] [compression=…]
  -col n=FIXED(5) size=FIXED(34) [names=a,b,…]          -pop seq=1..N [no-wrap] | dist=GAUSSIAN(1..N)|UNIFORM(…)|EXP(…)
  -mode native cql3 prepared|unprepared [connectionsPerHost=1] [maxPending=2048] [protocolVersion=4]
  -log interval=1s [hdrfile=FILE] [file=FILE] [no-summary] [no-settings]
  -graph file=report.html [title=…] [revision=…]          -errors [ignore] [retries=9]
`;

export function registerStressCommand(program: Command): void {
  program
    .command('stress')
    .description("cassandra-stress's command line against a Sibyl (or Cassandra) cluster: write, read, mixed, user profiles")
    .argument('[args...]', 'cassandra-stress arguments, e.g. write n=100000 cl=ONE -rate threads=50 -node 127.0.0.1')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (args: string[]) => {
      if (args.length === 0 || ['help', '-h', '--help', '-help'].includes(args[0]!.toLowerCase())) {
        process.stdout.write(STRESS_USAGE);
        return;
      }
      let code: number;
      try {
        const settings = parseStressArgs(args);
        const { runStress } = await import('./run.ts');
        code = await runStress(settings);
      } catch (e) {
        process.stderr.write(`sibyl stress: ${(e as Error).message}\n`);
        if (e instanceof StressArgsError) process.stderr.write('Try `sibyl stress help`.\n');
        code = 1;
      }
      process.exit(code);
    });
}
