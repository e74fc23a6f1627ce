// The token cursor shared by the statement parsers: keyword/punctuation matching, identifiers, type references,
// and error messages in the shape Cassandra's ANTLR parser produces
// (`line 1:9 mismatched input 'FRM' expecting K_FROM (SELECT * [FRM] t)`).
import { SyntaxError as CqlSyntaxError } from '../model/errors.ts';
import type { QualifiedName, Term } from '../model/ast.ts';
import { lineCol, tokenize, type Token } from './lexer.ts';
import { isNativeTypeName, RESERVED_KEYWORDS, type TypeRef } from '../model/types.ts';
import { customTypeRef } from '../model/custom-types.ts';

/** Nesting deeper than this (terms, selectors, types) is rejected, so hostile input cannot blow the stack. */
export const MAX_DEPTH = 100;

// How many tokens around the offending one the error snippet shows (Cassandra counts hidden whitespace
// tokens too, so its 10 before / 2 after become 5 / 1 here).
const SNIPPET_BEFORE = 5;
const SNIPPET_AFTER = 1;

export class Parser {
  readonly toks: Token[];
  pos = 0;
  depth = 0;
  readonly bindMarkers: Array<{ name?: string }> = [];

  constructor(readonly src: string) {
    this.toks = tokenize(src);
  }

  peek(k = 0): Token {
    const i = this.pos + k;
    return this.toks[i < this.toks.length ? i : this.toks.length - 1]!;
  }

  next(): Token {
    const t = this.peek();
    if (this.pos < this.toks.length - 1) this.pos++;
    return t;
  }

  atEof(): boolean {
    return this.peek().type === 'eof';
  }

  isKw(word: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === 'ident' && t.lower === word;
  }

  acceptKw(word: string): boolean {
    if (!this.isKw(word)) return false;
    this.pos++;
    return true;
  }

  expectKw(word: string): void {
    if (!this.acceptKw(word)) throw this.mismatched(`K_${word.toUpperCase()}`);
  }

  isP(p: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === 'punct' && t.text === p;
  }

  acceptP(p: string): boolean {
    if (!this.isP(p)) return false;
    this.pos++;
    return true;
  }

  expectP(p: string): void {
    if (!this.acceptP(p)) throw this.mismatched(`'${p}'`);
  }

  enter(): void {
    if (++this.depth > MAX_DEPTH) throw this.error(`maximum nesting depth (${MAX_DEPTH}) exceeded at input '${this.peek().text}'`);
  }

  leave(): void {
    this.depth--;
  }

  /** True when the token at k can be an identifier: quoted, or unquoted and not a reserved keyword. */
  isIdent(k = 0): boolean {
    const t = this.peek(k);
    return (t.type === 'ident' && !RESERVED_KEYWORDS.has(t.lower)) || (t.type === 'qident' && t.text !== '');
  }

  ident(): string {
    const t = this.peek();
    if (t.type === 'qident' && t.text === '') throw this.error(`Empty identifiers are not allowed`);
    if (!this.isIdent()) throw this.noViable();
    this.pos++;
    return t.type === 'ident' ? t.lower : t.text;
  }

  qualifiedName(): QualifiedName {
    const first = this.ident();
    if (this.acceptP('.')) return { keyspace: first, name: this.ident() };
    return { name: first };
  }

  /** Integer literal or bind marker, as in USING TTL/TIMESTAMP and LIMIT. */
  intValue(): Term {
    const t = this.peek();
    if (t.type === 'int') {
      this.pos++;
      return { kind: 'literal', type: 'integer', text: t.text };
    }
    if (this.isP('?') || (this.isP(':') && this.isIdent(1))) return this.bindMarker();
    throw this.noViable();
  }

  bindMarker(): Term {
    const index = this.bindMarkers.length;
    if (this.acceptP('?')) {
      this.bindMarkers.push({});
      return { kind: 'bind', index };
    }
    this.expectP(':');
    const name = this.ident();
    this.bindMarkers.push({ name });
    return { kind: 'bind', index, name };
  }

  typeRef(): TypeRef {
    this.enter();
    try {
      return this.typeRefInner();
    } finally {
      this.leave();
    }
  }

  private typeRefInner(): TypeRef {
    const t = this.peek();
    if (t.type === 'string') {
      this.pos++;
      return customTypeRef(t.text);
    }
    if (t.type !== 'ident' && t.type !== 'qident') throw this.noViable();
    if (t.type === 'ident') {
      const w = t.lower;
      if (this.isP('<', 1)) {
        if (w === 'frozen') {
          this.pos += 2;
          const inner = this.typeRef();
          this.expectP('>');
          if (inner.kind === 'native') throw this.error(`frozen<> is only allowed on collections, tuples, and user-defined types (found ${inner.name})`);
          return inner.kind === 'tuple' || inner.kind === 'vector' ? inner : { ...inner, frozen: true };
        }
        if (w === 'list' || w === 'set') {
          this.pos += 2;
          const element = this.typeRef();
          this.expectP('>');
          return { kind: w, element, frozen: false };
        }
        if (w === 'map') {
          this.pos += 2;
          const key = this.typeRef();
          this.expectP(',');
          const value = this.typeRef();
          this.expectP('>');
          return { kind: 'map', key, value, frozen: false };
        }
        if (w === 'tuple') {
          this.pos += 2;
          const elements = [this.typeRef()];
          while (this.acceptP(',')) elements.push(this.typeRef());
          this.expectP('>');
          return { kind: 'tuple', elements };
        }
        if (w === 'vector') {
          this.pos += 2;
          const element = this.typeRef();
          this.expectP(',');
          const dim = this.peek();
          if (dim.type !== 'int') throw this.mismatched('INTEGER');
          this.next();
          this.expectP('>');
          return { kind: 'vector', element, dimension: Number(dim.text) };
        }
      }
      if (w === 'varchar') {
        this.pos++;
        return { kind: 'native', name: 'text' };
      }
      if (isNativeTypeName(w)) {
        this.pos++;
        return { kind: 'native', name: w };
      }
      if (w === 'frozen' || w === 'list' || w === 'set' || w === 'map' || w === 'tuple') {
        this.pos++;
        throw this.mismatched(`'<'`);
      }
    }
    const name = this.qualifiedName();
    return { kind: 'udt', ...name, frozen: false };
  }

  // ---- errors -------------------------------------------------------------------------------------------

  error(msg: string, tok: Token = this.peek()): CqlSyntaxError {
    return new CqlSyntaxError(`${this.header(tok)} ${msg}${this.snippet(tok)}`);
  }

  mismatched(expecting: string, tok: Token = this.peek()): CqlSyntaxError {
    return this.error(`mismatched input '${tok.text}' expecting ${expecting}`, tok);
  }

  noViable(tok: Token = this.peek()): CqlSyntaxError {
    return this.error(`no viable alternative at input '${tok.text}'`, tok);
  }

  private header(tok: Token): string {
    // ANTLR's EOF token has no position; Cassandra prints it as line 0:-1.
    if (tok.type === 'eof') return 'line 0:-1';
    const { line, col } = lineCol(this.src, tok.start);
    return `line ${line}:${col}`;
  }

  private snippet(tok: Token): string {
    if (tok.type === 'eof') return '';
    const idx = this.toks.indexOf(tok);
    if (idx < 0) return '';
    const last = this.toks.length - 2; // the last real token (before EOF)
    const from = this.toks[Math.max(0, idx - SNIPPET_BEFORE)]!;
    const to = this.toks[Math.min(last, idx + SNIPPET_AFTER)]!;
    const strip = (s: string): string => s.replace(/\n/g, '');
    const body =
      strip(this.src.slice(from.start, tok.start)) + '[' + strip(this.src.slice(tok.start, tok.end)) + ']' +
      strip(this.src.slice(tok.end, to.end));
    return ` (${from.start === 0 ? '' : '...'}${body}${to.end >= this.src.length ? '' : '...'})`;
  }
}
