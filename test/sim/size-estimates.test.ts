// system.size_estimates and system.table_estimates on a simulated two-node cluster (8 vnodes each, RF 1): one row per
// replicated table and primary range of the node asked (its own tokens' ranges, the wrapping one cut at the minimum
// token), the partitions counted in each, and both nodes together counting every partition once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Consistency } from '../../src/model/consistency.ts';
import { murmur3Token } from '../../src/model/murmur3.ts';
import { primaryRanges } from '../../src/node/size-estimates.ts';
import { SimCluster, rowsOf, type SimNodeSpec } from './sim-cluster.ts';

const NODES: SimNodeSpec[] = [1, 2].map((i) => ({ endpoint: `10.0.6.${i}:7000`, dc: 'dc1', rack: 'r1' }));
const MIN = -(1n << 63n);

test('primary ranges: own tokens, the wrapping range cut at the minimum token', () => {
  assert.deepEqual(primaryRanges([-10n, 0n, 10n], new Set([-10n, 10n])), [[MIN, -10n], [0n, 10n], [10n, MIN]]);
  assert.deepEqual(primaryRanges([-10n, 0n, 10n], new Set([0n])), [[-10n, 0n]]);
});

test('size estimates count each partition once over the nodes, per primary range', { timeout: 120_000 }, async () => {
  const sim = new SimCluster({ seed: 3, nodes: NODES, trace: false });
  await sim.startAll();
  await sim.waitFor('gossip converges', () => sim.converged(), 60_000);
  const q = async (n: number, cql: string): Promise<Array<Record<string, unknown>>> => {
    const r = await sim.cql(sim.nodes[n]!, cql, Consistency.ONE);
    if (!r.ok) throw new Error(`${cql}: ${r.error.message}`);
    // rowsOf decodes int, boolean and text; the estimates are bigints.
    const raw = r.result.kind === 'rows' ? r.result : undefined;
    return rowsOf(r).map((row, i) => {
      for (const [j, c] of (raw?.columns ?? []).entries()) {
        const v = raw!.rows[i]![j];
        if (c.type.kind === 'native' && c.type.name === 'bigint' && v) row[c.name] = Number(v.readBigInt64BE(0));
      }
      return row;
    });
  };
  await q(0, "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await q(0, 'CREATE TABLE ks.t (k int, c int, v text, PRIMARY KEY (k, c))');
  await sim.waitFor('schema agrees', () => sim.schemaAgrees(), 60_000);
  for (let k = 0; k < 100; k++) for (let c = 0; c < 3; c++) await q(0, `INSERT INTO ks.t (k, c, v) VALUES (${k}, ${c}, 'value ${k}')`);
  let total = 0;
  for (const n of [0, 1]) {
    const rows = await q(n, "SELECT * FROM system.size_estimates WHERE keyspace_name = 'ks' AND table_name = 't'");
    const own = new Set(sim.nodes[n]!.tokens);
    const ring = [...sim.nodes[0]!.tokens, ...sim.nodes[1]!.tokens].sort((a, b) => (a < b ? -1 : 1));
    assert.equal(rows.length, primaryRanges(ring, own).length, JSON.stringify(rows[0]));
    for (const r of rows) {
      const end = BigInt(String(r.range_end));
      assert.ok(own.has(end) || end === MIN, `range end ${end} is one of the node's tokens`);
      const count = Number(r.partitions_count);
      if (count > 0) assert.ok(Number(r.mean_partition_size) > 40, `mean size ${r.mean_partition_size}`);
      total += count;
    }
    // The same ranges with both range types.
    const te = await q(n, "SELECT range_type, range_start, partitions_count FROM system.table_estimates WHERE keyspace_name = 'ks' AND table_name = 't'");
    assert.equal(te.length, rows.length * 2);
    assert.deepEqual([...new Set(te.map((r) => r.range_type))], ['local_primary', 'primary']);
  }
  assert.equal(total, 100);
  // A partition's token lies in the range of the node that counted it.
  const key = Buffer.alloc(4);
  key.writeInt32BE(7);
  const t7 = murmur3Token(key);
  const rows0 = await q(0, "SELECT range_start, range_end, partitions_count FROM system.size_estimates WHERE keyspace_name = 'ks' AND table_name = 't'");
  const holds = rows0.some((r) => BigInt(String(r.range_start)) < t7 && (BigInt(String(r.range_end)) === MIN || t7 <= BigInt(String(r.range_end))));
  const rows1 = await q(1, "SELECT range_start, range_end FROM system.size_estimates WHERE keyspace_name = 'ks' AND table_name = 't'");
  const holds1 = rows1.some((r) => BigInt(String(r.range_start)) < t7 && (BigInt(String(r.range_end)) === MIN || t7 <= BigInt(String(r.range_end))));
  assert.ok(holds !== holds1, 'exactly one node owns the token');
  // System keyspaces replicated like user data are there too; the local ones are not.
  const ks = new Set((await q(0, 'SELECT keyspace_name FROM system.size_estimates')).map((r) => r.keyspace_name));
  assert.ok(ks.has('system_auth') && ks.has('ks') && !ks.has('system') && !ks.has('system_schema'), [...ks].join());
});
