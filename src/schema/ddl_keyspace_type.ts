// CREATE / ALTER / DROP KEYSPACE and CREATE / ALTER / DROP TYPE, with Cassandra 4's checks and messages.
import { AlreadyExistsError, InvalidRequestError } from '../model/errors.ts';
import type {
  AlterKeyspaceStatement, AlterTypeStatement, CreateKeyspaceStatement, CreateTypeStatement, DropKeyspaceStatement,
  DropTypeStatement,
} from '../model/ast.ts';
import { typesEqual, type CqlType } from '../model/types.ts';
import type { KeyspaceDef, Schema, TableDef, UserTypeDef } from './model.ts';
import { normalizeReplication } from './options.ts';
import { isSystemKeyspace, systemKeyspaceDef } from './system_defs.ts';
import { withColumns } from './table_build.ts';
import { referencesUdt, refreshUdts, resolveTypeIn, typeRefToString } from './types_resolve.ts';
import { tableString } from './ddl_table.ts';
import {
  guardSystemKeyspace, keyspaceOf, requireKeyspace, validateKeyspaceName, withKeyspace, type DdlContext, type DdlResult,
} from './ddl_common.ts';
import { parseReplication } from './replication.ts';

const ire = (msg: string): InvalidRequestError => new InvalidRequestError(msg);

export function createKeyspace(schema: Schema, stmt: CreateKeyspaceStatement, ctx: DdlContext): DdlResult {
  const name = stmt.keyspace;
  if (Object.keys(stmt.replication).length === 0) throw ire("Missing mandatory option 'replication'");
  if (schema.keyspaces.has(name) || isSystemKeyspace(name)) {
    if (stmt.ifNotExists) return { schema, change: null };
    throw new AlreadyExistsError(name, '');
  }
  const replication = normalizeReplication(name, stmt.replication, { dataCenters: ctx.dataCenters });
  validateKeyspaceName(name);
  const ks: KeyspaceDef = {
    name,
    durableWrites: stmt.durableWrites ?? true,
    replication,
    strategy: parseReplication(replication),
    tables: new Map(),
    types: new Map(),
  };
  return { schema: withKeyspace(schema, name, ks), change: { change: 'CREATED', target: 'KEYSPACE', keyspace: name } };
}

export function alterKeyspace(schema: Schema, stmt: AlterKeyspaceStatement, ctx: DdlContext): DdlResult {
  const name = stmt.keyspace;
  guardSystemKeyspace(name, 'ALTER');
  // Replicated system keyspaces live outside the user schema until their replication is first altered.
  const sys = systemKeyspaceDef(name);
  const current =
    schema.keyspaces.get(name) ??
    (sys ? { ...sys, tables: new Map<string, TableDef>(), types: new Map<string, UserTypeDef>() } : undefined);
  if (current === undefined) {
    if (stmt.ifExists) return { schema, change: null };
    throw ire(`Keyspace '${name}' doesn't exist`);
  }
  const replication =
    stmt.replication !== undefined && Object.keys(stmt.replication).length > 0
      ? normalizeReplication(name, stmt.replication, { dataCenters: ctx.dataCenters })
      : current.replication;
  const ks: KeyspaceDef = { ...current, replication, strategy: parseReplication(replication), durableWrites: stmt.durableWrites ?? current.durableWrites };
  return { schema: withKeyspace(schema, name, ks), change: { change: 'UPDATED', target: 'KEYSPACE', keyspace: name } };
}

export function dropKeyspace(schema: Schema, stmt: DropKeyspaceStatement): DdlResult {
  const name = stmt.keyspace;
  guardSystemKeyspace(name, 'DROP');
  if (!schema.keyspaces.has(name)) {
    if (stmt.ifExists) return { schema, change: null };
    throw ire(`Keyspace '${name}' doesn't exist`);
  }
  return { schema: withKeyspace(schema, name, null), change: { change: 'DROPPED', target: 'KEYSPACE', keyspace: name } };
}

function withTypes(schema: Schema, ks: KeyspaceDef, types: Map<string, UserTypeDef>): Schema {
  return withKeyspace(schema, ks.name, { ...ks, types });
}

export function createType(schema: Schema, stmt: CreateTypeStatement, current: string | undefined): DdlResult {
  const ksName = keyspaceOf(stmt.type, current);
  guardSystemKeyspace(ksName, 'CREATE');
  const ks = requireKeyspace(schema, ksName);
  const typeName = stmt.type.name;
  if (ks.types.has(typeName)) {
    if (stmt.ifNotExists) return { schema, change: null };
    throw ire(`A user type with name '${typeName}' already exists`);
  }
  const seen = new Set<string>();
  for (const f of stmt.fields) {
    if (seen.has(f.name)) throw ire(`Duplicate field name '${f.name}' in type '${typeName}'`);
    seen.add(f.name);
  }
  for (const f of stmt.fields) {
    if (f.type.kind === 'native' && f.type.name === 'counter') throw ire('A user type cannot contain counters');
    if (f.type.kind === 'udt' && !f.type.frozen) throw ire('A user type cannot contain non-frozen UDTs');
  }
  const def: UserTypeDef = {
    keyspace: ksName,
    name: typeName,
    fieldNames: stmt.fields.map((f) => f.name),
    fieldTypes: stmt.fields.map((f) => resolveTypeIn(f.type, ksName, ks)),
  };
  const types = new Map(ks.types);
  types.set(typeName, def);
  return {
    schema: withTypes(schema, ks, types),
    change: { change: 'CREATED', target: 'TYPE', keyspace: ksName, name: typeName },
  };
}

export function alterType(schema: Schema, stmt: AlterTypeStatement, current: string | undefined): DdlResult {
  const ksName = keyspaceOf(stmt.type, current);
  guardSystemKeyspace(ksName, 'ALTER');
  const ks = schema.keyspaces.get(ksName);
  const typeName = stmt.type.name;
  const def = ks?.types.get(typeName);
  if (ks === undefined || def === undefined) throw ire(`Type ${ksName}.${typeName} doesn't exist`);
  const cqlName = tableString(ksName, typeName);
  let next: UserTypeDef;
  const action = stmt.action;
  if (action.kind === 'add') {
    if (def.fieldNames.includes(action.field)) {
      throw ire(`Cannot add field ${action.field} to type ${cqlName}: a field with name ${action.field} already exists`);
    }
    const fieldType = resolveTypeIn(action.fieldType, ksName, ks);
    const shown = typeRefToString(action.fieldType);
    if (referencesUdt(fieldType, ksName, typeName)) {
      throw ire(`Cannot add new field ${action.field} of type ${shown} to user type ${cqlName} as it would create a circular reference`);
    }
    const inPk = [...ks.tables.values()].filter((t) => t.partitionKey.some((c) => referencesUdt(c.type, ksName, typeName)));
    if (inPk.length > 0) {
      throw ire(
        `Cannot add new field ${action.field} of type ${shown} to user type ${cqlName} as the type is being used in partition key by the following tables: ${inPk.map((t) => tableString(t.keyspace, t.name)).join(', ')}`,
      );
    }
    next = { ...def, fieldNames: [...def.fieldNames, action.field], fieldTypes: [...def.fieldTypes, fieldType] };
  } else {
    const fieldNames = [...def.fieldNames];
    for (const [from, to] of action.renames) {
      const idx = def.fieldNames.indexOf(from);
      if (idx < 0) throw ire(`Unkown field ${from} in user type ${cqlName}`);
      fieldNames[idx] = to;
    }
    for (const n of fieldNames) {
      // Cassandra's message prints the keyspace where the type name belongs; kept for fidelity.
      if (fieldNames.filter((x) => x === n).length > 1) throw ire(`Duplicate field name ${n} in type ${ksName}`);
    }
    next = { ...def, fieldNames };
  }
  return {
    schema: withKeyspace(schema, ksName, propagateType(ks, next)),
    change: { change: 'UPDATED', target: 'TYPE', keyspace: ksName, name: typeName },
  };
}

/** Install a changed type and refresh every copy of it embedded in other types and in table columns. */
function propagateType(ks: KeyspaceDef, changed: UserTypeDef): KeyspaceDef {
  const staged = new Map(ks.types);
  staged.set(changed.name, changed);
  const types = new Map<string, UserTypeDef>();
  for (const [n, d] of staged) types.set(n, { ...d, fieldTypes: d.fieldTypes.map((f) => refreshUdts(f, staged)) });
  const tables = new Map<string, TableDef>();
  for (const [n, t] of ks.tables) {
    let changedColumns = false;
    const refresh = (c: TableDef['regular'][number]): TableDef['regular'][number] => {
      const type: CqlType = refreshUdts(c.type, types);
      if (!typesEqual(type, c.type) || JSON.stringify(type) !== JSON.stringify(c.type)) changedColumns = true;
      return { ...c, type };
    };
    const next = withColumns(t, t.partitionKey.map(refresh), t.clustering.map(refresh), t.regular.map(refresh));
    tables.set(n, changedColumns ? { ...next, version: t.version + 1 } : t);
  }
  return { ...ks, types, tables };
}

export function dropType(schema: Schema, stmt: DropTypeStatement, current: string | undefined): DdlResult {
  const ksName = keyspaceOf(stmt.type, current);
  guardSystemKeyspace(ksName, 'DROP');
  const ks = schema.keyspaces.get(ksName);
  const typeName = stmt.type.name;
  if (ks === undefined || !ks.types.has(typeName)) {
    if (stmt.ifExists) return { schema, change: null };
    throw ire(`Type '${ksName}.${typeName}' doesn't exist`);
  }
  const usingTypes = [...ks.types.values()].filter(
    (d) => d.name !== typeName && d.fieldTypes.some((f) => referencesUdt(f, ksName, typeName)),
  );
  if (usingTypes.length > 0) {
    throw ire(`Cannot drop user type '${ksName}.${typeName}' as it is still used by user types ${usingTypes.map((d) => d.name).join(', ')}`);
  }
  const usingTables = [...ks.tables.values()].filter((t) =>
    [...t.columns.values()].some((c) => referencesUdt(c.type, ksName, typeName)),
  );
  if (usingTables.length > 0) {
    throw ire(`Cannot drop user type '${ksName}.${typeName}' as it is still used by tables ${usingTables.map((t) => t.name).join(', ')}`);
  }
  const types = new Map(ks.types);
  types.delete(typeName);
  return {
    schema: withTypes(schema, ks, types),
    change: { change: 'DROPPED', target: 'TYPE', keyspace: ksName, name: typeName },
  };
}

