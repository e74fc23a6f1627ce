// Name resolution shared by all statements: which keyspace and table a statement means.
import type { QualifiedName } from '../../model/ast.ts';
import type { KeyspaceDef, Schema, TableDef } from '../../schema/model.ts';
import { InvalidRequestError } from '../../model/errors.ts';

export const NO_KEYSPACE =
  'No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename';

export function keyspaceName(name: QualifiedName, current: string | undefined): string {
  const ks = name.keyspace ?? current;
  if (!ks) throw new InvalidRequestError(NO_KEYSPACE);
  return ks;
}

export function resolveKeyspace(schema: Schema, name: string): KeyspaceDef {
  const ks = schema.keyspaces.get(name);
  if (!ks) throw new InvalidRequestError(`Keyspace ${name} does not exist`);
  return ks;
}

export function resolveTable(schema: Schema, name: QualifiedName, current: string | undefined): { ks: KeyspaceDef; table: TableDef } {
  const ks = resolveKeyspace(schema, keyspaceName(name, current));
  const table = ks.tables.get(name.name);
  if (!table) throw new InvalidRequestError(`table ${name.name} does not exist`);
  return { ks, table };
}
