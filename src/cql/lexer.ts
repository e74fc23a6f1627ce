// CQL lexer: one pass over the string with char codes. Token boundaries follow Cassandra's ANTLR lexer (longest
// match, ties going to the rule declared first), so `1h30m` is a duration, `P1D` a duration but `P1Dx` an
// identifier, and `-5` a single integer token (the parser copes with `c = c -5`).
import { SyntaxError as CqlSyntaxError } from '../model/errors.ts';

export type TokenType =
  | 'ident' // unquoted identifier or keyword; `lower` holds the case-folded text
  | 'qident' // "Quoted" identifier, text unescaped
  | 'string' // '…' or $$…$$, text unescaped
  | 'int'
  | 'float'
  | 'duration'
  | 'uuid'
  | 'hex' // 0x…, text includes the 0x prefix
  | 'bool' // text is 'true' | 'false'
  | 'punct'
  | 'eof';

export interface Token {
  type: TokenType;
  text: string;
  /** Lower-cased text for identifiers (keyword matching); '' otherwise. */
  lower: string;
  start: number;
  end: number;
}

const C_TAB = 9, C_LF = 10, C_CR = 13, C_SPACE = 32, C_DQUOTE = 34, C_DOLLAR = 36, C_QUOTE = 39;
const C_STAR = 42, C_MINUS = 45, C_DOT = 46, C_SLASH = 47, C_0 = 48, C_9 = 57;
const C_LT = 60, C_EQ = 61, C_GT = 62, C_BANG = 33, C_UNDERSCORE = 95, C_MICRO = 0xb5;

const isDigit = (c: number): boolean => c >= C_0 && c <= C_9;
const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const isIdentPart = (c: number): boolean => isLetter(c) || isDigit(c) || c === C_UNDERSCORE;
const lowerOf = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

const SINGLE_PUNCT = new Set('()[]{},;.*=+?:%/-'.split('').map((ch) => ch.charCodeAt(0)));

/** 1-based line and 0-based column of an offset, as ANTLR reports them. */
export function lineCol(src: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < src.length; i++) {
    if (src.charCodeAt(i) === C_LF) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart };
}

function lexError(src: string, offset: number, msg: string): CqlSyntaxError {
  const { line, col } = lineCol(src, offset);
  return new CqlSyntaxError(`line ${line}:${col} ${msg}`);
}

function describeChar(src: string, i: number): string {
  return i >= src.length ? '<EOF>' : String.fromCodePoint(src.codePointAt(i) ?? 0);
}

/** End of a UUID starting at i, or -1. */
function matchUuid(src: string, i: number): number {
  if (i + 36 > src.length) return -1;
  for (let k = 0; k < 36; k++) {
    const c = src.charCodeAt(i + k);
    if (k === 8 || k === 13 || k === 18 || k === 23) {
      if (c !== C_MINUS) return -1;
    } else if (!isHex(c)) return -1;
  }
  return i + 36;
}

/** Length of a duration unit (y, mo, w, d, h, m, s, ms, us, µs, ns; any case) at i, or 0. */
function unitLength(src: string, i: number): number {
  const c = lowerOf(src.charCodeAt(i));
  const n = lowerOf(src.charCodeAt(i + 1));
  switch (c) {
    case 121: case 119: case 100: case 104: case 115: // y w d h s
      return 1;
    case 109: // m, mo, ms
      return n === 111 || n === 115 ? 2 : 1;
    case 117: case 110: case C_MICRO: // us ns µs
      return n === 115 ? 2 : 0;
    default:
      return 0;
  }
}

function skipDigits(src: string, i: number): number {
  while (isDigit(src.charCodeAt(i))) i++;
  return i;
}

/**
 * End of an ISO-8601 duration whose 'P' is at p, or -1. Designators are upper-case only, as in Cassandra's
 * lexer. Takes the longest valid prefix so that `P1Y2` ends after `P1Y`.
 */
function matchIsoDuration(src: string, p: number): number {
  const d = (k: number): boolean => isDigit(src.charCodeAt(p + k));
  const at = (k: number, ch: string): boolean => src.charCodeAt(p + k) === ch.charCodeAt(0);
  // Alternative format PYYYY-MM-DDThh:mm:ss
  if (d(1) && d(2) && d(3) && d(4) && at(5, '-') && d(6) && d(7) && at(8, '-') && d(9) && d(10) && at(11, 'T') &&
      d(12) && d(13) && at(14, ':') && d(15) && d(16) && at(17, ':') && d(18) && d(19)) {
    return p + 20;
  }
  const components = (i: number, letters: string): number => {
    // Returns the end after the longest run of `digits LETTER` components, letters strictly in order; i if none.
    let end = i;
    let allowed = 0;
    for (;;) {
      const j = skipDigits(src, end);
      if (j === end) return end;
      const idx = letters.indexOf(src[j] ?? '', allowed);
      if (idx < 0) return end;
      end = j + 1;
      allowed = idx + 1;
    }
  };
  let i = p + 1;
  if (src.charCodeAt(i) !== 84 /* T */) {
    const w = skipDigits(src, i);
    if (w > i && src.charCodeAt(w) === 87 /* W */) return w + 1;
    const e = components(i, 'YMD');
    if (e === i) return -1;
    i = e;
    if (src.charCodeAt(i) !== 84) return i;
    const t = components(i + 1, 'HMS');
    return t === i + 1 ? i : t;
  }
  const t = components(i + 1, 'HMS');
  return t === i + 1 ? -1 : t;
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const n = src.length;
  let i = 0;
  const push = (type: TokenType, start: number, end: number, text = src.slice(start, end), lower = ''): void => {
    out.push({ type, text, lower, start, end });
  };
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === C_SPACE || c === C_LF || c === C_TAB || c === C_CR) {
      i++;
      continue;
    }
    const next = src.charCodeAt(i + 1);
    if ((c === C_MINUS && next === C_MINUS) || (c === C_SLASH && next === C_SLASH)) {
      while (i < n && src.charCodeAt(i) !== C_LF && src.charCodeAt(i) !== C_CR) i++;
      continue;
    }
    if (c === C_SLASH && next === C_STAR) {
      const close = src.indexOf('*/', i + 2);
      if (close < 0) throw lexError(src, n, `mismatched character '<EOF>' expecting '*'`);
      i = close + 2;
      continue;
    }
    const start = i;
    if (c === C_QUOTE) {
      const q = readQuoted(src, i, C_QUOTE);
      i = q.end;
      push('string', start, i, q.text);
      continue;
    }
    if (c === C_DOLLAR) {
      if (next !== C_DOLLAR) throw lexError(src, i + 1, `mismatched character '${describeChar(src, i + 1)}' expecting '$'`);
      const close = src.indexOf('$$', i + 2);
      if (close < 0) throw lexError(src, n, `mismatched character '<EOF>' expecting '$'`);
      i = close + 2;
      push('string', start, i, src.slice(start + 2, close));
      continue;
    }
    if (c === C_DQUOTE) {
      const q = readQuoted(src, i, C_DQUOTE);
      i = q.end;
      push('qident', start, i, q.text);
      continue;
    }
    // A UUID wins over every shorter match starting with a hex character (longest match).
    if (isHex(c)) {
      const u = matchUuid(src, i);
      if (u > 0) {
        i = u;
        push('uuid', start, i);
        continue;
      }
    }
    if (isDigit(c) || (c === C_MINUS && isDigit(next))) {
      if (c === C_0 && (next === 120 || next === 88)) {
        i += 2;
        while (isHex(src.charCodeAt(i))) i++;
        push('hex', start, i);
        continue;
      }
      i = skipDigits(src, c === C_MINUS ? i + 1 : i);
      const d = src.charCodeAt(i);
      let type: TokenType = 'int';
      if (d === C_DOT && src.charCodeAt(i + 1) !== C_DOT) {
        type = 'float';
        i = skipDigits(src, i + 1);
        i = skipExponent(src, i);
      } else if ((d === 101 || d === 69) && skipExponent(src, i) > i) {
        type = 'float';
        i = skipExponent(src, i);
      } else {
        let u = unitLength(src, i);
        if (u > 0) {
          type = 'duration';
          while (u > 0) {
            i += u;
            const j = skipDigits(src, i);
            u = j > i ? unitLength(src, j) : 0;
            if (u > 0) i = j;
          }
        }
      }
      push(type, start, i);
      continue;
    }
    if (c === C_MINUS && next === 80 /* P */) {
      const e = matchIsoDuration(src, i + 1);
      if (e > 0) {
        i = e;
        push('duration', start, i);
        continue;
      }
    }
    if (isLetter(c)) {
      let j = i + 1;
      while (isIdentPart(src.charCodeAt(j))) j++;
      if (c === 80 /* P */) {
        const e = matchIsoDuration(src, i);
        // Equal length: DURATION is declared before IDENT in Cassandra's lexer, so it wins the tie.
        if (e >= j) {
          i = e;
          push('duration', start, i);
          continue;
        }
      }
      i = j;
      const text = src.slice(start, i);
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === 'false') push('bool', start, i, lower);
      else push('ident', start, i, text, lower);
      continue;
    }
    if (c === C_LT || c === C_GT || c === C_BANG) {
      if (next === C_EQ) {
        i += 2;
        push('punct', start, i);
        continue;
      }
      if (c === C_BANG) throw lexError(src, i + 1, `mismatched character '${describeChar(src, i + 1)}' expecting '='`);
      i++;
      push('punct', start, i);
      continue;
    }
    if (SINGLE_PUNCT.has(c)) {
      i++;
      push('punct', start, i);
      continue;
    }
    throw lexError(src, i, `no viable alternative at character '${describeChar(src, i)}'`);
  }
  out.push({ type: 'eof', text: '<EOF>', lower: '', start: n, end: n });
  return out;
}

function skipExponent(src: string, i: number): number {
  const e = src.charCodeAt(i);
  if (e !== 101 && e !== 69) return i;
  let j = i + 1;
  const s = src.charCodeAt(j);
  if (s === 43 || s === C_MINUS) j++;
  const k = skipDigits(src, j);
  return k > j ? k : i;
}

/**
 * Reads a quoted string or identifier starting at the opening quote `at`; a doubled quote stands for one quote
 * character, as in both CQL string literals ('it''s') and quoted identifiers ("a""b").
 */
function readQuoted(src: string, at: number, quote: number): { text: string; end: number } {
  const n = src.length;
  const ch = String.fromCharCode(quote);
  let text = '';
  let i = at + 1;
  let segStart = i;
  for (;;) {
    if (i >= n) throw lexError(src, n, `mismatched character '<EOF>' expecting '${ch}'`);
    if (src.charCodeAt(i) === quote) {
      text += src.slice(segStart, i);
      if (src.charCodeAt(i + 1) === quote) {
        text += ch;
        i += 2;
        segStart = i;
        continue;
      }
      return { text, end: i + 1 };
    }
    i++;
  }
}
