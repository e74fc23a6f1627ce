import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TOKEN, MIN_TOKEN } from '../../src/model/murmur3.ts';
import { allocateTokens, randomTokens, TokenRing, type RingEndpoint } from '../../src/cluster/ring.ts';
import { rawOwnership } from '../../src/cluster/ownership.ts';
import { buildCluster, seededRng } from './ring-helpers.ts';

const ep = (name: string, tokens: bigint[], dc = 'dc1', rack = 'r1'): RingEndpoint => ({
  id: `id-${name}`,
  address: name,
  dc,
  rack,
  tokens,
});

const A = ep('a', [-100n, 300n]);
const B = ep('b', [0n]);
const C = ep('c', [200n]);

test('ring tokens are sorted with their owners', () => {
  const ring = new TokenRing([A, B, C]);
  assert.deepEqual([...ring.tokens], [-100n, 0n, 200n, 300n]);
  assert.deepEqual(ring.owners.map((e) => e.address), ['a', 'b', 'c', 'a']);
  assert.equal(ring.size, 4);
});

test('primaryFor: first ring token ≥ t; ranges are (prev, own]', () => {
  const ring = new TokenRing([A, B, C]);
  const p = (t: bigint): string => ring.primaryFor(t).address;
  assert.equal(p(-100n), 'a'); // exact token belongs to its owner
  assert.equal(p(-99n), 'b');
  assert.equal(p(0n), 'b');
  assert.equal(p(1n), 'c');
  assert.equal(p(200n), 'c');
  assert.equal(p(201n), 'a');
  assert.equal(p(300n), 'a');
  // past the last token wraps to the first
  assert.equal(p(301n), 'a');
  assert.equal(p(MAX_TOKEN), 'a');
  assert.equal(p(MIN_TOKEN), 'a');
  assert.equal(ring.rangeStart(0), 300n);
  assert.equal(ring.rangeStart(1), -100n);
});

test('wrap-around goes to the first token even when its owner differs from the last', () => {
  const ring = new TokenRing([ep('x', [10n]), ep('y', [20n])]);
  assert.equal(ring.primaryFor(21n).address, 'x');
  assert.equal(ring.primaryFor(MIN_TOKEN).address, 'x');
  assert.equal(ring.primaryFor(11n).address, 'y');
});

test('single-token ring: one node owns everything', () => {
  const ring = new TokenRing([ep('solo', [42n])]);
  for (const t of [MIN_TOKEN, -1n, 42n, 43n, MAX_TOKEN]) assert.equal(ring.primaryFor(t).address, 'solo');
  assert.equal(ring.rangeFraction(0), 1);
});

test('duplicate tokens across endpoints are rejected', () => {
  assert.throws(() => new TokenRing([ep('a', [1n, 2n]), ep('b', [2n])]), /duplicate token 2/);
  assert.throws(() => new TokenRing([ep('a', [1n]), ep('a', [3n])]), /duplicate endpoint id/);
  assert.throws(() => new TokenRing([ep('a', [MAX_TOKEN + 1n])]), /outside/);
});

test('endpoints without tokens are not part of the ring or DC counts', () => {
  const ring = new TokenRing([A, ep('joining', [])]);
  assert.equal(ring.endpoints.length, 1);
  assert.equal(ring.datacenters.get('dc1')!.endpoints.length, 1);
  assert.throws(() => new TokenRing([]).primaryFor(0n), /empty/);
});

test('primaryFor agrees with a linear scan on random rings', () => {
  const eps = buildCluster([{ name: 'dc1', nodes: 5, racks: 2 }], 16, 7);
  const ring = new TokenRing(eps);
  const all = eps.flatMap((e) => e.tokens.map((t) => [t, e.address] as const)).sort((x, y) => (x[0] < y[0] ? -1 : 1));
  const rng = seededRng(1);
  const probes = [...all.map(([t]) => t), ...all.map(([t]) => t + 1n), MIN_TOKEN, MAX_TOKEN];
  for (let i = 0; i < 500; i++) probes.push(BigInt.asIntN(64, BigInt(Math.floor(rng() * 2 ** 53)) << 11n));
  for (const t of probes) {
    const hit = all.find(([tok]) => tok >= t) ?? all[0]!;
    assert.equal(ring.primaryFor(t).address, hit[1], `token ${t}`);
  }
});

test('randomTokens: unique, sorted, never MIN_TOKEN', () => {
  const toks = randomTokens(256, [A], seededRng(3));
  assert.equal(new Set(toks).size, 256);
  assert.deepEqual(toks, [...toks].sort((a, b) => (a < b ? -1 : 1)));
  assert.ok(!toks.includes(MIN_TOKEN));
});

function spread(eps: RingEndpoint[]): number {
  const own = [...rawOwnership(new TokenRing(eps)).values()];
  return Math.max(...own) / Math.min(...own);
}

test('allocateTokens: growing a cluster node by node stays balanced (num_tokens 16 and 4)', () => {
  for (const vnodes of [16, 4]) {
    const eps: RingEndpoint[] = [];
    for (let i = 0; i < 8; i++) {
      const tokens = allocateTokens(vnodes, eps, seededRng(i + 1));
      assert.equal(new Set(tokens).size, vnodes);
      eps.push(ep(`n${i}`, tokens, 'dc1', `r${i % 4}`));
      const ring = new TokenRing(eps); // also proves global uniqueness
      const own = [...rawOwnership(ring).values()];
      const ideal = 1 / eps.length;
      for (const o of own) assert.ok(Math.abs(o - ideal) < ideal * 0.35, `vnodes ${vnodes}, ${eps.length} nodes: ${own}`);
    }
    assert.ok(spread(eps) < 1.5, `spread ${spread(eps)}`);
  }
});

test('allocateTokens beats random tokens on balance for small clusters', () => {
  const balanced: RingEndpoint[] = [];
  const random: RingEndpoint[] = [];
  const rng = seededRng(11);
  for (let i = 0; i < 6; i++) {
    balanced.push(ep(`b${i}`, allocateTokens(8, balanced)));
    random.push(ep(`r${i}`, randomTokens(8, random, rng)));
  }
  assert.ok(spread(balanced) < spread(random), `${spread(balanced)} vs ${spread(random)}`);
});

test('allocateTokens per DC balances within the DC and keeps tokens unique across DCs', () => {
  const eps: RingEndpoint[] = [];
  for (let i = 0; i < 4; i++) {
    for (const dc of ['WESTUS', 'EASTUS']) eps.push(ep(`${dc}${i}`, allocateTokens(16, eps, undefined, dc), dc));
  }
  new TokenRing(eps); // no duplicates even though both DCs start from the same evenly spaced layout
  for (const dc of ['WESTUS', 'EASTUS']) {
    const own = [...rawOwnership(new TokenRing(eps.filter((e) => e.dc === dc))).values()];
    for (const o of own) assert.ok(Math.abs(o - 0.25) < 0.25 * 0.35, `${dc}: ${own}`);
  }
});

test('allocateTokens: first node gets evenly spaced tokens; n larger than existing ranges works', () => {
  const first = allocateTokens(4, []);
  const ring1 = new TokenRing([ep('a', first)]);
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(ring1.rangeFraction(i) - 0.25) < 1e-12);
  const one = [ep('solo', [0n])];
  const toks = allocateTokens(16, one);
  const own = rawOwnership(new TokenRing([...one, ep('new', toks)]));
  assert.ok(Math.abs(own.get('id-new')! - 0.5) < 0.01, String(own.get('id-new')));
  assert.throws(() => allocateTokens(0, []), /cannot allocate/);
});
