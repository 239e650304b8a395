// PostgreSQL's regular-expression predicates: `x ~ p`, `~*` (case-insensitive), `!~`, `!~*`, and
// `x [NOT] SIMILAR TO p` (SQL's regular expressions: % and _ as in LIKE, | * + ? {m,n} ( ) [ ]
// as in a regex, matched against the whole string). Patterns run as JavaScript regular
// expressions, which agree with PostgreSQL's on the common syntax; a pattern is compiled once
// while it stays the same. NULL on either side is NULL.
import type { Row } from '../storage/ports.js';
import type { Node } from './ast.js';
import type { Compiled, ExprCompiler } from './expr.js';
import type { Eval, Frame } from './runtime.js';
import type { Scope } from './scope.js';
import { err, textOf } from './values.js';

function compiled(pattern: string, flags: string): RegExp {
  try {
    return new RegExp(pattern, flags);
  } catch (e) {
    throw err('2201B', `invalid regular expression: ${(e as Error).message}`);
  }
}

/** A character matched as itself in a regular expression source. */
function literal(c: string): string {
  return /[.*+?^${}()|[\]\\/-]/.test(c) ? '\\' + c : c;
}

/** A SIMILAR TO pattern as a JavaScript regular expression source, anchored at both ends. */
export function similarSource(p: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\' && i + 1 < p.length) {
      // An escaped character stands for itself.
      out += literal(p[++i]!);
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    switch (c) {
      case '%':
        out += '.*';
        break;
      case '_':
        out += '.';
        break;
      case '[':
        inClass = true;
        out += c;
        break;
      case '|':
      case '*':
      case '+':
      case '?':
      case '{':
      case '}':
      case '(':
      case ')':
        out += c;
        break;
      default:
        out += literal(c);
    }
  }
  return `^(?:${out})$`;
}

/** `~`, `~*`, `!~`, `!~*`, `SIMILAR TO`, `NOT SIMILAR TO`; null for any other operator. */
export function compileRegexMatch(ec: ExprCompiler, op: string, n: Node, scope: Scope): Compiled | null {
  let negate: boolean;
  let flags = 's';
  let similar = false;
  switch (op) {
    case '~':
      negate = false;
      break;
    case '~*':
      negate = false;
      flags += 'i';
      break;
    case '!~':
      negate = true;
      break;
    case '!~*':
      negate = true;
      flags += 'i';
      break;
    case 'SIMILAR TO':
    case 'NOT SIMILAR TO':
      negate = op.startsWith('NOT');
      similar = true;
      break;
    default:
      return null;
  }
  let lastPat: string | null = null;
  let lastRe: RegExp | null = null;
  const regexOf = (ps: string): RegExp => {
    if (lastRe === null || ps !== lastPat) {
      lastRe = compiled(similar ? similarSource(ps) : ps, flags);
      lastPat = ps;
    }
    return lastRe;
  };
  return patternPredicate(ec.compile(n.left, scope).ev, ec.compile(n.right, scope).ev, regexOf, negate);
}

/**
 * `x` matched against the pattern `p` evaluates to, through the regular expression `regexOf` makes
 * of the pattern's text (null: the answer is NULL); NULL when either side is. LIKE shares it.
 */
export function patternPredicate(x: Eval, p: Eval, regexOf: (pattern: string, r: Row, f: Frame) => RegExp | null, negate: boolean): Compiled {
  return {
    type: 'boolean',
    name: '?column?',
    ev: (r, f) => {
      const v = x(r, f);
      if (v === null) return null;
      const pv = p(r, f);
      if (pv === null) return null;
      const re = regexOf(textOf(pv), r, f);
      return re === null ? null : re.test(textOf(v)) !== negate;
    },
  };
}
