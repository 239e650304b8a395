// Parameters as a careless or hostile JavaScript caller passes them: every JS type, values the
// engine cannot store (NaN, Infinity, bigints past int64, objects without a prototype, proxies that
// throw), arrays of the wrong length, and things that are not arrays at all.
import fc from 'fast-check';

class Point {
  constructor(readonly x: number) {}
}

/** Values whose conversion to a string or number throws, or that lie about what they are. */
function oddValue(k: number): unknown {
  switch (k) {
    case 0: return Object.create(null);
    case 1: return { toString: () => { throw new Error('toString exploded'); }, valueOf: () => { throw new Error('valueOf exploded'); } };
    case 2: return new Proxy({}, { get: () => { throw new Error('proxy get'); }, getPrototypeOf: () => { throw new Error('proxy proto'); } });
    case 3: return new Date(Number.NaN);
    case 4: return new Point(1);
    case 5: return [1, [2, [3]]];
    case 6: return new Map([[1, 2]]);
    case 7: return Promise.resolve(1);
    case 8: return () => 1;
    case 9: return new ArrayBuffer(4);
    case 10: return new DataView(new ArrayBuffer(2));
    case 11: return new Int16Array([1, -1]);
    case 12: return Buffer.from('buf\0');
    case 13: return new Uint8Array(0);
    case 14: return /re/g;
    case 15: return new Error('an error as a value');
    case 16: return Object.assign(Object.create(null), { length: 1, 0: 1 });
    case 17: return new String('boxed');
    case 18: return new Number(3);
    case 19: return Symbol('sym');
    case 20: return new WeakMap();
    default: return { a: 1, nested: { b: [1, 2] } };
  }
}
const ODD_KINDS = 22;

export const paramValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -100, max: 100 }) },
  { weight: 4, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: fc.constantFrom(null, undefined, true, false) },
  { weight: 2, arbitrary: fc.double() },
  { weight: 2, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, Number.MAX_VALUE, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER + 2, 2 ** 63, -(2 ** 63)) },
  { weight: 2, arbitrary: fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }) },
  { weight: 1, arbitrary: fc.constantFrom(2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, -(2n ** 63n) - 1n, 0n) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 16 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '\0', 'NaN', '1e400', '9223372036854775808', "'; DROP TABLE t1; --", 'x'.repeat(100_000)) },
  { weight: 2, arbitrary: fc.nat(ODD_KINDS - 1).map(oddValue) },
);

/** What is passed as the parameter list: usually an array of about the right length, sometimes not an array. */
export function paramList(expected: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.array(paramValue, { minLength: expected, maxLength: expected }) },
    { weight: 2, arbitrary: fc.array(paramValue, { maxLength: expected + 2 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>(null, 'abc', 42, {}, { length: 2, 0: 1, 1: 2 }, new Uint8Array(2), [,], Object.create(null)),
    },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/** Highest `$n` outside string literals and quoted identifiers (a rough count: a mismatch is itself a fine test). */
export function placeholderCount(sql: string): number {
  let max = 0;
  const re = /'(?:[^']|'')*'|"(?:[^"]|"")*"|\$(\d{1,3})(?!\d)/g;
  for (let m = re.exec(sql); m !== null; m = re.exec(sql)) {
    if (m[1] !== undefined) max = Math.max(max, Number(m[1]));
  }
  return max;
}
