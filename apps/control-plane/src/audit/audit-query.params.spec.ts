import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { parseInput } from '../rest/parse-input.ts';
import { auditListQuery, upgradeHistoryQuery } from './audit-query.params.ts';

function problem(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isUpkeepError(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('expected the input to be refused');
}

describe('audit query parameters', () => {
  it('parses every filter, with a date as UTC midnight and a host id or a hostname', () => {
    const parsed = parseInput(
      auditListQuery,
      {
        component: 'node_exporter',
        host: '6A2C0E4E-8F0B-4C53-9D89-0B3C1F6A2B10',
        group: 'prod',
        version: '1.6.0',
        actor: 'token-1',
        action: 'job.succeeded',
        outcome: 'rolled_back',
        since: '2026-03-01',
        until: '2026-06-01T00:00:00+02:00',
        limit: '25',
      },
      'query',
    );
    expect(parsed).toMatchObject({
      component: 'node_exporter',
      host: { id: '6a2c0e4e-8f0b-4c53-9d89-0b3c1f6a2b10' },
      limit: 25,
    });
    expect(parsed.since?.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(parsed.until?.toISOString()).toBe('2026-05-31T22:00:00.000Z');
    expect(parseInput(auditListQuery, { host: 'web-1.example.com' }, 'query')).toMatchObject({
      host: { hostname: 'web-1.example.com' },
      limit: 100,
    });
  });

  it('names the bad value', () => {
    const refuse = (query: Record<string, string>): string =>
      problem(() => parseInput(auditListQuery, query, 'query'));
    expect(refuse({ since: 'last tuesday' })).toBe(
      'INPUT_INVALID: invalid query: since: "last tuesday" is not an ISO-8601 time (2026-03-01, or 2026-03-01T12:00:00Z with an offset)',
    );
    // A time of day without an offset would be read in the server's time zone: refused.
    expect(refuse({ until: '2026-03-01T12:00' })).toContain('"2026-03-01T12:00" is not an ISO-8601 time');
    expect(refuse({ since: '2026-02-30' })).toContain('"2026-02-30"');
    expect(refuse({ limit: '501' })).toContain('limit: "501" is not a whole number from 1 to 500');
    expect(refuse({ limit: '2.5' })).toContain('"2.5"');
    expect(refuse({ host: 'a b' })).toContain('host: "a b" is neither a host id nor a hostname');
    expect(refuse({ component: '../etc' })).toContain('component: "../etc" is not a component name');
    expect(refuse({ outcome: 'FAILED' })).toContain('outcome: "FAILED" is not an outcome');
    expect(refuse({ action: 'job..x' })).toContain('action: "job..x" is not an action');
    expect(refuse({ since: '2026-03-01', until: '2026-03-01' })).toContain(
      'until: since must be before until',
    );
    expect(refuse({ hostname: 'web-1' })).toMatch(/hostname/);
  });

  it('requires a component for the upgrade history and allows a larger limit', () => {
    expect(problem(() => parseInput(upgradeHistoryQuery, { version: '1.6.0' }, 'query'))).toContain(
      'component',
    );
    expect(parseInput(upgradeHistoryQuery, { component: 'loki', limit: '5000' }, 'query').limit).toBe(5000);
  });
});
