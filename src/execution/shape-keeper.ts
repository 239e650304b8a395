// Keeps the hidden classes of per-statement objects alive across memory-reducing collections.
//
// V8 reaches the map (hidden class) an instance gets once its constructor has added its fields
// only through weak transitions from the class's initial map. A full collection that reduces
// memory (a forced gc(), the memory reducer once the process goes idle, a heap snapshot, low
// memory) does not retain such maps: if no instance of a per-statement class is alive at that
// moment, the map is dropped and every function optimized against it is deoptimized ("weak
// objects"). The statements after it ran unoptimized until V8 had optimized them again: W2's and
// W4's first ~4,000 statements after the bench's gc() took ~15-30 µs instead of ~2-3.
// One idle instance of each such class, made at load and kept here for the life of the process,
// keeps its map (and so the optimized code) alive. It must be built with the same field kinds as
// real instances (objects where they hold objects, small integers where they count), so that it
// shares their map rather than forking a new one.

const kept: object[] = [];

/** Keeps `instance` (an idle instance of a per-statement class) alive for good; returns it. */
export function keepShape<T extends object>(instance: T): T {
  kept.push(instance);
  return instance;
}

/** The instances kept (tests check that each shares the map of instances made the usual way). */
export function keptShapes(): readonly object[] {
  return kept;
}
