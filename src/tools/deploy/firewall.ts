// The seed's network requirements as rules: "only the application server farm has access to the database", "no public
// endpoints other than SSH", the cluster behind a load balancer. A node admits: SSH from anywhere; the native port
// (9042) from the web subnets and the internal load balancers (which proxy the web tier's connections); the internal
// (7000) and admin (7199) ports only from the other nodes. Everything else is dropped, as a cloud firewall does, so a
// refused peer sees a connect timeout rather than a reset. Rendered for nftables, which Debian and Ubuntu ship.
import { nodeHosts, type DeployLayout } from './layout.ts';

export interface Admission {
  /** Sources, as addresses or a.b.c.0/24 networks. */
  sources: string[];
  ports: number[];
  why: string;
}

/** What a node admits: the policy the nftables file, the NSGs and the security groups all render. */
export function nodeAdmissions(l: DeployLayout): Admission[] {
  const nodes = nodeHosts(l).map((h) => h.address);
  const clients = [...l.regions.map((r) => r.webSubnet.cidr), ...l.regions.flatMap((r) => (r.ilb ? [r.ilb] : []))];
  return [
    { sources: ['0.0.0.0/0'], ports: [l.ports.ssh], why: 'SSH: the only endpoint open beyond the cluster' },
    { sources: clients, ports: [l.ports.native], why: 'CQL from the application (web) subnets and the internal load balancer' },
    { sources: nodes, ports: [l.ports.storage, l.ports.admin], why: 'internode messaging and the admin API (nodetool), between nodes only' },
  ];
}

const set = (xs: readonly (string | number)[]): string => (xs.length === 1 ? String(xs[0]) : `{ ${xs.join(', ')} }`);

/** /etc/nftables.conf for a node: `nft -f` loads it, replacing only Sibyl's own table. */
export function renderNftables(l: DeployLayout, hostName: string): string {
  const lines = [
    '#!/usr/sbin/nft -f',
    `# Sibyl node ${hostName}: the seed's lock-down (rendered by \`sibyl deploy render\`).`,
    'table inet sibyl',
    'delete table inet sibyl',
    'table inet sibyl {',
    '  chain input {',
    '    type filter hook input priority 0; policy drop;',
    '    ct state established,related accept',
    '    iif "lo" accept',
    '    ip protocol icmp accept',
  ];
  for (const a of nodeAdmissions(l)) {
    lines.push(`    # ${a.why}`);
    const from = a.sources.includes('0.0.0.0/0') ? '' : `ip saddr ${set(a.sources)} `;
    lines.push(`    ${from}tcp dport ${set(a.ports)} accept`);
  }
  lines.push('  }', '}', '');
  return lines.join('\n');
}
