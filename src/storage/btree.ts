// Copy-on-write B+tree operations over decoded nodes, gathered under one name for the rest of
// storage: the node source in node-source.ts, the read side (search, descent, lookups, walk) in
// tree-read.ts, the write side (insert, remove, split, merge, copy-on-write) in tree-writer.ts.
export { TreeSource, objectSource } from './node-source.js';
export type { NodeSource, PageCache } from './node-source.js';
export {
  childIndex,
  hasPrefix,
  indexInLeaf,
  leafFor,
  lookup,
  lookupShared,
  lookupSharedNumber,
  prefixRun,
  searchKeys,
  walkTree,
} from './tree-read.js';
export { MAX_CHILDREN, MAX_LEAF_ENTRIES, PutMode, TreeWriter, currentTreeEpoch } from './tree-writer.js';
