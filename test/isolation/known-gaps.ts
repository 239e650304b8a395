// Hermitage case × level ids ('G1c/RC') where dispatchdb does not yet prevent what PostgreSQL
// prevents, or the case hangs. hermitage.test.ts runs these with it.fails, so a listed case that
// starts passing fails the suite: remove it from this list then.
export const HERMITAGE_KNOWN_GAPS: readonly string[] = [
  // none: every case is prevented at every level (SERIALIZABLE validates read sets at commit)
];

// Level/encoding pairs ('RC/list', 'SER/set') at which the randomized checker
// (properties/isolation-checker.test.ts) still finds histories the level forbids; run there with
// it.fails for the same reason.
export const CHECKER_KNOWN_GAPS: readonly string[] = [
  // READ COMMITTED: an UPDATE in flight across another transaction's commit of the same row can
  // write on the value it read before that commit: the committed append is lost (lost-append,
  // and the stale-read / incompatible-order that follow from it).
  'RC/list',
  // SERIALIZABLE: a statement that waited for a lock then runs on the view taken before the wait,
  // so an UPDATE overwrites the write it waited for (lost append, list) and a read misses the
  // commit it waited for while the next read sees it (G-single, set).
  'SER/list',
  'SER/set',
];
