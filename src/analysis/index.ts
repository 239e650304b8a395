// The analysis layer's public surface.
export { Analyzer, type AnalyzerOptions, type AnalyzerStats } from './analyzer.js';
export { innerStatement } from './inner.js';
export { KIND_FLAGS, STATEMENT_KINDS } from './kind-flags.js';
export type * from './front-nodes.js';
export type { LockingClause } from './shape.js';
export type * from './types.js';
