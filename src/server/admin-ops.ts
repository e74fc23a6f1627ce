// The admin API's operational commands: describering, version, compactionstats, compact, and switching the native
// transport and gossip off and on (nodetool disablebinary/enablebinary, disablegossip/enablegossip).
import { describeRing } from '../cluster/ownership.ts';
import type { NodeCore } from '../node/node-core.ts';
import { RELEASE_VERSION } from '../node/node-core.ts';
import type { StorageEngine } from '../storage/engine.ts';
import type { TableDef } from '../schema/model.ts';
import { AdminRequestError } from './admin.ts';
import type { AdminSource, DescribeRingReport } from './admin-types.ts';
import type { NodeLifecycle } from './lifecycle.ts';

type OpsAdmin = Required<Pick<AdminSource, 'describeRing' | 'version' | 'compactionStats' | 'compact' | 'setNativeTransport' | 'setGossip'>>;

export interface OpsDeps {
  core: NodeCore;
  storage: StorageEngine;
  lifecycle: NodeLifecycle;
  nowSec: () => number;
}

/** The tables `nodetool compact [keyspace [tables…]]` names (every non-system table without a keyspace). */
function tablesOf(core: NodeCore, keyspace: string | undefined, tables: string[]): TableDef[] {
  const schema = core.schema.current;
  if (keyspace === undefined) return [...schema.keyspaces.values()].filter((k) => !k.name.startsWith('system')).flatMap((k) => [...k.tables.values()]);
  const ks = schema.keyspaces.get(keyspace);
  if (ks === undefined) throw new AdminRequestError(`Keyspace [${keyspace}] does not exist.`);
  if (tables.length === 0) return [...ks.tables.values()];
  return tables.map((name) => {
    const t = ks.tables.get(name);
    if (t === undefined) throw new AdminRequestError(`Unknown keyspace/cf pair (${keyspace}.${name})`);
    return t;
  });
}

export function opsAdmin(d: OpsDeps): OpsAdmin {
  return {
    describeRing(keyspace: string): DescribeRingReport {
      const ks = d.core.schema.current.keyspaces.get(keyspace);
      if (ks === undefined) throw new AdminRequestError(`The keyspace ${keyspace}, does not exist`);
      if (ks.strategy.kind === 'local') throw new AdminRequestError(`There is no ring for the keyspace: ${keyspace}`);
      return { schemaVersion: d.core.schema.version, ranges: describeRing(d.core.membership.ring(), ks.replication) };
    },
    version: () => ({ releaseVersion: RELEASE_VERSION }),
    // Sibyl's data files are one LMDB per node, compacted only when asked: nothing is ever pending or running.
    compactionStats: () => ({ pendingTasks: 0 }),
    async compact(keyspace: string | undefined, tables: string[]): Promise<void> {
      for (const t of tablesOf(d.core, keyspace, tables)) await d.storage.compact(t, d.nowSec());
    },
    async setNativeTransport(on: boolean): Promise<void> {
      if (on) await d.lifecycle.startNativeTransport();
      else await d.lifecycle.stopNativeTransport();
    },
    async setGossip(on: boolean): Promise<void> {
      if (on) await d.lifecycle.startGossip();
      else await d.lifecycle.stopGossip();
    },
  };
}
