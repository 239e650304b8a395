import { describe, expect, it } from 'vitest';
import { Lru } from '../../src/analysis/lru.js';

describe('Lru', () => {
  it('never holds more than its capacity and evicts the oldest first', () => {
    const l = new Lru<string, number>(3);
    for (let i = 0; i < 10; i++) l.set(`k${i}`, i);
    expect(l.size).toBe(3);
    expect(l.get('k6')).toBeUndefined();
    expect([l.get('k7'), l.get('k8'), l.get('k9')]).toEqual([7, 8, 9]);
  });

  it('keeps a key that is used while many others come and go', () => {
    const l = new Lru<string, number>(100);
    l.set('hot', 1);
    for (let i = 0; i < 10_000; i++) {
      l.set(`cold${i}`, i);
      expect(l.get('hot')).toBe(1);
    }
    expect(l.size).toBe(100);
  });

  it('a zero capacity caches nothing', () => {
    const l = new Lru<string, number>(0);
    l.set('a', 1);
    expect(l.get('a')).toBeUndefined();
    expect(l.size).toBe(0);
  });
});
