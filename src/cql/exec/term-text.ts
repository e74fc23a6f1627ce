// Terms as Cassandra prints them back (Term.Raw.getText): in the names of selection columns (`(int)1`,
// `system.tojson([1, 2])`) and in messages about terms.
import type { Term } from '../../model/ast.ts';
import { typeRefToString } from '../../schema/types_resolve.ts';

/** The two spellings the messages use: selection names print NULL and casts whole; relations print null and drop casts. */
interface TermSpelling {
  nullText: string;
  castWithType: boolean;
}

const SELECTION: TermSpelling = { nullText: 'NULL', castWithType: true };
const RELATION: TermSpelling = { nullText: 'null', castWithType: false };

export function termText(t: Term): string {
  return spell(t, SELECTION);
}

/** A term as the messages about WHERE relations and modifications print it. */
export function relationTermText(t: Term): string {
  return spell(t, RELATION);
}

function spell(t: Term, s: TermSpelling): string {
  const text = (x: Term): string => spell(x, s);
  switch (t.kind) {
    case 'literal':
      switch (t.type) {
        case 'string': return `'${t.text.replace(/'/g, "''")}'`;
        case 'blob': return `0x${t.text}`;
        default: return t.text;
      }
    case 'null': return s.nullText;
    case 'bind': return t.name ? `:${t.name}` : '?';
    case 'list': return `[${t.elements.map(text).join(', ')}]`;
    case 'set': return `{${t.elements.map(text).join(', ')}}`;
    case 'map': return `{${t.entries.map(([k, v]) => `${text(k)}: ${text(v)}`).join(', ')}}`;
    case 'empty_braces': return '{}';
    case 'tuple': return `(${t.elements.map(text).join(', ')})`;
    case 'udt': return `{${t.fields.map(([f, v]) => `${f}: ${text(v)}`).join(', ')}}`;
    case 'function': return `${t.name}(${t.args.map(text).join(', ')})`;
    case 'cast': return s.castWithType ? `(${typeRefToString(t.type)})${text(t.term)}` : text(t.term);
    case 'operation': return `${text(t.left)} ${t.op} ${text(t.right)}`;
    case 'negate': return `-${text(t.term)}`;
  }
}
