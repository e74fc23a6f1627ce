// internode_encryption as a predicate on peers, and the check of a connecting peer's certificate against the cluster CA.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { after, test } from 'node:test';
import { caCertificates, encryptionPolicy, untrusted } from '../../src/messaging/internode-tls.ts';
import { makeClusterCerts } from '../helpers/certs.ts';

const dir = mkdtempSync(join(tmpdir(), 'sibyl-internode-tls-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('internode_encryption: all, none, dc, rack; an unknown location counts as elsewhere', () => {
  const where: Record<string, { dc: string; rack: string }> = {
    'a:7000': { dc: 'dc1', rack: 'r1' }, 'b:7000': { dc: 'dc1', rack: 'r2' }, 'c:7000': { dc: 'dc2', rack: 'r1' },
  };
  const self = { dc: 'dc1', rack: 'r1' };
  const at = (mode: 'none' | 'dc' | 'rack' | 'all') => {
    const must = encryptionPolicy(mode, self, (ep) => where[ep]);
    return ['a:7000', 'b:7000', 'c:7000', 'unknown:7000'].map(must);
  };
  assert.deepEqual(at('none'), [false, false, false, false]);
  assert.deepEqual(at('all'), [true, true, true, true]);
  assert.deepEqual(at('dc'), [false, false, true, true]);
  assert.deepEqual(at('rack'), [false, true, true, true]);
});

test('a certificate must be signed by the cluster CA and valid now', () => {
  const ours = makeClusterCerts(mkdtempSync(join(dir, 'a-')), ['127.0.0.1']);
  const theirs = makeClusterCerts(mkdtempSync(join(dir, 'b-')), ['127.0.0.1'], 'another-ca');
  const leaf = (path: string) => new X509Certificate(readFileSync(path, 'utf8').slice(readFileSync(path, 'utf8').indexOf('-----BEGIN CERTIFICATE')));
  const cas = caCertificates(ours.caPem);
  assert.equal(untrusted(leaf(ours.keystores.get('127.0.0.1')!), cas), undefined);
  assert.match(untrusted(leaf(theirs.keystores.get('127.0.0.1')!), cas) ?? '', /not signed by the cluster CA/);
  assert.match(untrusted(leaf(ours.keystores.get('127.0.0.1')!), cas, new Date(Date.now() + 10 * 86_400_000)) ?? '', /not valid now/);
});
