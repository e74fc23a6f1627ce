// User-defined functions and aggregates as a keyspace holds them (system_schema.functions / aggregates), keyed by
// their signature: the name and the argument types, since functions overload.
import { typeToCql, type CqlType } from '../model/types.ts';

export interface UserFunctionDef {
  keyspace: string;
  name: string;
  argNames: string[];
  argTypes: CqlType[];
  returnType: CqlType;
  calledOnNullInput: boolean;
  /** As written (lower-cased): 'java' functions are stored and described but cannot run; 'javascript' ones run. */
  language: string;
  body: string;
}

export interface UserAggregateDef {
  keyspace: string;
  name: string;
  argTypes: CqlType[];
  stateFunction: string;
  stateType: CqlType;
  finalFunction?: string;
  /** The initial state, serialized as stateType, and as Cassandra stores it in system_schema.aggregates.initcond. */
  initCond?: { hex: string; cql: string };
  returnType: CqlType;
}

/** The key of an overload: `name(type, type)`. */
export function signatureKey(name: string, argTypes: readonly CqlType[]): string {
  return `${name}(${argTypes.map((t) => typeToCql(t)).join(', ')})`;
}

/** Every overload of a function name in a keyspace's map. */
export function overloads<T extends { name: string }>(defs: ReadonlyMap<string, T> | undefined, name: string): T[] {
  return [...(defs?.values() ?? [])].filter((d) => d.name === name);
}
