import { describe, expect, it } from 'vitest';
import { parseLinkHeader } from './link-header.ts';
import { RateLimitGate } from './rate-limit-gate.ts';

describe('parseLinkHeader', () => {
  it('reads rel values, several rels per link and commas inside URLs', () => {
    const links = parseLinkHeader(
      '<https://api.test/r?page=2&q=a,b>; rel="next", <https://api.test/r?page=9>; rel="last end", <x>; title="no rel"',
    );
    expect(Object.fromEntries(links)).toEqual({
      next: 'https://api.test/r?page=2&q=a,b',
      last: 'https://api.test/r?page=9',
      end: 'https://api.test/r?page=9',
    });
    expect(parseLinkHeader(null).size).toBe(0);
  });
});

describe('RateLimitGate', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  const headers = (remaining: number, resource = 'core') =>
    new Headers({
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': String(now / 1000 + 60),
      'x-ratelimit-resource': resource,
    });

  it('limits below the threshold until the window resets', () => {
    const gate = new RateLimitGate('https://api.test', 10);
    expect(gate.check(now).limited).toBe(false);
    gate.observe(headers(10));
    expect(gate.check(now).limited).toBe(false);
    gate.observe(headers(9));
    expect(gate.check(now)).toMatchObject({ limited: true });
    expect(gate.check(now + 61_000).limited).toBe(false);
  });

  it('ignores other budgets and reads GitLab headers', () => {
    const gate = new RateLimitGate('https://api.test', 10);
    gate.observe(headers(0, 'search'));
    expect(gate.check(now).limited).toBe(false);
    gate.observe(new Headers({ 'ratelimit-remaining': '2', 'ratelimit-reset': String(now / 1000 + 60) }));
    expect(gate.snapshot()).toMatchObject({ remaining: 2 });
    expect(new RateLimitGate('x', 0).check(now).limited).toBe(false);
  });
});
