// toDispatcherError: what a layer caught becomes a DispatcherError with the SQLSTATE of its
// condition. VM limits are limits (54xxx), not internal errors: the fuzzer found
// `repeat(...) || repeat(...) || ...` past V8's longest string reported as XX000.
import { describe, expect, it } from 'vitest';
import { DispatcherError, toDispatcherError } from '../../src/api/errors.js';

function overflowStack(): RangeError {
  const recurse = (n: number): number => recurse(n + 1) + 1;
  try {
    recurse(0);
  } catch (e) {
    return e as RangeError;
  }
  throw new Error('expected a stack overflow');
}

describe('toDispatcherError', () => {
  it('keeps a DispatcherError, naming the statement', () => {
    const e = new DispatcherError('22012', 'division by zero');
    expect(toDispatcherError(e)).toBe(e);
    expect(toDispatcherError(e, 'SELECT 1/0').query).toBe('SELECT 1/0');
  });

  it('maps a stack overflow to 54001 and values past the VM limits to 54000', () => {
    expect(toDispatcherError(overflowStack()).sqlState).toBe('54001');
    let tooLong: unknown;
    try {
      // doubling a rope: nothing is copied until the length passes the VM's limit
      let s = 'x'.repeat(2 ** 20);
      for (let i = 0; i < 12; i++) s = s + s;
      tooLong = s.length;
    } catch (e) {
      tooLong = e;
    }
    expect(tooLong).toBeInstanceOf(RangeError);
    const d = toDispatcherError(tooLong, 'SELECT a || a || a');
    expect(d.sqlState).toBe('54000');
    expect(d.query).toBe('SELECT a || a || a');
    expect(toDispatcherError(new RangeError('Invalid array length')).sqlState).toBe('54000');
  });

  it('maps anything else to XX000 with the original as cause', () => {
    const cause = new TypeError('x is undefined');
    const d = toDispatcherError(cause);
    expect(d.sqlState).toBe('XX000');
    expect(d.cause).toBe(cause);
    expect(toDispatcherError('a string').sqlState).toBe('XX000');
  });
});
