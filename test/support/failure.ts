// What a call that must fail rejected with: a DispatcherError, or the test fails (also when the
// promise resolves).
import { expect } from 'vitest';
import { DispatcherError } from '../../src/api/errors.js';

export async function failure(p: Promise<unknown>): Promise<DispatcherError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DispatcherError);
  return e as DispatcherError;
}
