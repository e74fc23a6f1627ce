// Security settings fail closed: a cassandra.yaml asking for TLS, authentication, authorization or auditing that
// Sibyl does not implement (or for an authorizer without the authenticator it needs) stops the node at start,
// naming the key; the same settings at their disabled defaults (a stock cassandra.yaml) load. Node processes here
// use 127.0.19.1.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigLoadError, loadConfig } from '../../src/server/config.ts';
import { startNodeProcess } from '../helpers/node-process.ts';
import { connectClient, nodeConfig } from '../fixtures/driver.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function load(yaml: string): ReturnType<typeof loadConfig> {
  const dir = mkdtempSync(join(tmpdir(), 'sibyl-config-security-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'cassandra.yaml'), yaml);
  return loadConfig(join(dir, 'cassandra.yaml'));
}

/** Cassandra 5.0's conf/cassandra.yaml security sections, at the values it ships with. */
const STOCK = `
authenticator:
  class_name: AllowAllAuthenticator
authorizer:
  class_name: AllowAllAuthorizer
role_manager:
  class_name: CassandraRoleManager
  parameters:
network_authorizer:
  class_name: AllowAllNetworkAuthorizer
cidr_authorizer:
  class_name: AllowAllCIDRAuthorizer
crypto_provider:
  - class_name: org.apache.cassandra.security.DefaultCryptoProvider
    parameters:
      - fail_on_missing_provider: "false"
server_encryption_options:
  internode_encryption: none
  legacy_ssl_storage_port_enabled: false
  keystore: conf/.keystore
  require_client_auth: false
  truststore: conf/.truststore
  require_endpoint_verification: false
client_encryption_options:
  enabled: false
  keystore: conf/.keystore
  require_client_auth: false
transparent_data_encryption_options:
  enabled: false
  chunk_length_kb: 64
  cipher: AES/CBC/PKCS5Padding
  key_alias: testing:1
  key_provider:
    - class_name: org.apache.cassandra.security.JKSKeyProvider
      parameters:
        - keystore: conf/.keystore
          keystore_password: cassandra
          store_type: JCEKS
          key_password: cassandra
audit_logging_options:
  enabled: false
  logger:
    - class_name: BinAuditLogger
`;

/** Each yaml asks for something Sibyl cannot do; the node must refuse it, naming `key`. */
const REFUSED: Array<{ yaml: string; key: string; message: RegExp }> = [
  { yaml: 'client_encryption_options:\n  enabled: true\n  keystore: conf/.keystore\n', key: 'client_encryption_options.keystore', message: /conf\/\.keystore cannot be read/ },
  { yaml: 'client_encryption_options:\n  enabled: false\n  optional: true\n', key: 'client_encryption_options.keystore', message: /the path of a PEM file/ },
  { yaml: 'client_encryption_options:\n  enabled: "true"\n', key: 'client_encryption_options.keystore', message: /the path of a PEM file/ },
  { yaml: 'client_encryption_options:\n  require_endpoint_verification: true\n', key: 'client_encryption_options.require_endpoint_verification', message: /not supported yet/ },
  { yaml: 'server_encryption_options:\n  internode_encryption: all\n', key: 'server_encryption_options.keystore', message: /the path of a PEM file/ },
  { yaml: 'server_encryption_options:\n  internode_encryption: dc\n  keystore: conf/.keystore\n', key: 'server_encryption_options.keystore', message: /conf\/\.keystore cannot be read/ },
  { yaml: 'server_encryption_options:\n  require_endpoint_verification: true\n', key: 'server_encryption_options.require_endpoint_verification', message: /not supported yet/ },
  { yaml: 'server_encryption_options:\n  enabled: true\n', key: 'server_encryption_options.enabled', message: /not supported yet/ },
  { yaml: 'server_encryption_options:\n  legacy_ssl_storage_port_enabled: true\n', key: 'server_encryption_options.legacy_ssl_storage_port_enabled', message: /not supported yet/ },
  { yaml: 'server_encryption_options:\n  internode_encryption: sometimes\n', key: 'server_encryption_options.internode_encryption', message: /must be none, dc, rack or all/ },
  { yaml: 'native_transport_port_ssl: 9142\n', key: 'native_transport_port_ssl', message: /9142 is not supported yet/ },
  { yaml: 'authenticator:\n  class_name: org.apache.cassandra.auth.MutualTlsAuthenticator\n', key: 'authenticator', message: /MutualTlsAuthenticator is not supported yet/ },
  { yaml: 'authorizer: CassandraAuthorizer\n', key: 'authorizer', message: /AllowAllAuthenticator can't be used with CassandraAuthorizer/ },
  { yaml: 'authorizer:\n  class_name: org.apache.cassandra.auth.CassandraAuthorizer\n', key: 'authorizer', message: /CassandraAuthorizer/ },
  { yaml: 'authorizer: com.example.LdapAuthorizer\n', key: 'authorizer', message: /LdapAuthorizer is not supported yet .*use AllowAllAuthorizer or CassandraAuthorizer/ },
  { yaml: 'role_manager: com.example.LdapRoleManager\n', key: 'role_manager', message: /LdapRoleManager is not supported yet .*use CassandraRoleManager/ },
  { yaml: 'network_authorizer: CassandraNetworkAuthorizer\n', key: 'network_authorizer', message: /CassandraNetworkAuthorizer can't be used with AllowAllAuthenticator/ },
  { yaml: 'cidr_authorizer:\n  class_name: CassandraCIDRAuthorizer\n', key: 'cidr_authorizer', message: /CassandraCIDRAuthorizer can't be used with AllowAllAuthenticator/ },
  { yaml: 'network_authorizer: com.example.GeoNetworkAuthorizer\n', key: 'network_authorizer', message: /GeoNetworkAuthorizer is not supported yet .*use AllowAllNetworkAuthorizer or CassandraNetworkAuthorizer/ },
  { yaml: 'cidr_authorizer:\n  class_name: com.example.GeoCIDRAuthorizer\n', key: 'cidr_authorizer', message: /use AllowAllCIDRAuthorizer or CassandraCIDRAuthorizer/ },
  { yaml: 'authenticator: PasswordAuthenticator\ncidr_authorizer:\n  class_name: CassandraCIDRAuthorizer\n  parameters:\n    cidr_authorizer_mode: BLOCK\n', key: 'cidr_authorizer', message: /cidr_authorizer_mode BLOCK: expected MONITOR or ENFORCE/ },
  { yaml: 'authenticator: PasswordAuthenticator\ncidr_authorizer:\n  class_name: CassandraCIDRAuthorizer\n  parameters:\n    ip_cache_max_size: lots\n', key: 'cidr_authorizer.parameters.ip_cache_max_size', message: /non-negative whole number/ },
  { yaml: 'internode_authenticator: com.example.CertInternodeAuthenticator\n', key: 'internode_authenticator', message: /use AllowAllInternodeAuthenticator/ },
  { yaml: 'audit_logging_options:\n  enabled: true\n  logger:\n    - class_name: com.example.KafkaAuditLogger\n', key: 'audit_logging_options.logger', message: /KafkaAuditLogger is not supported yet/ },
  { yaml: 'transparent_data_encryption_options:\n  enabled: true\n', key: 'transparent_data_encryption_options.enabled', message: /unencrypted/ },
  { yaml: 'dynamic_data_masking_enabled: true\n', key: 'dynamic_data_masking_enabled', message: /not supported yet/ },
  { yaml: 'jmx_server_options:\n  remote: true\n', key: 'jmx_server_options.remote', message: /admin API/ },
  { yaml: 'client_encryption_options:\n  enabled: maybe\n', key: 'client_encryption_options.enabled', message: /must be true or false/ },
];

describe('security settings in cassandra.yaml', () => {
  test('a stock Cassandra 5.0 cassandra.yaml security section loads without warnings about it', () => {
    const c = load(STOCK);
    assert.equal(c.authenticator, 'AllowAllAuthenticator');
    assert.deepEqual(c.warnings.filter((w) => !/crypto_provider/.test(w)), []);
  });

  test('PasswordAuthenticator loads, in each of its forms', () => {
    assert.equal(load('authenticator: PasswordAuthenticator\n').authenticator, 'PasswordAuthenticator');
    assert.equal(load('authenticator: org.apache.cassandra.auth.PasswordAuthenticator\n').authenticator, 'PasswordAuthenticator');
    assert.equal(load('authenticator:\n  class_name: PasswordAuthenticator\n').authenticator, 'PasswordAuthenticator');
    assert.equal(load('authenticator: PasswordAuthenticator\nauthorizer: CassandraAuthorizer\n').authorizer, 'CassandraAuthorizer');
  });

  test('CassandraNetworkAuthorizer and CassandraCIDRAuthorizer load with PasswordAuthenticator, parameters as Cassandra reads them', () => {
    const c = load('authenticator: PasswordAuthenticator\nnetwork_authorizer: org.apache.cassandra.auth.CassandraNetworkAuthorizer\n'
      + 'cidr_authorizer:\n  class_name: CassandraCIDRAuthorizer\n  parameters:\n    cidr_checks_for_superusers: "true"\n'
      + '    cidr_authorizer_mode: enforce\n    cidr_groups_cache_refresh_interval: 2\n    ip_cache_max_size: 10\n');
    assert.equal(c.networkAuthorizer, 'CassandraNetworkAuthorizer');
    assert.deepEqual(c.cidrAuthorizer, { mode: 'ENFORCE', checksForSuperusers: true, refreshIntervalMs: 120_000, ipCacheMaxSize: 10 });
    // Without parameters: Cassandra 5.0's defaults (MONITOR, superusers exempt, 5 minutes, 100 addresses).
    const d = load('authenticator: PasswordAuthenticator\ncidr_authorizer:\n  class_name: CassandraCIDRAuthorizer\n');
    assert.equal(d.networkAuthorizer, 'AllowAllNetworkAuthorizer');
    assert.deepEqual(d.cidrAuthorizer, { mode: 'MONITOR', checksForSuperusers: false, refreshIntervalMs: 300_000, ipCacheMaxSize: 100 });
    assert.equal(load(STOCK).cidrAuthorizer, undefined);
  });

  test('pre-5.0 string forms of the default classes load', () => {
    const c = load('authenticator: org.apache.cassandra.auth.AllowAllAuthenticator\nauthorizer: AllowAllAuthorizer\n'
      + 'role_manager: org.apache.cassandra.auth.CassandraRoleManager\ninternode_authenticator: AllowAllInternodeAuthenticator\n');
    assert.deepEqual(c.warnings, []);
  });

  for (const { yaml, key, message } of REFUSED) {
    test(`refused: ${yaml.replace(/\n\s*/g, ' ').trim()}`, () => {
      assert.throws(() => load(yaml), (e: unknown) => {
        assert.ok(e instanceof ConfigLoadError, `expected ConfigLoadError, got ${String(e)}`);
        assert.equal(e.key, key);
        assert.match(e.message, /^Invalid yaml: /);
        assert.match(e.message, message);
        return true;
      });
    });
  }
});

describe('a node with security settings it cannot honour does not start', { timeout: 120_000 }, () => {
  test('TLS, authorization and auditing stop the node (exit 1, key on stderr); the stock section serves clients', async () => {
    const node = await startNodeProcess({ address: '127.0.19.1', config: nodeConfig(), logLevel: 'warn' });
    assert.equal(await node.stop(), 0);
    const base = readFileSync(node.configPath, 'utf8');
    const refused: Array<[string, string]> = [
      ['native_transport_port_ssl: 9142\n', 'native_transport_port_ssl'],
      ['server_encryption_options:\n  legacy_ssl_storage_port_enabled: true\n', 'server_encryption_options.legacy_ssl_storage_port_enabled'],
      ['network_authorizer: com.example.GeoNetworkAuthorizer\n', 'network_authorizer'],
      ['transparent_data_encryption_options:\n  enabled: true\n', 'transparent_data_encryption_options.enabled'],
    ];
    for (const [yaml, key] of refused) {
      writeFileSync(node.configPath, base + yaml);
      await assert.rejects(node.start(), (e: Error) => {
        assert.match(e.message, /exited with code 1/, `${key}: ${e.message}`);
        assert.match(node.stderr, new RegExp(`sibyl: Invalid yaml: ${key.replace(/\./g, '\\.')} .*not supported yet`));
        return true;
      });
      assert.equal(node.pid, undefined, `${key}: no process left running`);
      await assert.rejects(connectClient(node.address), `${key}: nothing serves ${node.address}:9042`);
    }
    // The stock section sets authenticator itself (yaml keys must be unique).
    writeFileSync(node.configPath, base.replace(/^authenticator: .*\n/m, ''));
    appendFileSync(node.configPath, STOCK);
    await node.start();
    const client = await connectClient(node.address);
    try {
      const rs = await client.execute('SELECT release_version FROM system.local');
      assert.equal(rs.rowLength, 1);
    } finally {
      await client.shutdown();
    }
    assert.equal(await node.stop(), 0);
  });
});
