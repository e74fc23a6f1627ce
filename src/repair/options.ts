// nodetool repair's options, as the admin API passes them, and the ranges a repair covers: every range this node
// replicates (or, with -pr, the ranges it is the primary replica of), cut to -st/-et when given; each range's
// participants are its replicas, limited to the data centres of -dc/-local.
import { replicasFor } from '../cluster/replication.ts';
import type { RingEndpoint, TokenRing } from '../cluster/ring.ts';
import type { KeyspaceDef } from '../schema/model.ts';
import { intersect, type TokenRange } from '../streaming/ranges.ts';

export interface RepairOptions {
  keyspace?: string;
  tables: string[];
  primaryRange: boolean;
  full: boolean;
  /** -dc DC (repeatable) or, with -local, the local DC; empty: every DC. */
  dataCenters: string[];
  startToken?: bigint;
  endToken?: bigint;
}

/** A refusal of the options (nodetool prints it and exits non-zero). */
export class RepairOptionsError extends Error {
  override readonly name = 'RepairOptionsError';
}

export interface RangeReplicas {
  range: TokenRange;
  /** Ring endpoint ids (messenger endpoints) of the participants, this node first. */
  endpoints: string[];
}

/** The ranges of `ks` this node repairs and who takes part in each. */
export function repairRanges(ring: TokenRing, ks: KeyspaceDef, self: string, o: RepairOptions): RangeReplicas[] {
  const out: RangeReplicas[] = [];
  for (let i = 0; i < ring.size; i++) {
    const range = { left: ring.rangeStart(i), right: ring.tokens[i]! };
    const replicas: readonly RingEndpoint[] = replicasFor(ring, ks.strategy, range.right, { localId: self });
    if (!replicas.some((r) => r.id === self)) continue;
    if (o.primaryRange && replicas[0]!.id !== self) continue;
    const chosen = replicas.filter((r) => o.dataCenters.length === 0 || o.dataCenters.includes(r.dc));
    if (!chosen.some((r) => r.id === self)) continue;
    const endpoints = [self, ...chosen.map((r) => r.id).filter((id) => id !== self)];
    const pieces = o.startToken !== undefined && o.endToken !== undefined
      ? intersect(range, { left: o.startToken, right: o.endToken })
      : [range];
    for (const piece of pieces) out.push({ range: piece, endpoints });
  }
  return out;
}

/** Cassandra 4.0's rendering of RepairOption in "Starting repair command" (the options Sibyl has, at their values). */
export function describeOptions(o: RepairOptions, ranges: number): string {
  return `parallelism: parallel, primary range: ${o.primaryRange}, incremental: ${!o.full}, job threads: 1, ` +
    `ColumnFamilies: [${o.tables.join(', ')}], dataCenters: [${o.dataCenters.join(', ')}], hosts: [], previewKind: NONE, ` +
    `# of ranges: ${ranges}, pull repair: false, force repair: false, optimise streams: false, ignore unreplicated keyspaces: false`;
}
