import { describe, expect, it } from 'vitest';
import { MAX_DURATION_SECONDS, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it.each([
    [0, 0],
    [900, 900],
    [1.5, 1.5],
    ['900', 900],
    [' 15m ', 900],
    ['90s', 90],
    ['72h', 259_200],
    ['7d', 604_800],
    ['2w', 1_209_600],
    ['1h30m', 5400],
    ['1d12h', 129_600],
    ['250ms', 0.25],
    ['1.5h', 5400],
    ['0.1s', 0.1],
  ])('%j is %d seconds', (input, seconds) => {
    expect(parseDuration(input)).toEqual({ ok: true, seconds });
  });

  it('does not print float noise', () => {
    expect(parseDuration('0.1s0.2s')).toEqual({ ok: true, seconds: 0.3 });
  });

  it.each([
    ['abc', 'is not a duration'],
    ['', 'is not a duration'],
    ['5 m', 'is not a duration'],
    ['5M', 'is not a duration'],
    ['-5s', 'is not a duration'],
    ['1y', 'is not a duration'],
    ['h', 'is not a duration'],
    [-1, 'must be zero or more seconds'],
    [Number.NaN, 'must be zero or more seconds'],
    [Number.POSITIVE_INFINITY, 'must be zero or more seconds'],
    [MAX_DURATION_SECONDS + 1, 'longer than ten years'],
    ['5000w', 'longer than ten years'],
    [true, 'expected a duration'],
    [null, 'expected a duration'],
    [[5], 'expected a duration'],
  ])('refuses %j (%s)', (input, reason) => {
    const result = parseDuration(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain(reason);
  });

  it('refuses a hostile long string quickly, shortening it in the reason', () => {
    const hostile = '1s'.repeat(100_000);
    const started = performance.now();
    const result = parseDuration(hostile);
    expect(performance.now() - started).toBeLessThan(50);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason.length).toBeLessThan(200);
  });
});
