import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.ts';

describe('backoffDelay', () => {
  it('grows exponentially up to the cap', () => {
    const bounds = [0, 1, 2, 3, 10, 20].map((attempt) =>
      backoffDelay(attempt, DEFAULT_BACKOFF, () => 0.999_999),
    );
    expect(bounds).toEqual([499, 999, 1999, 3999, 59_999, 59_999]);
  });

  it('spreads agents over the whole interval (full jitter)', () => {
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0)).toBe(0);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.5)).toBe(2000);
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const delays = Array.from({ length: 200 }, () => backoffDelay(4, DEFAULT_BACKOFF, random));
    expect(Math.min(...delays)).toBeLessThan(1000);
    expect(Math.max(...delays)).toBeGreaterThan(7000);
  });
});
