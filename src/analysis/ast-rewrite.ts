// The walk the front-end AST rewrites share: every object node under a root, children before
// their parent, each replaced in place by what `rewrite` returns for it.

/** Rewrites `root`'s nodes innermost first; returns the (possibly replaced) root. */
export function rewriteAst(root: unknown, rewrite: (node: Record<string, unknown>) => unknown): unknown {
  const visit = (n: unknown): unknown => {
    if (Array.isArray(n)) {
      for (let i = 0; i < n.length; i++) n[i] = visit(n[i]);
      return n;
    }
    if (n === null || typeof n !== 'object') return n;
    const o = n as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = visit(o[k]);
    return rewrite(o);
  };
  return visit(root);
}
