// The cassandra-stress command line of `sibyl stress`: the seed's and the benchmark notes' command lines, defaults as
// cassandra-stress has them, and refusals that name the offending option.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseStressArgs, StressArgsError, tokenize } from '../../src/tools/stress/args.ts';
import { parseDistribution, parseWeights, sampler, seededRandom, weightedPicker } from '../../src/tools/stress/distribution.ts';

/** As a shell would split the line: quotes group, backslashes escape. */
function shell(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let any = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      any = true;
    } else if (ch === '\\') {
      cur += line[++i] ?? '';
      any = true;
    } else if (ch === ' ') {
      if (cur !== '' || any) out.push(cur);
      cur = '';
      any = false;
    } else cur += ch;
  }
  if (cur !== '' || any) out.push(cur);
  return out;
}

describe('sibyl stress command lines', () => {
  test('the benchmark notes (C5): write duration=1m cl=LOCAL_QUORUM, NTS factor=3, -rate threads=…', () => {
    const s = parseStressArgs(shell('write duration=1m cl=LOCAL_QUORUM -schema "replication(strategy=NetworkTopologyStrategy,factor=3)" -rate threads=16'));
    assert.equal(s.command.type, 'write');
    assert.deepEqual(s.command.length, { kind: 'duration', ms: 60_000, text: '1m' });
    assert.equal(s.command.consistency, 'LOCAL_QUORUM');
    assert.deepEqual([...s.schema.replication], [['class', 'NetworkTopologyStrategy'], ['replication_factor', '3']]);
    assert.deepEqual(s.rate, { kind: 'threads', threads: 16, opsPerSec: 0, fixed: false });
    // No n=, so the population defaults to 1..1M in sequence (cassandra-stress's default limit).
    assert.deepEqual(s.population.dist, { kind: 'seq', min: 1, max: 1_000_000 });
  });

  test("seed 004's setup: RF 3 in us-east, CL ONE, reads over the written range, several nodes", () => {
    const w = parseStressArgs(shell('write n=1000000 cl=ONE -schema "replication(strategy=NetworkTopologyStrategy, us-east=3)" keyspace=stress -node 127.3.0.1,127.3.0.4,127.3.0.7 -log interval=1s hdrfile=w.hdr -graph file=report.html title=multi-az'));
    assert.deepEqual(w.command.length, { kind: 'count', ops: 1_000_000 });
    assert.equal(w.command.consistency, 'ONE');
    assert.deepEqual([...w.schema.replication], [['class', 'NetworkTopologyStrategy'], ['us-east', '3']]);
    assert.equal(w.schema.keyspace, 'stress');
    assert.deepEqual(w.nodes.hosts, ['127.3.0.1', '127.3.0.4', '127.3.0.7']);
    assert.deepEqual(w.rate, { kind: 'threads', threads: 200, opsPerSec: 0, fixed: false }, 'write n=… runs 200 threads');
    assert.deepEqual(w.population.dist, { kind: 'seq', min: 1, max: 1_000_000 });
    assert.equal(w.log.hdrFile, 'w.hdr');
    assert.deepEqual(w.graph, { file: 'report.html', title: 'multi-az' });
    const r = parseStressArgs(shell('read n=200000 cl=ONE -pop dist=gaussian(1..1000000) -rate threads=50 -port native=9042'));
    assert.equal(r.population.dist.kind, 'gaussian');
    assert.deepEqual(r.population.dist, { kind: 'gaussian', min: 1, max: 1_000_000, mean: 500_000.5, stdev: (500_000.5 - 1) / 3 });
    assert.deepEqual(r.port, { native: 9042, admin: 7199 });
  });

  test('defaults: LOCAL_ONE, keyspace1 RF 1, 5 × 34-byte columns, thread ramp, gaussian reads over n, prepared', () => {
    const s = parseStressArgs(['read', 'n=5000']);
    assert.equal(s.command.consistency, 'LOCAL_ONE');
    assert.equal(s.schema.keyspace, 'keyspace1');
    assert.deepEqual([...s.schema.replication], [['class', 'SimpleStrategy'], ['replication_factor', '1']]);
    assert.deepEqual(s.columns, { count: 5, size: { kind: 'fixed', value: 34 }, names: ['C0', 'C1', 'C2', 'C3', 'C4'] });
    assert.deepEqual(s.rate, { kind: 'ramp', minThreads: 4, maxThreads: 1000, auto: true });
    assert.deepEqual(s.population.dist, { kind: 'gaussian', min: 1, max: 5000, mean: 2500.5, stdev: 2499.5 / 3 });
    assert.deepEqual(s.nodes, { hosts: ['127.0.0.1'], whitelist: false });
    assert.equal(s.mode.prepared, true);
    assert.equal(s.log.intervalMs, 1000);
    assert.deepEqual(s.errors, { ignore: false, retries: 9 });
    assert.deepEqual(parseStressArgs(['write']).command.length, { kind: 'uncertainty', target: 0.02, minMeasurements: 30, maxMeasurements: 200 });
  });

  test('mixed ratio(write=1,read=3), fixed and throttled rates, thread ranges', () => {
    const m = parseStressArgs(shell('mixed ratio\\(write=1,read=3\\) n=100k -rate threads=8 fixed=2000/s'));
    assert.deepEqual([...m.command.ratio], [['WRITE', 1], ['READ', 3]]);
    assert.deepEqual(m.command.length, { kind: 'count', ops: 100_000 });
    assert.deepEqual(m.rate, { kind: 'threads', threads: 8, opsPerSec: 2000, fixed: true });
    assert.deepEqual(parseStressArgs(shell('read n=10 -rate threads=8 throttle=500/s')).rate, { kind: 'threads', threads: 8, opsPerSec: 500, fixed: false });
    assert.deepEqual(parseStressArgs(shell('read n=10 -rate threads\\>=4 threads\\<=64')).rate, { kind: 'ramp', minThreads: 4, maxThreads: 64, auto: false });
    assert.deepEqual(parseStressArgs(shell('read n=10 -rate threads>=16 auto')).rate, { kind: 'ramp', minThreads: 16, maxThreads: 1000, auto: true });
    assert.deepEqual([...parseStressArgs(['mixed', 'n=10']).command.ratio], [['READ', 1], ['WRITE', 1]]);
  });

  test('user profile with ops(...), counter commands, columns, population, mode, log, errors', () => {
    const u = parseStressArgs(shell('user profile=stress.yaml ops(insert=1,simple1=3) n=1000 -pop seq=1..500 no-wrap -errors ignore retries=2'));
    assert.equal(u.command.profile, 'stress.yaml');
    assert.deepEqual([...u.command.ratio], [['insert', 1], ['simple1', 3]]);
    assert.deepEqual(u.population, { dist: { kind: 'seq', min: 1, max: 500 }, wrap: false });
    assert.deepEqual(u.errors, { ignore: true, retries: 2 });
    assert.deepEqual(parseStressArgs(shell('user profile=p.yaml ops(insert=1) n=10')).population.dist, { kind: 'seq', min: 1, max: 10 }, 'insert-only: sequential');
    assert.equal(parseStressArgs(['counter_write', 'n=10']).command.type, 'counter_write');
    const c = parseStressArgs(shell('write n=10 -col n=FIXED(3) size=UNIFORM(10..20) -mode native cql3 unprepared connectionsPerHost=4 maxPending=128 -log interval=5 no-settings'));
    assert.deepEqual(c.columns, { count: 3, size: { kind: 'uniform', min: 10, max: 20 }, names: ['C0', 'C1', 'C2'] });
    assert.deepEqual(c.mode, { api: 'native', prepared: false, connectionsPerHost: 4, maxPending: 128, protocolVersion: 4 });
    assert.equal(parseStressArgs(shell('read n=1 -mode simplenative cql3 prepared')).mode.api, 'simplenative');
    assert.equal(c.log.intervalMs, 5000);
    assert.equal(c.log.noSettings, true);
    assert.deepEqual(parseStressArgs(shell('write n=10 -node datacenter=us-east whitelist 127.3.0.1')).nodes, { hosts: ['127.3.0.1'], datacenter: 'us-east', whitelist: true });
  });

  test('refusals name the option', () => {
    const refuses = (line: string, re: RegExp): void => {
      assert.throws(() => parseStressArgs(shell(line)), (e: unknown) => e instanceof StressArgsError && re.test(e.message), line);
    };
    refuses('', /No command given/);
    refuses('writ n=1', /Unknown command "writ"/);
    refuses('write n=1 duration=1m', /Choose one of n=, duration= and err</);
    refuses('write n=ten', /n=/);
    refuses('write duration=5x', /Invalid duration "5x"/);
    refuses('write cl=MOST', /Invalid consistency level "MOST"/);
    refuses('write n=1 -rate threads=4 fixed=10/s throttle=10/s', /can't have both fixed and throttle/);
    refuses('write n=1 -rate fixed=100', /expected N\/s/);
    refuses('write n=1 -rate threads=4 threads<=8', /cannot be combined/);
    refuses('write n=1 -col n=UNIFORM(1..5)', /must be FIXED/);
    refuses('write n=1 -pop dist=zipf(1..5)', /Unsupported distribution zipf/);
    refuses('write n=1 -mode thrift', /thrift is not supported/);
    refuses('write n=1 -transport factory=x', /Unsupported option -transport/);
    refuses('write n=1 -rate threads=4 -rate threads=5', /-rate is given twice/);
    refuses('user n=1 ops(insert=1)', /profile=FILE.yaml/);
    refuses('mixed ratio(insert=1) n=1', /Invalid ratio entry "insert"/);
    refuses('write n=1 -graph title=x', /-graph requires file=/);
    refuses('read n=1 cl=ANY', /ANY ConsistencyLevel is only supported for writes/);
    assert.equal(parseStressArgs(['write', 'n=1', 'cl=any']).command.consistency, 'ANY');
  });
});

describe('tokens and distributions', () => {
  test('parentheses keep spaces inside one token', () => {
    assert.deepEqual(tokenize(['-schema', 'replication(strategy=NetworkTopologyStrategy, us-east=3) keyspace=ks']), ['-schema', 'replication(strategy=NetworkTopologyStrategy, us-east=3)', 'keyspace=ks']);
  });

  test('distributions and weights', () => {
    assert.deepEqual(parseDistribution('FIXED(34)', 'x'), { kind: 'fixed', value: 34 });
    assert.deepEqual(parseDistribution('uniform(1..1M)', 'x'), { kind: 'uniform', min: 1, max: 1_000_000 });
    assert.deepEqual(parseDistribution('gaussian(1..100,10,5)', 'x'), { kind: 'gaussian', min: 1, max: 100, mean: 10, stdev: 5 });
    assert.deepEqual([...parseWeights('ratio(write=1,read=3)', 'ratio')], [['write', 1], ['read', 3]]);
    const random = seededRandom(7);
    for (const spec of ['uniform(5..9)', 'gaussian(1..1000)', 'exp(1..100)']) {
      const s = sampler(parseDistribution(spec, 'x'), random);
      for (let i = 0; i < 2000; i++) {
        const v = s.next();
        assert.ok(Number.isInteger(v) && v >= s.min && v <= s.max, `${spec}: ${v}`);
      }
    }
    const seq = sampler(parseDistribution('seq(3..5)', 'x'), random);
    assert.deepEqual(Array.from({ length: 5 }, () => seq.next()), [3, 4, 5, 3, 4]);
    const g = sampler(parseDistribution('gaussian(1..1000)', 'x'), seededRandom(1));
    const draws = Array.from({ length: 20_000 }, () => g.next());
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    assert.ok(Math.abs(mean - 500.5) < 5, `gaussian mean ${mean}`);
    const pick = weightedPicker(new Map([['w', 1], ['r', 3]]), seededRandom(3));
    const reads = Array.from({ length: 8000 }, pick).filter((x) => x === 'r').length;
    assert.ok(Math.abs(reads / 8000 - 0.75) < 0.02, `read share ${reads / 8000}`);
  });
});
