// The admin API's streaming and repair commands (nodetool netstats, nodetool repair), served from the node's
// StreamService and RepairService.
import type { NodeCore } from '../node/node-core.ts';
import { RepairOptionsError, type RepairOptions } from '../repair/options.ts';
import { DecommissionError } from '../bootstrap/decommission.ts';
import { CleanupError } from '../bootstrap/cleanup.ts';
import { RebuildError } from '../bootstrap/rebuild.ts';
import { RemovalError } from '../bootstrap/removenode.ts';
import { MAX_TOKEN, MIN_TOKEN } from '../model/murmur3.ts';
import { AdminRequestError } from './admin.ts';
import type { AdminSource, NetstatsReport, RepairReport, RepairRequest } from './admin-types.ts';

const peerAddress = (endpoint: string): string => `/${endpoint.replace(/:\d+$/, '')}`;

function token(name: string, v: string | undefined): bigint | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new AdminRequestError(`${name}: not a token: ${v}`);
  const t = BigInt(v);
  if (t < MIN_TOKEN || t > MAX_TOKEN) throw new AdminRequestError(`${name}: token ${v} outside the Murmur3 range`);
  return t;
}

export function repairOptions(req: RepairRequest, localDc: string): RepairOptions {
  if (req.local && req.dataCenters.length > 0) throw new AdminRequestError('Cannot combine -dc and -local options');
  if ((req.startToken === undefined) !== (req.endToken === undefined)) throw new AdminRequestError('-st and -et must be given together');
  if (req.tables.length > 0 && req.keyspace === undefined) throw new AdminRequestError('tables given without a keyspace');
  return {
    keyspace: req.keyspace, tables: req.tables, primaryRange: req.primaryRange, full: req.full,
    dataCenters: req.local ? [localDc] : req.dataCenters.flatMap((d) => d.split(',')).filter((d) => d !== ''),
    startToken: token('-st', req.startToken), endToken: token('-et', req.endToken),
  };
}

function mode(core: NodeCore): NetstatsReport['mode'] {
  if (core.leaving !== undefined) return core.leaving;
  const phase = core.bootstrap?.phase;
  return phase !== undefined && phase !== 'normal' && phase !== 'failed' ? 'JOINING' : 'NORMAL';
}

type LifecycleAdmin = Required<Pick<AdminSource, 'netstats' | 'repair' | 'decommission' | 'cleanup' | 'rebuild' | 'removeNode' | 'removalStatus' | 'assassinate' | 'gossipInfo'>>;

/** Cassandra reports these as an exception of the JMX call: nodetool prints "error: <message>" and exits 2. */
const CONFLICT = 409;

async function removal<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof RemovalError) throw new AdminRequestError(e.message, CONFLICT);
    throw e;
  }
}

function membershipAdmin(core: NodeCore): Pick<LifecycleAdmin, 'removeNode' | 'removalStatus' | 'assassinate' | 'gossipInfo'> {
  return {
    removeNode: (hostId) => removal(() => core.removals.removeNode(hostId)),
    removalStatus(force: boolean): string {
      const line = `RemovalStatus: ${core.removals.status()}`;
      if (force) core.removals.force();
      return line;
    },
    assassinate: (ip) => removal(() => core.removals.assassinate(ip, core.settings.ringDelayMs ?? 30_000, (ep) => core.membership.gossiper.state(ep))),
    gossipInfo: () => core.membership.gossiper.dump().map((e) => ({
      address: e.endpoint.replace(/:\d+$/, ''), generation: e.generation, heartbeat: e.heartbeat, states: e.states,
    })),
  };
}

export function lifecycleAdmin(core: NodeCore): LifecycleAdmin {
  return {
    ...membershipAdmin(core),
    async rebuild(sourceDc: string | undefined): Promise<void> {
      try {
        await core.rebuild(sourceDc);
      } catch (e) {
        if (e instanceof RebuildError) throw new AdminRequestError(e.message);
        throw e;
      }
    },
    async cleanup(keyspace: string | undefined, tables: string[]): Promise<void> {
      try {
        await core.cleanup(keyspace, tables);
      } catch (e) {
        if (e instanceof CleanupError) throw new AdminRequestError(e.message);
        throw e;
      }
    },
    async decommission(): Promise<void> {
      try {
        await core.decommission();
      } catch (e) {
        if (e instanceof DecommissionError) throw new AdminRequestError(e.message);
        throw e;
      }
    },
    netstats(): NetstatsReport {
      const plans = core.streaming.netstats().map((p) => ({
        ...p, sessions: p.sessions.map((s) => ({ ...s, peer: peerAddress(s.peer) })),
      }));
      return { mode: mode(core), plans };
    },
    async repair(req: RepairRequest): Promise<RepairReport> {
      try {
        const r = await core.repair.repair(repairOptions(req, core.settings.dataCenter));
        return { lines: r.lines, failed: r.failed };
      } catch (e) {
        if (e instanceof RepairOptionsError) throw new AdminRequestError(e.message);
        throw e;
      }
    },
  };
}
