// Terms as Cassandra prints them back (Term.Raw.getText): in the names of selection columns (`(int)1`,
// `system.tojson([1, 2])`) and in messages about terms.
import type { Term } from '../../model/ast.ts';
import { typeRefToString } from '../../schema/types_resolve.ts';

export function termText(t: Term): string {
  switch (t.kind) {
    case 'literal':
      switch (t.type) {
        case 'string': return `'${t.text.replace(/'/g, "''")}'`;
        case 'blob': return `0x${t.text}`;
        default: return t.text;
      }
    case 'null': return 'NULL';
    case 'bind': return t.name ? `:${t.name}` : '?';
    case 'list': return `[${t.elements.map(termText).join(', ')}]`;
    case 'set': return `{${t.elements.map(termText).join(', ')}}`;
    case 'map': return `{${t.entries.map(([k, v]) => `${termText(k)}: ${termText(v)}`).join(', ')}}`;
    case 'empty_braces': return '{}';
    case 'tuple': return `(${t.elements.map(termText).join(', ')})`;
    case 'udt': return `{${t.fields.map(([f, v]) => `${f}: ${termText(v)}`).join(', ')}}`;
    case 'function': return `${t.name}(${t.args.map(termText).join(', ')})`;
    case 'cast': return `(${typeRefToString(t.type)})${termText(t.term)}`;
    case 'operation': return `${termText(t.left)} ${t.op} ${termText(t.right)}`;
    case 'negate': return `-${termText(t.term)}`;
  }
}

