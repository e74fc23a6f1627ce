// similarity_cosine / similarity_euclidean / similarity_dot_product(v1, v2) in a SELECT clause (Cassandra 5.0's
// vector functions): float scores of two float vectors of one dimension; a literal argument takes its vector type
// from the other argument, as Cassandra infers it.
import type { Selector } from '../../model/ast.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { T, typeToCql, type CqlType } from '../../model/types.ts';
import type { ColumnDef, TableDef } from '../../schema/model.ts';
import { floatVector } from '../../model/values/vector.ts';
import { similarity, type SimilarityFunction } from '../../model/values/similarity.ts';
import { relationTermText } from './term-text.ts';
import { compileTerm, type BindContext, type MarkerTypes } from './terms.ts';
import type { SourceRow } from './selection.ts';

export const SIMILARITY_FUNCTION_NAMES = new Map<string, SimilarityFunction>([
  ['similarity_cosine', 'COSINE'], ['similarity_euclidean', 'EUCLIDEAN'], ['similarity_dot_product', 'DOT_PRODUCT'],
]);

/** The shape selection.ts compiles a selector into. */
export interface VectorArg {
  name: string;
  type: CqlType;
  evaluate: (row: SourceRow | undefined, ctx: BindContext, nowSec: number) => Buffer | null;
  columnsUsed: ColumnDef[];
}

type VectorType = Extract<CqlType, { kind: 'vector' }>;

export function compileSimilarity(table: TableDef, name: string, args: Selector[], markers: MarkerTypes,
  compileSelector: (s: Selector) => VectorArg): VectorArg {
  const fn = SIMILARITY_FUNCTION_NAMES.get(name)!;
  if (args.length !== 2) {
    throw new InvalidRequestError(`Invalid number of arguments in call to function system.${name}: 2 required but ${args.length} provided`);
  }
  const typed = args.map((a) => (a.kind === 'term' ? undefined : compileSelector(a)));
  const known = typed.find((c) => c !== undefined)?.type;
  if (!known || known.kind !== 'vector' || known.element.kind !== 'native' || known.element.name !== 'float') {
    throw new InvalidRequestError(`Function system.${name} requires a float vector argument, but found ${known ? typeToCql(known) : 'no typed argument'}`);
  }
  const vt: VectorType = known;
  const compiled: VectorArg[] = args.map((a, i) => {
    const c = typed[i];
    if (c) {
      if (typeToCql(c.type) !== typeToCql(vt)) throw new InvalidRequestError(`Function system.${name}: arguments of types ${typeToCql(vt)} and ${typeToCql(c.type)} differ`);
      return c;
    }
    const term = (a as Extract<Selector, { kind: 'term' }>).term;
    const t = compileTerm(term, { keyspace: table.keyspace, table: table.name, name: `${name}(arg${i})`, type: vt }, markers);
    return { name: relationTermText(term), type: vt, columnsUsed: [], evaluate: (_r, ctx) => { const v = t(ctx); return Buffer.isBuffer(v) ? v : null; } };
  });
  return {
    name: `system.${name}(${compiled.map((c) => c.name).join(', ')})`, type: T.float,
    columnsUsed: compiled.flatMap((c) => c.columnsUsed),
    evaluate: (row, ctx, now) => {
      const [a, b] = compiled.map((c) => c.evaluate(row, ctx, now));
      if (!a || !b) return null;
      const out = Buffer.alloc(4);
      out.writeFloatBE(similarity(fn, floatVector(vt, a), floatVector(vt, b)), 0);
      return out;
    },
  };
}
