// CREATE FUNCTION / CREATE AGGREGATE statements as DESCRIBE prints them (Cassandra 5.0's UDFunction and
// UDAggregate toCqlString): one clause per line, indented by four spaces, the body between $$.
import { quoteIdentIfNeeded, typeToCql } from '../model/types.ts';
import type { UserAggregateDef, UserFunctionDef } from './function-model.ts';

const q = quoteIdentIfNeeded;

export function functionToCql(f: UserFunctionDef): string {
  const args = f.argNames.map((n, i) => `${q(n)} ${typeToCql(f.argTypes[i]!)}`).join(', ');
  return [
    `CREATE FUNCTION ${q(f.keyspace)}.${q(f.name)}(${args})`,
    `    ${f.calledOnNullInput ? 'CALLED' : 'RETURNS NULL'} ON NULL INPUT`,
    `    RETURNS ${typeToCql(f.returnType)}`,
    `    LANGUAGE ${f.language}`,
    `    AS $$${f.body}$$;`,
  ].join('\n');
}

export function aggregateToCql(a: UserAggregateDef): string {
  const lines = [
    `CREATE AGGREGATE ${q(a.keyspace)}.${q(a.name)}(${a.argTypes.map((t) => typeToCql(t)).join(', ')})`,
    `    SFUNC ${q(a.stateFunction)}`,
    `    STYPE ${typeToCql(a.stateType)}`,
  ];
  if (a.finalFunction) lines.push(`    FINALFUNC ${q(a.finalFunction)}`);
  if (a.initCond) lines.push(`    INITCOND ${a.initCond.cql}`);
  return `${lines.join('\n')};`;
}

/** The name DESCRIBE lists a function or an aggregate under: with its argument types. */
export function overloadName(d: { name: string; argTypes: readonly import('../model/types.ts').CqlType[] }): string {
  return `${q(d.name)}(${d.argTypes.map((t) => typeToCql(t)).join(', ')})`;
}
