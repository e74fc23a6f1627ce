// nodetool's CIDR group commands in Cassandra 5.0's shapes (UpdateCIDRGroup, DropCIDRGroup, ListCIDRGroups,
// GetCIDRGroupsOfIP, ReloadCIDRGroupsCache), over the admin API's routes (server/admin-cidr.ts). Lists print as
// CommandUtils.printSet does: a `Name: ` heading and one value a line, nothing at all for an empty set.
import type { Command } from 'commander';
import { adminCall } from './admin-client.ts';
import { run, target, usage, withConn, type Target } from './nodetool.ts';

export function printSet(heading: string, values: readonly string[]): string {
  return values.length === 0 ? '' : `${heading}: \n${values.map((v) => `${v}\n`).join('')}`;
}

/** A command of one argument, refused with Cassandra's checkArgument message (a usage error) otherwise. */
function oneArgument(nt: Command, name: string, description: string, label: string, message: string, body: (t: Target, arg: string) => Promise<string>): void {
  withConn(nt.command(name))
    .description(description)
    .argument('[args...]', label)
    .action(async (args: string[], _o: unknown, cmd: Command) => {
      const t = target(cmd);
      if (args.length !== 1) usage(message);
      await run(t, () => body(t, args[0]!));
    });
}

export function registerCidrCommands(nt: Command): void {
  withConn(nt.command('updatecidrgroup'))
    .description('Insert/Update a cidr group')
    .argument('[args...]', '<cidrGroup> <cidr> ...')
    .action(async (args: string[], _o: unknown, cmd: Command) => {
      const t = target(cmd);
      if (args.length < 2) usage('updatecidrgroup command requires a cidr group name and atleast one CIDR');
      const q = new URLSearchParams({ group: args[0]! });
      for (const c of args.slice(1)) q.append('cidr', c);
      await run(t, async () => (await adminCall(t.host, t.port, `/updatecidrgroup?${q.toString()}`, { method: 'POST' }), ''));
    });

  oneArgument(nt, 'dropcidrgroup', 'Drop an existing cidr group', '<cidrGroup>', 'dropcidrgroup command requires a cidr group name',
    async (t, group) => {
      await adminCall(t.host, t.port, `/dropcidrgroup?${new URLSearchParams({ group }).toString()}`, { method: 'POST' });
      return `Deleted CIDR group ${group}\n`;
    });

  withConn(nt.command('listcidrgroups'))
    .description('List existing cidr groups')
    .argument('[cidrGroup]')
    .action(async (group: string | undefined, _o: unknown, cmd: Command) => {
      const t = target(cmd);
      const path = group ? `/cidrgroups?${new URLSearchParams({ group }).toString()}` : '/cidrgroups';
      await run(t, async () => printSet(group ? 'CIDRs' : 'CIDR Groups', await adminCall<string[]>(t.host, t.port, path)));
    });

  oneArgument(nt, 'getcidrgroupsofip', 'Print CIDR groups associated with given IP', '<ip_address>', 'Requires IP address as input',
    async (t, ip) => printSet('CIDR Groups', await adminCall<string[]>(t.host, t.port, `/cidrgroupsofip?${new URLSearchParams({ ip }).toString()}`)));

  withConn(nt.command('reloadcidrgroupscache'))
    .description('Reload CIDR groups cache with latest entries in cidr_groups table, when CIDR authorizer is enabled')
    .action(async (_o: unknown, cmd: Command) => {
      const t = target(cmd);
      await run(t, async () => (await adminCall(t.host, t.port, '/reloadcidrgroupscache', { method: 'POST' }), 'Reloaded CIDR groups cache\n'));
    });
}
