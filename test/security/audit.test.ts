// The audit log on a real node (127.0.56.70) with PasswordAuthenticator and CassandraAuthorizer: logins (failed and
// successful), DDL, DCL (password hidden), DML, queries and an unauthorized attempt, each one line in Cassandra's
// FileAuditLogger format with user and source address; system keyspaces excluded by default.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Client } from 'cassandra-driver';
import { startNodeProcess } from '../helpers/node-process.ts';
import { login as loginAs } from '../helpers/login.ts';
import { DC, nodeConfig, sleep } from '../fixtures/driver.ts';

const NODE = '127.0.56.70';
const dir = mkdtempSync(join(tmpdir(), 'sibyl-audit-'));
const clients: Client[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
  rmSync(dir, { recursive: true, force: true });
});

async function login(user: string, password: string, attempts = 1): Promise<Client> {
  return loginAs({ clients, client: { contactPoints: [NODE], localDataCenter: DC }, user, password, attempts });
}

test('audit.log records each event with user, source and outcome', { timeout: 90_000 }, async () => {
  const filter = { includedKeyspaces: [], excludedKeyspaces: ['system', 'system_schema', 'system_virtual_schema'], includedCategories: [],
    excludedCategories: [], includedUsers: [], excludedUsers: [] };
  await startNodeProcess({ address: NODE, logLevel: 'warn', config: nodeConfig({
    authenticator: 'PasswordAuthenticator', authorizer: 'CassandraAuthorizer', auditLog: { dir, filter },
  }) });
  const admin = await login('cassandra', 'cassandra', 40);
  await login('cassandra', 'wrong').catch(() => undefined);
  await admin.execute("CREATE KEYSPACE a WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await admin.execute('CREATE TABLE a.t (k int PRIMARY KEY, v text)');
  await admin.execute("INSERT INTO a.t (k, v) VALUES (1, 'x')");
  await admin.execute('SELECT * FROM a.t WHERE k = 1');
  await admin.batch([{ query: "INSERT INTO a.t (k, v) VALUES (2, 'y')" }, { query: "INSERT INTO a.t (k, v) VALUES (3, 'z')" }]);
  await admin.execute("CREATE ROLE app WITH PASSWORD = 'secret-pw' AND LOGIN = true");
  const app = await login('app', 'secret-pw');
  await app.execute('SELECT * FROM a.t').catch(() => undefined);
  await sleep(300);
  const lines = readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n');
  const find = (re: RegExp): string => {
    const l = lines.find((x) => re.test(x));
    assert.ok(l, `no line matching ${re} in\n${lines.join('\n')}`);
    return l;
  };
  const shape = /^user:[^|]+\|host:127\.0\.56\.70:7000\|source:[0-9.]+\|port:\d+\|timestamp:\d{13}\|type:[A-Z_]+\|category:[A-Z]+/;
  for (const l of lines) assert.match(l, shape);
  find(/^user:cassandra\|.*\|type:LOGIN_SUCCESS\|category:AUTH\|operation:LOGIN SUCCESSFUL$/);
  find(/^user:anonymous\|.*\|type:LOGIN_ERROR\|category:AUTH\|operation:LOGIN FAILURE; Provided username cassandra and\/or password are incorrect$/);
  find(/\|type:CREATE_KEYSPACE\|category:DDL\|ks:a\|operation:CREATE KEYSPACE a/);
  find(/^user:cassandra\|.*\|type:UPDATE\|category:DML\|ks:a\|scope:t\|operation:INSERT INTO a\.t/);
  find(/\|type:SELECT\|category:QUERY\|ks:a\|scope:t\|operation:SELECT \* FROM a\.t WHERE k = 1$/);
  find(/^user:cassandra\|.*\|type:BATCH\|category:DML\|operation:BEGIN LOGGED BATCH of 2 statements$/);
  const role = find(/\|type:CREATE_ROLE\|category:DCL\|/);
  assert.ok(!role.includes('secret-pw'), 'the password is not logged');
  find(/^user:app\|.*\|type:UNAUTHORIZED_ATTEMPT\|category:AUTH\|ks:a\|scope:t\|operation:SELECT \* FROM a\.t; User app has no SELECT permission/);
  assert.ok(!lines.some((l) => /\|ks:system(_schema)?\|/.test(l)), 'system keyspaces are excluded');
});
