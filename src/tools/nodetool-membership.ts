// nodetool's membership commands: `removenode <host id> | status | force`, `assassinate <ip>` and `gossipinfo`, in
// Cassandra 4's output shapes (RemoveNode prints "RemovalStatus: …" for status and force; GossipInfo prints each
// endpoint's generation, heartbeat and versioned application states, TOKENS hidden).
import type { Command } from 'commander';
import type { GossipInfoEntry } from '../server/admin-types.ts';
import { adminCall, type AdminResponseError } from './admin-client.ts';
import { run, target, withConn } from './nodetool.ts';

/** Cassandra's ApplicationState ordinals: gossipinfo lists an endpoint's states in this order. */
const STATE_ORDER = [
  'STATUS', 'LOAD', 'SCHEMA', 'DC', 'RACK', 'RELEASE_VERSION', 'REMOVAL_COORDINATOR', 'INTERNAL_IP', 'RPC_ADDRESS',
  'X_11_PADDING', 'SEVERITY', 'NET_VERSION', 'HOST_ID', 'TOKENS', 'RPC_READY', 'INTERNAL_ADDRESS_AND_PORT',
  'NATIVE_ADDRESS_AND_PORT', 'STATUS_WITH_PORT', 'SSTABLE_VERSIONS',
];
const ordinal = (key: string): number => {
  const i = STATE_ORDER.indexOf(key);
  return i < 0 ? STATE_ORDER.length : i;
};

export function formatGossipInfo(entries: GossipInfoEntry[]): string {
  let out = '';
  const byAddress = [...entries].sort((a, b) => a.address.localeCompare(b.address, 'en', { numeric: true }));
  for (const e of byAddress) {
    out += `/${e.address}\n  generation:${e.generation}\n  heartbeat:${e.heartbeat}\n`;
    const states = [...e.states].sort((a, b) => ordinal(a.key) - ordinal(b.key));
    for (const s of states) if (s.key !== 'TOKENS') out += `  ${s.key}:${s.version}:${s.value}\n`;
    const tokens = e.states.find((s) => s.key === 'TOKENS');
    out += tokens !== undefined ? `  TOKENS:${tokens.version}:<hidden>\n` : '  TOKENS: not present\n';
  }
  return out;
}

/** A refusal Cassandra raises inside the JMX call (UnsupportedOperationException): "error: <message>", exit 2. */
const operationError = (e: AdminResponseError): never => {
  process.stderr.write(`error: ${e.message}\n`);
  process.exit(2);
};

const LONG_MS = 24 * 3600_000;

export function registerMembershipCommands(nt: Command): void {
  withConn(nt.command('removenode'))
    .description('Show status of current node removal, force completion of pending removal or remove provided ID')
    .argument('<status|force|ID>', 'status, force, or the host id of the dead node to remove')
    .action(async (arg: string, _o: unknown, cmd: Command) => {
      const t = target(cmd);
      if (arg === 'status' || arg === 'force') {
        const path = arg === 'status' ? '/removenode' : '/removenode/force';
        await run(t, async () => `${(await adminCall<{ status: string }>(t.host, t.port, path, { method: arg === 'status' ? 'GET' : 'POST' })).status}\n`);
        return;
      }
      const path = `/removenode?hostId=${encodeURIComponent(arg)}`;
      await run(t, async () => (await adminCall(t.host, t.port, path, { method: 'POST', timeoutMs: LONG_MS }), ''), operationError);
    });

  withConn(nt.command('assassinate'))
    .description('Forcefully remove a dead node without re-replicating any data.  Use as a last resort if you cannot removenode')
    .argument('<ip_address>', 'IP address of the endpoint to assassinate')
    .action(async (ip: string, _o: unknown, cmd: Command) => {
      const t = target(cmd);
      const path = `/assassinate?address=${encodeURIComponent(ip)}`;
      await run(t, async () => (await adminCall(t.host, t.port, path, { method: 'POST', timeoutMs: LONG_MS }), ''), operationError);
    });

  withConn(nt.command('gossipinfo'))
    .description('Shows the gossip information for the cluster')
    .action(async (_o: unknown, cmd: Command) => {
      const t = target(cmd);
      await run(t, async () => formatGossipInfo(await adminCall<GossipInfoEntry[]>(t.host, t.port, '/gossipinfo')));
    });
}
