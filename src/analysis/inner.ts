// The statement inside EXPLAIN or PREPARE as an AnalyzedStatement of its own, for the code that
// runs it (a prepared statement's EXECUTE, EXPLAIN ANALYZE). Its lifted values are the outer
// statement's: lifting numbered them after the inner statement's own parameters.
import { Cursor } from './cursor.js';
import { parseExplainPrefix, parsePreparePrefix } from './front.js';
import type { ExplainNode, PrepareNode } from './front-nodes.js';
import { KIND_FLAGS } from './kind-flags.js';
import { tokenize } from './tokenizer.js';
import type { AnalyzedStatement } from './types.js';

/** The wrapped statement of an EXPLAIN or PREPARE; undefined for any other kind. */
export function innerStatement(outer: AnalyzedStatement): AnalyzedStatement | undefined {
  if (outer.kind !== 'EXPLAIN' && outer.kind !== 'PREPARE') return undefined;
  const node = outer.ast as ExplainNode | PrepareNode;
  const inner = node.statement;
  // the inner text: the outer text after the prefix (re-read: a few tokens, off the hot path)
  const tokens = tokenize(outer.text);
  const c = new Cursor(outer.text, tokens, 0, tokens.length);
  if (outer.kind === 'EXPLAIN') parseExplainPrefix(c);
  else parsePreparePrefix(c);
  const start = tokens[c.pos]?.start ?? outer.text.length;
  return {
    kind: inner.kind,
    flags: KIND_FLAGS[inner.kind],
    ast: inner.ast,
    shapeKey: inner.shapeKey,
    liftedParams: outer.liftedParams,
    liftedTypes: outer.liftedTypes,
    userParamCount: inner.userParamCount,
    text: outer.text.slice(start),
    metadata: inner.metadata,
    cacheHit: outer.cacheHit,
  };
}
