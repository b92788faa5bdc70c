import { describe, expect, it } from 'vitest';
import { ageText, staleSuffix, staleText } from './freshness-text.ts';

describe('freshness text', () => {
  it.each([
    [0, '0s'],
    [59, '59s'],
    [60, '1m'],
    [3599, '59m'],
    [7200, '2h'],
    [86_399, '23h'],
    [3 * 86_400 + 5, '3d'],
  ])('says %i seconds as %s', (seconds, text) => {
    expect(ageText(seconds)).toBe(text);
  });

  it('notes stale answers with their age and reason, and nothing else', () => {
    const at = '2024-05-01T00:00:00.000Z';
    expect(
      staleText({ origin: 'stale', fetched_at: at, age_seconds: 7300, stale_reason: 'unreachable' }),
    ).toBe('stale: cached 2h ago, upstream unreachable');
    expect(
      staleSuffix({ origin: 'stale', fetched_at: at, age_seconds: 90, stale_reason: 'rate-limited' }),
    ).toBe(' (stale: cached 1m ago, rate limit low)');
    expect(staleText({ origin: 'cache', fetched_at: at, age_seconds: 90 })).toBeUndefined();
    expect(staleSuffix({ origin: 'network', fetched_at: at, age_seconds: 0 })).toBe('');
  });
});
