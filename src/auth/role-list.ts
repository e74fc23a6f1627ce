// LIST ROLES and LIST USERS results in Cassandra 5.0's shapes (ListRolesStatement, ListUsersStatement): roles sorted
// by name; `datacenters` is what the network authorizer says of each role (DCPermissions.toString: ALL, n/a, or
// the data centres).
import type { ColumnSpec, ResultMessage } from '../protocol/messages.ts';
import { serializeMap } from '../model/values/collections.ts';
import { T, type CqlType } from '../model/types.ts';
import type { RoleRecord } from './types.ts';

const text = (s: string): Buffer => Buffer.from(s, 'utf8');
const bool = (b: boolean): Buffer => Buffer.from([b ? 1 : 0]);
const TEXT_MAP: CqlType = { kind: 'map', key: T.text, value: T.text, frozen: false };

function columns(table: string, specs: Array<[string, CqlType]>): ColumnSpec[] {
  return specs.map(([name, type]) => ({ keyspace: 'system_auth', table, name, type }));
}

type Datacenters = (r: RoleRecord) => string;
const ALL: Datacenters = () => 'ALL';

export function listRolesResult(roles: RoleRecord[], datacenters: Datacenters = ALL): ResultMessage {
  const sorted = [...roles].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    kind: 'rows',
    columns: columns('roles', [['role', T.text], ['super', T.boolean], ['login', T.boolean], ['options', TEXT_MAP], ['datacenters', T.text]]),
    rows: sorted.map((r) => [text(r.name), bool(r.isSuperuser), bool(r.canLogin), serializeMap([]), text(datacenters(r))]),
  };
}

export function listUsersResult(roles: RoleRecord[], datacenters: Datacenters = ALL): ResultMessage {
  const users = roles.filter((r) => r.canLogin).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    kind: 'rows',
    columns: columns('users', [['name', T.text], ['super', T.boolean], ['datacenters', T.text]]),
    rows: users.map((r) => [text(r.name), bool(r.isSuperuser), text(datacenters(r))]),
  };
}
