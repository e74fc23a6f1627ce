// CIDRs and CIDR groups (src/auth/cidr.ts): parsing with Cassandra's messages, IPv4 and IPv6, IPv4-mapped
// addresses, and the longest-prefix lookup of CassandraCIDRAuthorizer's groups table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CidrFormatError, CidrGroupTable, cidrContains, formatCidr, parseCidr, parseIp } from '../../src/auth/cidr.ts';

test('CIDRs parse to their first address, IPv4 and IPv6', () => {
  assert.equal(formatCidr(parseCidr('10.20.30.5/24')), '10.20.30.0/24');
  assert.equal(formatCidr(parseCidr('127.0.82.100/32')), '127.0.82.100/32');
  assert.equal(formatCidr(parseCidr('0.0.0.0/0')), '0.0.0.0/0');
  // Java's getHostAddress: uncompressed groups without leading zeros.
  assert.equal(formatCidr(parseCidr('2001:3002::/16')), '2001:0:0:0:0:0:0:0/16');
  assert.equal(formatCidr(parseCidr('1111:2222:3333:4444:5555:6666:7777:8888/106')), '1111:2222:3333:4444:5555:6666:7740:0/106');
  assert.equal(formatCidr(parseCidr('::1/128')), '0:0:0:0:0:0:0:1/128');
  // An IPv4-mapped IPv6 CIDR is IPv4 with 96 bits less of mask, as CIDR.getInstance has it.
  assert.equal(formatCidr(parseCidr('::ffff:192.1.56.10/120')), '192.1.56.0/24');
});

test('bad CIDRs are refused with CIDR.getInstance\'s messages', () => {
  const refused = (text: string, message: string): void => {
    assert.throws(() => parseCidr(text), (e: unknown) => e instanceof CidrFormatError && (e as Error).message === message, text);
  };
  refused('10.0.0.0', '10.0.0.0 is not a valid CIDR String');
  refused('', ' is not a valid CIDR String');
  refused('10.0.0.0/8/1', '10.0.0.0/8/1 is not a valid CIDR String');
  refused('10.20.30.5/33', 'Invalid netmask 33 for IP 10.20.30.5');
  refused('::1/129', 'Invalid netmask 129 for IP 0:0:0:0:0:0:0:1');
  assert.throws(() => parseCidr('300.1.1.1/8'), CidrFormatError);
  assert.throws(() => parseCidr('1:2:3/8'), CidrFormatError);
});

test('addresses: IPv4, IPv6 (compressed or not), IPv4-mapped as IPv4', () => {
  assert.deepEqual(parseIp('127.0.82.100'), { family: 4, value: 0x7f005264n });
  assert.deepEqual(parseIp('::ffff:127.0.82.100'), { family: 4, value: 0x7f005264n });
  assert.deepEqual(parseIp('::1'), { family: 6, value: 1n });
  assert.deepEqual(parseIp('0:0:0:0:0:0:0:1'), { family: 6, value: 1n });
  assert.equal(parseIp('fe80::1%eth0')?.family, 6);
  assert.equal(parseIp('1:2:3:4:5:6:7:8:9'), undefined);
  assert.equal(parseIp('1::2::3'), undefined);
  assert.equal(parseIp('localhost'), undefined);
  assert.equal(cidrContains(parseCidr('10.0.0.0/8'), parseIp('10.255.1.2')!), true);
  assert.equal(cidrContains(parseCidr('10.0.0.0/8'), parseIp('11.0.0.1')!), false);
  // Families never match each other.
  assert.equal(cidrContains(parseCidr('::/0'), parseIp('10.0.0.1')!), false);
});

test('the groups of the longest matching prefix win', () => {
  const table = new CidrGroupTable(new Map([
    ['wide', [parseCidr('10.0.0.0/8'), parseCidr('2001:db8::/32')]],
    ['office', [parseCidr('10.1.0.0/16')]],
    ['desk', [parseCidr('10.1.2.3/32')]],
    ['alsodesk', [parseCidr('10.1.2.3/32')]],
    ['lab', [parseCidr('2001:db8:1::/48')]],
    ['everything4', [parseCidr('0.0.0.0/0')]],
  ]));
  assert.deepEqual([...table.lookup('10.1.2.3')].sort(), ['alsodesk', 'desk']);
  assert.deepEqual([...table.lookup('10.1.2.4')], ['office']);
  assert.deepEqual([...table.lookup('10.200.0.1')], ['wide']);
  assert.deepEqual([...table.lookup('192.168.0.1')], ['everything4']);
  assert.deepEqual([...table.lookup('::ffff:10.1.9.9')], ['office']);
  assert.deepEqual([...table.lookup('2001:db8:1:2::5')], ['lab']);
  assert.deepEqual([...table.lookup('2001:db8:2::5')], ['wide']);
  assert.deepEqual([...table.lookup('2002::1')], []);
  assert.deepEqual([...table.lookup('not an address')], []);
});
