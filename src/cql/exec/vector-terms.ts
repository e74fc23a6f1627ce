// Vector literals: `[1.0, 2.0, 3.0]` given to a vector<float, 3> receiver, with Cassandra 5.0.9's refusals (wrong
// element count, null elements, elements not of the element type).
import type { Term } from '../../model/ast.ts';
import { InvalidRequestError } from '../../model/errors.ts';
import { typeToCql, type CqlType } from '../../model/types.ts';
import { UNSET } from '../../protocol/messages.ts';
import { serializeVector } from '../../model/values/vector.ts';
import { relationTermText } from './term-text.ts';
import type { BindContext, CompiledTerm, MarkerTypes, Receiver } from './terms.ts';

type VectorType = Extract<CqlType, { kind: 'vector' }>;

export function compileVectorLiteral(term: Extract<Term, { kind: 'list' }>, t: VectorType, r: Receiver, markers: MarkerTypes,
  compileTerm: (term: Term, r: Receiver, markers: MarkerTypes) => CompiledTerm): CompiledTerm {
  if (term.elements.length !== t.dimension) {
    throw new InvalidRequestError(`Invalid vector literal for ${r.name} of type ${typeToCql(t)}; expected ${t.dimension} elements, but given ${term.elements.length}`);
  }
  const er: Receiver = { ...r, name: `value(${r.name})`, type: t.element };
  const elems = term.elements.map((e) => {
    if (e.kind === 'null') throw new InvalidRequestError('null is not supported inside vectors');
    try {
      return compileTerm(e, er, markers);
    } catch (err) {
      if (err instanceof InvalidRequestError && e.kind === 'literal') {
        throw new InvalidRequestError(`Invalid vector literal for ${r.name}: value ${relationTermText(e)} is not of type ${typeToCql(t.element)}`);
      }
      throw err;
    }
  });
  return (ctx: BindContext) => serializeVector(t, elems.map((el) => {
    const v = el(ctx);
    if (v === null || v === UNSET) throw new InvalidRequestError('null is not supported inside vectors');
    return v;
  }));
}
