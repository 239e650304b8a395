// V8 pretenures an allocation site once most of its objects have survived a scavenge. A bulk of
// writes (rows kept in tables, commits waiting on fsync) teaches it that about the engine's own
// per-statement message and result sites; from then on every statement's short-lived objects are
// born in the old generation and drag what they reference out of the young one: measured on a
// prepared point select after 1,000 autocommit inserts, 9.1 µs of CPU per statement with
// pretenuring, 5.3 µs without (scratch measurement, CPU time, best of 5 × 50,000). So the
// library turns it off when it loads. DISPATCHDB_V8_PRETENURING=1 keeps V8's default.
import { setFlagsFromString } from 'node:v8';

let applied = false;

export function applyV8Tuning(): void {
  if (applied) return;
  applied = true;
  if (process.env.DISPATCHDB_V8_PRETENURING === '1') return;
  setFlagsFromString('--no-allocation-site-pretenuring');
}

applyV8Tuning();
