// CIDRs and CIDR groups as Cassandra 5.0's CIDR authorizer knows them (cql3/CIDR.java, CIDRGroupsMappingTable): an
// address and a netmask, kept as the first address of the range; a client address belongs to the groups of the
// longest prefix that contains it (IPv4 and IPv6 looked up apart, an IPv4-mapped IPv6 address as its IPv4 one).
// Pure: parsing and matching over bigint, no sockets; addresses are read and written as Cassandra's inet type does
// (model/values/codec.ts: InetAddress.getByName's literals, getHostAddress's spelling).
import { inetToString, parseInet } from '../model/values/codec.ts';

export interface Cidr {
  family: 4 | 6;
  /** The first address of the range (the given address with the host bits cleared). */
  start: bigint;
  netMask: number;
}

/** Raised for a CIDR or IP string Cassandra's CIDR.getInstance would refuse (IllegalArgumentException). */
export class CidrFormatError extends Error {}

const MAPPED_PREFIX = 0xffffn << 32n;

/** An IP address; an IPv4-mapped IPv6 address (::ffff:a.b.c.d, how Node reports IPv4 clients of a dual-stack socket) is IPv4. */
export function parseIp(text: string): { family: 4 | 6; value: bigint } | undefined {
  const buf = parseInet(text.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  if (buf === undefined) return undefined;
  const value = BigInt(`0x${buf.toString('hex')}`);
  if (buf.length === 4) return { family: 4, value };
  if (value >> 32n === MAPPED_PREFIX >> 32n) return { family: 4, value: value & 0xffffffffn };
  return { family: 6, value };
}

const bitsOf = (family: 4 | 6): number => (family === 4 ? 32 : 128);

function mask(family: 4 | 6, netMask: number): bigint {
  const bits = BigInt(bitsOf(family));
  const host = bits - BigInt(netMask);
  return ((1n << bits) - 1n) ^ ((1n << host) - 1n);
}

/** `ip/netmask`, with Cassandra's messages for what it refuses. */
export function parseCidr(text: string): Cidr {
  const parts = text.split('/');
  if (text === '' || parts.length !== 2) throw new CidrFormatError(`${text} is not a valid CIDR String`);
  if (!/^-?\d+$/.test(parts[1]!)) throw new CidrFormatError(`For input string: "${parts[1]}"`);
  let netMask = Number(parts[1]);
  const ip = parseIp(parts[0]!);
  if (ip === undefined) throw new CidrFormatError(`${parts[0]} is not a valid IP address`);
  // An IPv4-mapped IPv6 CIDR is taken as IPv4, its mask shortened by the 96 bits of the mapping, as Cassandra does.
  if (ip.family === 4 && parts[0]!.includes(':')) netMask -= 96;
  if (netMask < 0 || netMask > bitsOf(ip.family)) throw new CidrFormatError(`Invalid netmask ${netMask} for IP ${formatIp(ip.family, ip.value)}`);
  return { family: ip.family, start: ip.value & mask(ip.family, netMask), netMask };
}

/** The address as Java's getHostAddress writes it (IPv6 uncompressed, groups without leading zeros). */
export function formatIp(family: 4 | 6, value: bigint): string {
  return inetToString(Buffer.from(value.toString(16).padStart(family === 4 ? 8 : 32, '0'), 'hex'));
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.family, c.start)}/${c.netMask}`;
}

export function cidrContains(c: Cidr, ip: { family: 4 | 6; value: bigint }): boolean {
  return c.family === ip.family && (ip.value & mask(c.family, c.netMask)) === c.start;
}

/**
 * CIDR groups → CIDRs, looked up by longest prefix: the groups of the most specific CIDR containing an address
 * (several groups may hold that same CIDR). Built once per refresh of system_auth.cidr_groups.
 */
export class CidrGroupTable {
  /** Per family, netmask → start address → groups, netmasks longest first. */
  private readonly byFamily = new Map<4 | 6, Array<{ netMask: number; starts: Map<bigint, Set<string>> }>>();

  constructor(groups: ReadonlyMap<string, readonly Cidr[]>) {
    for (const [group, cidrs] of groups) {
      for (const c of cidrs) {
        let levels = this.byFamily.get(c.family);
        if (levels === undefined) this.byFamily.set(c.family, (levels = []));
        let level = levels.find((l) => l.netMask === c.netMask);
        if (level === undefined) levels.push((level = { netMask: c.netMask, starts: new Map() }));
        let set = level.starts.get(c.start);
        if (set === undefined) level.starts.set(c.start, (set = new Set()));
        set.add(group);
      }
    }
    for (const levels of this.byFamily.values()) levels.sort((a, b) => b.netMask - a.netMask);
  }

  /** The groups of the longest matching prefix; empty when no CIDR contains the address (or it is not an IP). */
  lookup(address: string): Set<string> {
    const ip = parseIp(address);
    if (ip === undefined) return new Set();
    for (const level of this.byFamily.get(ip.family) ?? []) {
      const hit = level.starts.get(ip.value & mask(ip.family, level.netMask));
      if (hit !== undefined) return new Set(hit);
    }
    return new Set();
  }
}
