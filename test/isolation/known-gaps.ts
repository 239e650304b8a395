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
  // none: READ COMMITTED re-runs a statement whose row changed since it started; SERIALIZABLE
  // validates its reads at commit.
];
