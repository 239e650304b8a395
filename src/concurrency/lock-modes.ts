// Multi-granularity lock modes and their compatibility (Gray's matrix): intention modes on tables,
// S / X on keys and ranges.

export type LockMode = 'IS' | 'IX' | 'S' | 'SIX' | 'X';

export const LOCK_MODES: readonly LockMode[] = ['IS', 'IX', 'S', 'SIX', 'X'];

const COMPATIBLE: Readonly<Record<LockMode, Readonly<Record<LockMode, boolean>>>> = {
  IS: { IS: true, IX: true, S: true, SIX: true, X: false },
  IX: { IS: true, IX: true, S: false, SIX: false, X: false },
  S: { IS: true, IX: false, S: true, SIX: false, X: false },
  SIX: { IS: true, IX: false, S: false, SIX: false, X: false },
  X: { IS: false, IX: false, S: false, SIX: false, X: false },
};

export function compatible(a: LockMode, b: LockMode): boolean {
  return COMPATIBLE[a][b];
}

/** The weakest mode at least as strong as both (the lattice join), used for upgrades. */
export function supremum(a: LockMode, b: LockMode): LockMode {
  if (a === b) return a;
  if (a === 'X' || b === 'X') return 'X';
  const pair = new Set([a, b]);
  if (pair.has('SIX')) return 'SIX';
  if (pair.has('S') && pair.has('IX')) return 'SIX';
  if (pair.has('S')) return 'S';
  if (pair.has('IX')) return 'IX';
  return 'IS';
}

/** True when holding `held` already grants everything `wanted` would. */
export function covers(held: LockMode, wanted: LockMode): boolean {
  return supremum(held, wanted) === held;
}
