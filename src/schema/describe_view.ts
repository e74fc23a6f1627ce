// CREATE MATERIALIZED VIEW as Cassandra 5.0's ViewMetadata.toCqlString prints it for DESCRIBE.
import { quoteIdentIfNeeded as q } from '../model/types.ts';
import { allColumnsInSelectOrder, type TableDef } from './model.ts';
import { tableOptionsCql } from './cql_format.ts';

export function viewToCql(v: TableDef, withInternals: boolean): string {
  const def = v.view!;
  const columns = def.includeAllColumns ? '*' : allColumnsInSelectOrder(v).map((c) => q(c.name)).join(', ');
  const pk = v.partitionKey.length > 1 ? `(${v.partitionKey.map((c) => q(c.name)).join(', ')})` : q(v.partitionKey[0]!.name);
  const ck = v.clustering.map((c) => `, ${q(c.name)}`).join('');
  const withParts: string[] = [];
  if (withInternals) withParts.push(`ID = ${v.id}`);
  if (v.clustering.length > 0) {
    withParts.push(`CLUSTERING ORDER BY (${v.clustering.map((c) => `${q(c.name)} ${c.order === 'desc' ? 'DESC' : 'ASC'}`).join(', ')})`);
  }
  // A view has no default_time_to_live of its own: Cassandra leaves it out of the view's options.
  withParts.push(tableOptionsCql(v).split('\n    AND ').filter((o) => !o.startsWith('default_time_to_live')).join('\n    AND '));
  return (
    `CREATE MATERIALIZED VIEW ${q(v.keyspace)}.${q(v.name)} AS\n` +
    `    SELECT ${columns}\n` +
    `    FROM ${q(v.keyspace)}.${q(def.baseTable)}\n` +
    `    WHERE ${def.whereClause}\n` +
    `    PRIMARY KEY (${pk}${ck})\n` +
    ` WITH ${withParts.join('\n    AND ')};`
  );
}
