import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isUpkeepError } from '@upkeep/errors';
import { loadPolicyConfig } from '../config/load-policy-config.ts';
import { upcomingWindows } from './maintenance-window.ts';
import { nextWindows, windowsFor } from './window-scope.ts';

const config = loadPolicyConfig(`
components:
  app: { github_repo: acme/app }
environments:
  production: {}
  staging: {}
upgrade_policies:
  maintenance_windows:
    enabled: true
    group_timezones:
      paris: Europe/Paris
      nyc: America/New_York
    windows:
      - { day: sunday, start_time: "02:00", end_time: "06:00" }
      - { day: saturday, start_time: "22:00", end_time: "02:00", timezone: UTC, groups: [paris, nyc] }
      - { day: wednesday, start_time: "12:00", end_time: "13:00", environments: [staging] }
`);

const iso = (windows: readonly { start: Date; end: Date }[]) =>
  windows.map((w) => `${w.start.toISOString()}/${w.end.toISOString()}`);

describe('windowsFor', () => {
  it('gives a group its time zone where the window names none', () => {
    const paris = windowsFor(config, { groups: ['paris'], environment: 'production' });
    expect(paris.map((w) => [w.day, w.timezone, w.group])).toEqual([
      ['sunday', 'Europe/Paris', 'paris'],
      ['saturday', 'UTC', 'paris'],
    ]);
  });

  it('leaves out windows of other groups and environments', () => {
    expect(windowsFor(config, { groups: ['berlin'], environment: 'production' }).map((w) => w.day)).toEqual([
      'sunday',
    ]);
    expect(windowsFor(config, { environment: 'staging' }).map((w) => w.day)).toEqual(['sunday', 'wednesday']);
  });
});

describe('nextWindows', () => {
  const now = new Date('2024-03-28T12:00:00Z'); // a Thursday; Europe goes to summer time on 31 March

  it('lists openings in the group zone across the DST change', () => {
    const windows = nextWindows(config, { groups: ['paris'] }, now, 3);
    expect(iso(windows)).toEqual([
      // Saturday 22:00 UTC, crossing midnight.
      '2024-03-30T22:00:00.000Z/2024-03-31T02:00:00.000Z',
      // Sunday 31 March 02:00 Paris does not exist: the window opens at the jump (03:00 CEST = 01:00Z).
      '2024-03-31T01:00:00.000Z/2024-03-31T04:00:00.000Z',
      '2024-04-06T22:00:00.000Z/2024-04-07T02:00:00.000Z',
    ]);
    expect(windows[0]).toMatchObject({
      day: 'saturday',
      timezone: 'UTC',
      groups: ['paris', 'nyc'],
      openNow: false,
    });
  });

  it('shows a window open now first', () => {
    const inside = new Date('2024-04-07T03:00:00Z');
    const [first] = nextWindows(config, { groups: ['nyc'] }, inside, 1);
    expect(first).toMatchObject({ day: 'sunday', timezone: 'America/New_York', openNow: false });
    const [open] = nextWindows(config, {}, inside, 1);
    expect(open).toMatchObject({ day: 'sunday', timezone: 'UTC', openNow: true });
  });

  it('refuses a window environment that is not defined, with a suggestion', () => {
    try {
      loadPolicyConfig(`
components:
  app: { github_repo: acme/app }
environments:
  staging: {}
upgrade_policies:
  maintenance_windows:
    windows:
      - { day: sunday, start_time: "02:00", end_time: "06:00", environments: [stagin] }
`);
      expect.unreachable();
    } catch (error) {
      if (!isUpkeepError(error)) throw error;
      expect(JSON.stringify(error.details)).toContain(
        '\\"stagin\\" is not an environment defined under environments; did you mean \\"staging\\"?',
      );
    }
  });

  it('returns count openings in order, each lasting what the window says in its zone', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date('2037-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom('paris', 'nyc', 'berlin'),
        (at, count, group) => {
          const found = nextWindows(config, { groups: [group], environment: 'staging' }, at, count);
          expect(found).toHaveLength(count);
          for (let i = 1; i < found.length; i++) {
            expect(found[i]?.start.getTime()).toBeGreaterThanOrEqual(found[i - 1]?.start.getTime() ?? 0);
          }
          for (const window of found) {
            expect(window.end.getTime()).toBeGreaterThan(at.getTime());
            const hours = (window.end.getTime() - window.start.getTime()) / 3_600_000;
            // 4 h windows shrink or grow by at most the one-hour DST shift; the 1 h one stays 1 h.
            expect(hours).toBeGreaterThanOrEqual(1);
            expect(hours).toBeLessThanOrEqual(5);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('returns nothing for no windows', () => {
    expect(upcomingWindows([], new Date(), 5)).toEqual([]);
  });
});
