// Turning the types written in statements (TypeRef) into schema types (CqlType), with Cassandra 4's validation
// rules and messages, plus the helpers that keep UDT copies embedded in columns in step with ALTER TYPE.
import { InvalidRequestError } from '../model/errors.ts';
import type { CqlType, TypeRef } from '../model/types.ts';
import type { KeyspaceDef, Schema, UserTypeDef } from './model.ts';

/** The CQL spelling of a type as the user wrote it (used in error messages, like Cassandra's CQL3Type.Raw). */
export function typeRefToString(t: TypeRef): string {
  let s: string;
  switch (t.kind) {
    case 'native':
      return t.custom !== undefined ? `'${t.custom}'` : t.name;
    case 'list':
    case 'set':
      s = `${t.kind}<${typeRefToString(t.element)}>`;
      break;
    case 'map':
      s = `map<${typeRefToString(t.key)}, ${typeRefToString(t.value)}>`;
      break;
    case 'tuple':
      return `tuple<${t.elements.map(typeRefToString).join(', ')}>`;
    case 'vector':
      return `vector<${typeRefToString(t.element)}, ${t.dimension}>`;
    case 'udt':
      s = t.keyspace ? `${t.keyspace}.${t.name}` : t.name;
      break;
  }
  return t.frozen ? `frozen<${s}>` : s;
}

function refIsCounter(t: TypeRef): boolean {
  return t.kind === 'native' && t.name === 'counter';
}

function refIsNonFrozenMultiCell(t: TypeRef): boolean {
  return (t.kind === 'list' || t.kind === 'set' || t.kind === 'map' || t.kind === 'udt') && !t.frozen;
}

/**
 * Resolve a written type against the keyspace's user types. Anything nested in a frozen type, a tuple or a
 * collection is itself frozen, as in Cassandra; nested non-frozen collections/UDTs inside a non-frozen
 * collection are rejected with Cassandra's messages.
 */
export function resolveType(ref: TypeRef, keyspace: string, schema: Schema): CqlType {
  return resolve(ref, keyspace, schema.keyspaces.get(keyspace), false);
}

/** Same as resolveType, against a keyspace definition that may not be in a Schema yet. */
export function resolveTypeIn(ref: TypeRef, keyspace: string, ks: KeyspaceDef | undefined): CqlType {
  return resolve(ref, keyspace, ks, false);
}

function resolve(ref: TypeRef, keyspace: string, ks: KeyspaceDef | undefined, insideFrozen: boolean): CqlType {
  switch (ref.kind) {
    case 'native':
      return ref.custom !== undefined ? { kind: 'native', name: ref.name, custom: ref.custom } : { kind: 'native', name: ref.name };
    case 'list':
    case 'set': {
      const frozen = insideFrozen || ref.frozen;
      if (!frozen) checkCollectionElement(ref, ref.element);
      if (refIsCounter(ref.element)) {
        throw new InvalidRequestError(`Counters are not allowed inside collections: ${typeRefToString(ref)}`);
      }
      if (ref.kind === 'set' && ref.element.kind === 'native' && ref.element.name === 'duration') {
        throw new InvalidRequestError(`Durations are not allowed inside sets: ${typeRefToString(ref)}`);
      }
      const element = resolve(ref.element, keyspace, ks, true);
      return { kind: ref.kind, element, frozen };
    }
    case 'map': {
      const frozen = insideFrozen || ref.frozen;
      if (!frozen) {
        checkCollectionElement(ref, ref.key);
        checkCollectionElement(ref, ref.value);
      }
      if (refIsCounter(ref.key) || refIsCounter(ref.value)) {
        throw new InvalidRequestError(`Counters are not allowed inside collections: ${typeRefToString(ref)}`);
      }
      if (ref.key.kind === 'native' && ref.key.name === 'duration') {
        throw new InvalidRequestError(`Durations are not allowed as map keys: ${typeRefToString(ref)}`);
      }
      return {
        kind: 'map',
        key: resolve(ref.key, keyspace, ks, true),
        value: resolve(ref.value, keyspace, ks, true),
        frozen,
      };
    }
    case 'tuple':
      for (const e of ref.elements) {
        if (refIsCounter(e)) throw new InvalidRequestError('Counters are not allowed inside tuples');
      }
      return { kind: 'tuple', elements: ref.elements.map((e) => resolve(e, keyspace, ks, true)) };
    case 'udt': {
      if (ref.keyspace !== undefined && ref.keyspace !== keyspace) {
        throw new InvalidRequestError(
          `Statement on keyspace ${keyspace} cannot refer to a user type in keyspace ${ref.keyspace}; ` +
            'user types can only be used in the keyspace they are defined in',
        );
      }
      const def = ks?.types.get(ref.name);
      if (def === undefined) throw new InvalidRequestError(`Unknown type ${keyspace}.${ref.name}`);
      return udtType(def, insideFrozen || ref.frozen);
    }
    case 'vector':
      if (ref.dimension <= 0) throw new InvalidRequestError(`vectors may only have positive dimensions; given ${ref.dimension}`);
      if (refIsCounter(ref.element)) throw new InvalidRequestError('Counters are not allowed inside vectors');
      return { kind: 'vector', element: resolve(ref.element, keyspace, ks, true), dimension: ref.dimension };
  }
}

function checkCollectionElement(outer: TypeRef, inner: TypeRef): void {
  if (!refIsNonFrozenMultiCell(inner)) return;
  if (inner.kind === 'udt') {
    throw new InvalidRequestError(`Non-frozen UDTs are not allowed inside collections: ${typeRefToString(outer)}`);
  }
  throw new InvalidRequestError(`Non-frozen collections are not allowed inside collections: ${typeRefToString(outer)}`);
}

export function udtType(def: UserTypeDef, frozen: boolean): CqlType {
  return {
    kind: 'udt',
    keyspace: def.keyspace,
    name: def.name,
    fieldNames: [...def.fieldNames],
    fieldTypes: def.fieldTypes,
    frozen,
  };
}

/** True if `t` mentions the user type `name` (of `keyspace`) anywhere, including inside other UDTs. */
export function referencesUdt(t: CqlType, keyspace: string, name: string): boolean {
  switch (t.kind) {
    case 'native':
      return false;
    case 'list':
    case 'set':
      return referencesUdt(t.element, keyspace, name);
    case 'map':
      return referencesUdt(t.key, keyspace, name) || referencesUdt(t.value, keyspace, name);
    case 'tuple':
      return t.elements.some((e) => referencesUdt(e, keyspace, name));
    case 'udt':
      return (t.keyspace === keyspace && t.name === name) || t.fieldTypes.some((f) => referencesUdt(f, keyspace, name));
    case 'vector':
      return referencesUdt(t.element, keyspace, name);
  }
}

/**
 * Rebuild every UDT node of `t` from the keyspace's current definitions. Columns carry a full copy of their UDT
 * (field names and types), so after ALTER TYPE each copy must be refreshed.
 */
export function refreshUdts(t: CqlType, types: Map<string, UserTypeDef>): CqlType {
  switch (t.kind) {
    case 'native':
      return t;
    case 'list':
    case 'set':
      return { ...t, element: refreshUdts(t.element, types) };
    case 'map':
      return { ...t, key: refreshUdts(t.key, types), value: refreshUdts(t.value, types) };
    case 'tuple':
      return { ...t, elements: t.elements.map((e) => refreshUdts(e, types)) };
    case 'udt': {
      const def = types.get(t.name);
      if (def === undefined || def.keyspace !== t.keyspace) return t;
      return { ...t, fieldNames: [...def.fieldNames], fieldTypes: def.fieldTypes.map((f) => refreshUdts(f, types)) };
    }
    case 'vector':
      return { ...t, element: refreshUdts(t.element, types) };
  }
}

export function containsCounter(t: CqlType): boolean {
  return t.kind === 'native' && t.name === 'counter';
}

export function referencesDuration(t: CqlType): boolean {
  switch (t.kind) {
    case 'native':
      return t.name === 'duration';
    case 'list':
    case 'set':
      return referencesDuration(t.element);
    case 'map':
      return referencesDuration(t.key) || referencesDuration(t.value);
    case 'tuple':
      return t.elements.some(referencesDuration);
    case 'udt':
      return t.fieldTypes.some(referencesDuration);
    case 'vector':
      return referencesDuration(t.element);
  }
}
