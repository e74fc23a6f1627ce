// The pure half of `sibyl drill`: which nodes a scenario takes down, which keys to probe (at least one per distinct
// replica set of the ring, so every outcome the plan predicts for some range is also met by a real key), how the
// observed answers classify into all / some / none, and the predicted-versus-observed comparison.
import type { RingEndpoint, TokenRing } from '../../cluster/ring.ts';
import { replicaTable } from '../../cluster/replication.ts';
import { murmur3Token } from '../../model/murmur3.ts';
import type { KeyspaceDef } from '../../schema/model.ts';
import { levelCode, outcomeOf, rackName, READ_LEVELS, WRITE_LEVELS, type LevelName, type Outcome, type ScenarioKind } from '../plan/model.ts';

export interface DrillTarget {
  kind: Exclude<ScenarioKind, 'two-racks'>;
  /** As the plan names it: an address, `DC/rack`, or a DC. */
  name: string;
  nodes: RingEndpoint[];
}

export interface Selector {
  scenario?: string;
  node?: string;
  rack?: string;
  dc?: string;
}

const SCENARIOS: Record<string, DrillTarget['kind']> = {
  'az-outage': 'rack', 'rack-outage': 'rack', 'region-outage': 'dc', 'dc-outage': 'dc', 'node-outage': 'node', 'node-crash': 'node',
};

/**
 * The nodes a drill takes down. `--rack` accepts the rack as the snitch names it (`1a`), the AZ (`us-east-1a`) or
 * `DC/rack`; without `--dc` it must be unambiguous. `--scenario`, when given, must agree with the selector.
 */
export function selectTarget(ring: TokenRing, sel: Selector, azOf: ReadonlyMap<string, string>, nameOf: (address: string) => string | undefined = () => undefined): DrillTarget {
  const eps = [...ring.endpoints];
  let t: DrillTarget;
  if (sel.node !== undefined) {
    const e = eps.find((x) => x.address === sel.node || nameOf(x.address) === sel.node);
    if (e === undefined) throw new Error(`no node ${sel.node} in the ring (${eps.map((x) => x.address).join(', ')})`);
    t = { kind: 'node', name: e.address, nodes: [e] };
  } else if (sel.rack !== undefined) {
    const racks = [...new Set(eps.map(rackName))];
    const matches = racks.filter((r) => {
      const [dc, rack] = r.split('/') as [string, string];
      if (sel.dc !== undefined && dc !== sel.dc) return false;
      return sel.rack === rack || sel.rack === r || azOf.get(r) === sel.rack;
    });
    if (matches.length === 0) throw new Error(`no rack ${sel.rack}${sel.dc ? ` in ${sel.dc}` : ''} (racks: ${racks.map((r) => (azOf.has(r) ? `${r} (${azOf.get(r)})` : r)).join(', ')})`);
    if (matches.length > 1) throw new Error(`rack ${sel.rack} is in several data centres (${matches.join(', ')}): add --dc`);
    t = { kind: 'rack', name: matches[0]!, nodes: eps.filter((e) => rackName(e) === matches[0]) };
  } else if (sel.dc !== undefined) {
    const nodes = eps.filter((e) => e.dc === sel.dc);
    if (nodes.length === 0) throw new Error(`no data centre ${sel.dc} (${[...ring.datacenters.keys()].join(', ')})`);
    t = { kind: 'dc', name: sel.dc, nodes };
  } else throw new Error('choose the failure: --node ADDRESS, --rack RACK [--dc DC] or --dc DC');
  t.nodes.sort((a, b) => compareAddresses(a.address, b.address));
  if (sel.scenario !== undefined) {
    const kind = SCENARIOS[sel.scenario];
    if (kind === undefined) throw new Error(`unknown scenario ${sel.scenario} (${Object.keys(SCENARIOS).join(', ')})`);
    if (kind !== t.kind) throw new Error(`--scenario ${sel.scenario} takes down a ${kind === 'dc' ? 'data centre (--dc)' : kind === 'rack' ? 'rack (--rack)' : 'node (--node)'}`);
  }
  return t;
}

/** 127.0.0.9 before 127.0.0.10. */
function compareAddresses(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An int key's token, as the node computes it for `k int PRIMARY KEY`. */
export function intKeyToken(k: number): bigint {
  const b = Buffer.alloc(4);
  b.writeInt32BE(k);
  return murmur3Token(b);
}

/**
 * Keys 0, 1, 2, … until every distinct replica set of the ring has one (bounded), then more up to `atLeast`. The
 * drill's observations then cover every case the per-range plan distinguishes.
 */
export function probeKeys(ring: TokenRing, ks: KeyspaceDef, atLeast: number, maxCandidates = 2_000_000): number[] {
  const table = replicaTable(ring, ks.strategy);
  const setOf = (i: number): string => table.replicas[i]!.map((r) => r.id).join(',');
  const wanted = new Set<string>();
  for (let i = 0; i < ring.size; i++) wanted.add(setOf(i));
  const keys: number[] = [];
  for (let k = 0; k < maxCandidates && (wanted.size > 0 || keys.length < atLeast); k++) {
    const s = setOf(ring.indexFor(intKeyToken(k)));
    if (wanted.delete(s) || keys.length < atLeast) keys.push(k);
  }
  if (wanted.size > 0) throw new Error(`no key found for ${wanted.size} replica set(s) among ${maxCandidates} candidates`);
  return keys;
}

/** What the plan predicts for exactly these keys (their tokens), from every live data centre. */
export function predict(ring: TokenRing, ks: KeyspaceDef, down: ReadonlySet<string>, keys: readonly number[]): { reads: Outcome; writes: Outcome } {
  const tokens = keys.map(intKeyToken);
  const outcome = (isWrite: boolean): Outcome => {
    const o: Outcome = { all: [], some: [], none: [] };
    for (const name of isWrite ? WRITE_LEVELS : READ_LEVELS) {
      const r = outcomeOf(ring, ks, down, tokens, levelCode(name), isWrite);
      if (r !== undefined) o[r].push(name);
    }
    return o;
  };
  return { reads: outcome(false), writes: outcome(true) };
}

/** One probe's result: served, refused as unavailable, refused as an invalid level, or another error (timeout…). */
export type ProbeResult = 'ok' | 'unavailable' | 'invalid' | 'timeout' | 'error';

export interface LevelObservation {
  ok: number;
  unavailable: number;
  timeout: number;
  error: number;
  invalid: number;
  /** Reads that succeeded but did not return the value written before the failure. */
  missing: number;
  /** The first error's message, to show what refused the level. */
  example?: string;
}

export const emptyObservation = (): LevelObservation => ({ ok: 0, unavailable: 0, timeout: 0, error: 0, invalid: 0, missing: 0 });

/** all / some / none over every probe of a level; undefined when the server refused the level itself (every probe invalid). */
export function classify(o: LevelObservation): keyof Outcome | undefined {
  const total = o.ok + o.unavailable + o.timeout + o.error + o.invalid;
  if (total > 0 && o.invalid === total) return undefined;
  return o.ok === total ? 'all' : o.ok === 0 ? 'none' : 'some';
}

export function observedOutcome(levels: ReadonlyMap<LevelName, LevelObservation>): Outcome {
  const out: Outcome = { all: [], some: [], none: [] };
  for (const [name, o] of levels) {
    const c = classify(o);
    if (c !== undefined) out[c].push(name);
  }
  return out;
}

/** Where a level sits in an outcome ('refused' when in no list). */
export function placeOf(o: Outcome, level: string): keyof Outcome | 'refused' {
  return o.all.includes(level) ? 'all' : o.some.includes(level) ? 'some' : o.none.includes(level) ? 'none' : 'refused';
}

export interface Comparison {
  level: LevelName;
  op: 'read' | 'write';
  predicted: keyof Outcome | 'refused';
  observed: keyof Outcome | 'refused';
}

export function compare(predicted: { reads: Outcome; writes: Outcome }, observed: { reads: Outcome; writes: Outcome }): Comparison[] {
  const rows: Comparison[] = [];
  for (const level of WRITE_LEVELS) {
    rows.push({ level, op: 'read', predicted: placeOf(predicted.reads, level), observed: placeOf(observed.reads, level) });
    rows.push({ level, op: 'write', predicted: placeOf(predicted.writes, level), observed: placeOf(observed.writes, level) });
  }
  return rows;
}
