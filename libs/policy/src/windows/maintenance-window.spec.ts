import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isUpkeepError } from '@upkeep/errors';
import { WEEKDAYS } from '../config/policy-config.schema.ts';
import type { MaintenanceWindow } from '../config/policy-config.schema.ts';
import {
  checkMaintenanceWindows,
  isWithinWindow,
  nextWindow,
  openWindow,
  windowLabel,
} from './maintenance-window.ts';

const at = (iso: string) => new Date(iso);
// 2024-06-02 is a Sunday.
const sunday: MaintenanceWindow = {
  day: 'sunday',
  start_time: '02:00',
  end_time: '06:00',
  allowed_operations: ['upgrade', 'rollback'],
};

function configErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (!isUpkeepError(error)) throw error;
    return `${error.code}: ${error.message}`;
  }
  return expect.unreachable();
}

describe('isWithinWindow in UTC', () => {
  it.each([
    ['2024-06-02T01:59:59Z', false],
    ['2024-06-02T02:00:00Z', true],
    ['2024-06-02T05:59:59Z', true],
    ['2024-06-02T06:00:00Z', false],
    ['2024-06-03T03:00:00Z', false],
    ['2024-06-09T03:00:00Z', true],
  ])('at %s: %s', (iso, expected) => {
    expect(isWithinWindow([sunday], at(iso), 'upgrade')).toBe(expected);
  });

  it('allows only the listed operations', () => {
    expect(isWithinWindow([sunday], at('2024-06-02T03:00:00Z'), 'rollback')).toBe(true);
    expect(isWithinWindow([sunday], at('2024-06-02T03:00:00Z'), 'install')).toBe(false);
  });

  it('a window without allowed_operations allows all', () => {
    const { allowed_operations: _, ...open } = sunday;
    expect(isWithinWindow([open], at('2024-06-02T03:00:00Z'), 'downgrade')).toBe(true);
  });

  it('no windows: never within', () => {
    expect(isWithinWindow([], at('2024-06-02T03:00:00Z'), 'upgrade')).toBe(false);
  });

  it('a window crossing midnight is open on both days', () => {
    const friday: MaintenanceWindow = { day: 'friday', start_time: '22:00', end_time: '02:00' };
    expect(isWithinWindow([friday], at('2024-05-31T21:59:00Z'), 'upgrade')).toBe(false);
    expect(isWithinWindow([friday], at('2024-05-31T23:00:00Z'), 'upgrade')).toBe(true);
    expect(isWithinWindow([friday], at('2024-06-01T01:59:00Z'), 'upgrade')).toBe(true);
    expect(isWithinWindow([friday], at('2024-06-01T02:00:00Z'), 'upgrade')).toBe(false);
    expect(isWithinWindow([friday], at('2024-05-30T23:00:00Z'), 'upgrade')).toBe(false);
  });

  it('a Sunday-night window runs into Monday, and next opens the Sunday after', () => {
    const late: MaintenanceWindow = { day: 'sunday', start_time: '23:00', end_time: '01:00' };
    expect(isWithinWindow([late], at('2024-06-03T00:30:00Z'), 'upgrade')).toBe(true);
    expect(nextWindow([late], at('2024-06-03T01:30:00Z'))?.start).toEqual(at('2024-06-09T23:00:00Z'));
  });

  it('00:00 to 24:00 is the whole day', () => {
    const wednesday: MaintenanceWindow = { day: 'wednesday', start_time: '00:00', end_time: '24:00' };
    expect(isWithinWindow([wednesday], at('2024-06-05T00:00:00Z'), 'upgrade')).toBe(true);
    expect(isWithinWindow([wednesday], at('2024-06-05T23:59:59Z'), 'upgrade')).toBe(true);
    expect(isWithinWindow([wednesday], at('2024-06-06T00:00:00Z'), 'upgrade')).toBe(false);
  });

  it('an evening window ending at 24:00 closes at midnight', () => {
    const evening: MaintenanceWindow = { day: 'friday', start_time: '18:00', end_time: '24:00' };
    expect(isWithinWindow([evening], at('2024-06-07T23:59:00Z'), 'upgrade')).toBe(true);
    expect(isWithinWindow([evening], at('2024-06-08T00:00:00Z'), 'upgrade')).toBe(false);
  });

  it('matches day names in any case (the loader lowercases them; a hand-built input may not)', () => {
    const capitalised = { ...sunday, day: 'Sunday' as 'sunday' };
    expect(isWithinWindow([capitalised], at('2024-06-02T03:00:00Z'), 'upgrade')).toBe(true);
    expect(windowLabel(capitalised)).toBe('sunday 02:00-06:00 UTC');
  });

  it('windowLabel names the day, the times and the zone', () => {
    expect(windowLabel(sunday)).toBe('sunday 02:00-06:00 UTC');
    expect(
      windowLabel({ day: 'friday', start_time: '18:00', end_time: '24:00', timezone: 'Asia/Tokyo' }),
    ).toBe('friday 18:00-24:00 Asia/Tokyo');
  });

  it('openWindow returns the occurrence and its bounds', () => {
    expect(openWindow([sunday], at('2024-06-02T03:00:00Z'), 'upgrade')).toEqual({
      window: sunday,
      start: at('2024-06-02T02:00:00Z'),
      end: at('2024-06-02T06:00:00Z'),
    });
    expect(openWindow([sunday], at('2024-06-02T07:00:00Z'))).toBeUndefined();
  });
});

describe('isWithinWindow with time zones', () => {
  const paris: MaintenanceWindow = { ...sunday, timezone: 'Europe/Paris' };

  it('reads window times as wall-clock in the zone, summer and winter', () => {
    // Summer: Paris is UTC+2, so 02:00-06:00 is 00:00-04:00 UTC.
    expect(isWithinWindow([paris], at('2024-06-02T00:30:00Z'), 'upgrade')).toBe(true);
    expect(isWithinWindow([paris], at('2024-06-02T04:30:00Z'), 'upgrade')).toBe(false);
    // Winter: UTC+1, 01:00-05:00 UTC.
    expect(isWithinWindow([paris], at('2024-01-07T00:30:00Z'), 'upgrade')).toBe(false);
    expect(isWithinWindow([paris], at('2024-01-07T04:30:00Z'), 'upgrade')).toBe(true);
    // Saturday 23:30 UTC is Sunday 01:30 in Paris: the window opens in 30 minutes.
    expect(nextWindow([paris], at('2024-06-01T23:30:00Z'))?.start).toEqual(at('2024-06-02T00:00:00Z'));
  });

  it('keeps the wall-clock opening across a daylight-saving change', () => {
    // Paris moves from UTC+1 to UTC+2 on 2024-03-31 at 01:00 UTC.
    const spring: MaintenanceWindow = {
      day: 'sunday',
      start_time: '04:00',
      end_time: '05:00',
      timezone: 'Europe/Paris',
    };
    expect(nextWindow([spring], at('2024-03-25T12:00:00Z'))?.start).toEqual(at('2024-03-31T02:00:00Z'));
    // And back on 2024-10-27: 02:00 local first happens at 00:00 UTC.
    const autumn: MaintenanceWindow = { ...spring, start_time: '02:00', end_time: '04:00' };
    expect(nextWindow([autumn], at('2024-10-21T12:00:00Z'))?.start).toEqual(at('2024-10-27T00:00:00Z'));
  });

  it('uses the local day, not the UTC day', () => {
    // Monday 01:00-03:00 in Tokyo (UTC+9) is Sunday 16:00-18:00 UTC.
    const tokyo: MaintenanceWindow = {
      day: 'monday',
      start_time: '01:00',
      end_time: '03:00',
      timezone: 'Asia/Tokyo',
    };
    expect(isWithinWindow([tokyo], at('2024-06-02T17:00:00Z'), 'upgrade')).toBe(true);
    expect(isWithinWindow([tokyo], at('2024-06-03T17:00:00Z'), 'upgrade')).toBe(false);
  });

  it('handles the spring-forward night: the window is an hour shorter', () => {
    // 2024-03-31 in Paris: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
    const night: MaintenanceWindow = {
      day: 'sunday',
      start_time: '01:00',
      end_time: '04:00',
      timezone: 'Europe/Paris',
    };
    expect(openWindow([night], at('2024-03-31T01:30:00Z'))).toEqual({
      window: night,
      start: at('2024-03-31T00:00:00Z'),
      end: at('2024-03-31T02:00:00Z'),
    });
  });

  it('handles the fall-back night: the window is an hour longer', () => {
    // 2024-10-27 in Paris: 03:00 CEST goes back to 02:00 CET (01:00 UTC).
    const night: MaintenanceWindow = {
      day: 'sunday',
      start_time: '01:00',
      end_time: '04:00',
      timezone: 'Europe/Paris',
    };
    expect(openWindow([night], at('2024-10-27T02:30:00Z'))).toEqual({
      window: night,
      start: at('2024-10-26T23:00:00Z'),
      end: at('2024-10-27T03:00:00Z'),
    });
  });

  // The clock jumps from 02:00 to 03:00: from the jump on it shows a time inside
  // the window, so the window is open from the jump (not from 02:30 under the old
  // offset, which is 03:30 on the clock).
  it('a window starting in the skipped hour opens at the jump', () => {
    const skipped: MaintenanceWindow = {
      day: 'sunday',
      start_time: '02:30',
      end_time: '04:00',
      timezone: 'Europe/Paris',
    };
    expect(nextWindow([skipped], at('2024-03-30T00:00:00Z'))).toEqual({
      window: skipped,
      start: at('2024-03-31T01:00:00Z'),
      end: at('2024-03-31T02:00:00Z'),
    });
    expect(isWithinWindow([skipped], at('2024-03-31T01:15:00Z'), 'upgrade')).toBe(true);
  });

  it('a window that ends an hour after a skipped start still opens (New York)', () => {
    // New York jumps from 02:00 to 03:00 on 2024-03-10 (07:00 UTC); 02:30 does not exist.
    const skipped: MaintenanceWindow = {
      day: 'sunday',
      start_time: '02:30',
      end_time: '03:30',
      timezone: 'America/New_York',
    };
    expect(nextWindow([skipped], at('2024-03-09T12:00:00Z'))).toEqual({
      window: skipped,
      start: at('2024-03-10T07:00:00Z'),
      end: at('2024-03-10T07:30:00Z'),
    });
  });

  it('a window lying wholly in the skipped hour does not open that day', () => {
    const gone: MaintenanceWindow = {
      day: 'sunday',
      start_time: '02:10',
      end_time: '02:50',
      timezone: 'Europe/Paris',
    };
    expect(nextWindow([gone], at('2024-03-30T00:00:00Z'))?.start).toEqual(at('2024-04-07T00:10:00Z'));
  });
});

describe('nextWindow', () => {
  it('finds the next opening', () => {
    expect(nextWindow([sunday], at('2024-06-03T12:00:00Z'))).toEqual({
      window: sunday,
      start: at('2024-06-09T02:00:00Z'),
      end: at('2024-06-09T06:00:00Z'),
    });
  });

  it('returns the open window when one is open', () => {
    expect(nextWindow([sunday], at('2024-06-02T05:00:00Z'))?.start).toEqual(at('2024-06-02T02:00:00Z'));
  });

  it('returns next week once today’s window has closed', () => {
    expect(nextWindow([sunday], at('2024-06-02T06:00:00Z'))?.start).toEqual(at('2024-06-09T02:00:00Z'));
  });

  it('returns a window that opened yesterday and is still open', () => {
    const friday: MaintenanceWindow = { day: 'friday', start_time: '22:00', end_time: '02:00' };
    expect(nextWindow([friday], at('2024-06-01T01:00:00Z'))?.start).toEqual(at('2024-05-31T22:00:00Z'));
  });

  it('picks the earliest of several windows, and filters by operation', () => {
    const tuesday: MaintenanceWindow = {
      day: 'tuesday',
      start_time: '10:00',
      end_time: '11:00',
      allowed_operations: ['install'],
    };
    const windows = [sunday, tuesday];
    expect(nextWindow(windows, at('2024-06-03T00:00:00Z'))?.window).toBe(tuesday);
    expect(nextWindow(windows, at('2024-06-03T00:00:00Z'), 'upgrade')?.window).toBe(sunday);
    expect(nextWindow(windows, at('2024-06-03T00:00:00Z'), 'downgrade')).toBeUndefined();
  });

  it('no windows: no next window', () => {
    expect(nextWindow([], at('2024-06-03T00:00:00Z'))).toBeUndefined();
  });
});

describe('bad windows', () => {
  const field = (index: number, name: string) =>
    `CONFIG_INVALID: upgrade_policies.maintenance_windows.windows[${index}].${name}:`;
  it.each([
    [
      { ...sunday, timezone: 'Mars/Olympus' },
      'timezone',
      '"Mars/Olympus" is not an IANA time zone such as "UTC" or "Europe/Paris"',
    ],
    // Single-digit hours are refused, as the loader refuses them.
    [{ ...sunday, start_time: '2:00' }, 'start_time', '"2:00" is not a time of day; write HH:MM'],
    [{ ...sunday, start_time: '25:00' }, 'start_time', '"25:00" is not a time of day'],
    [{ ...sunday, end_time: '06:60' }, 'end_time', '"06:60" is not a time of day'],
    [{ ...sunday, end_time: '6pm' }, 'end_time', '"6pm" is not a time of day'],
    [{ ...sunday, start_time: '24:00' }, 'start_time', '"24:00" is not a start time before 24:00'],
    [
      { ...sunday, end_time: '02:00' },
      'end_time',
      '"02:00" is not different from start_time (the window would be empty; for a whole day write "00:00" to "24:00")',
    ],
    [{ ...sunday, day: 'funday' as 'sunday' }, 'day', '"funday" is not one of monday, tuesday'],
    [{ ...sunday, day: 'sun' as 'sunday' }, 'day', '"sun" is not one of monday'],
  ])('%j is refused, naming the field and the bad value', (window, name, expected) => {
    expect(configErrorOf(() => isWithinWindow([window], at('2024-06-02T03:00:00Z'), 'upgrade'))).toContain(
      `${field(0, name)} ${expected}`,
    );
    expect(configErrorOf(() => nextWindow([sunday, window], at('2024-06-02T03:00:00Z')))).toContain(
      `${field(1, name)} ${expected}`,
    );
    expect(
      configErrorOf(() => {
        checkMaintenanceWindows([sunday, window]);
      }),
    ).toContain(`${field(1, name)} ${expected}`);
  });

  it('checkMaintenanceWindows accepts good windows', () => {
    expect(() => {
      checkMaintenanceWindows([sunday, { ...sunday, timezone: 'Asia/Tokyo' }]);
    }).not.toThrow();
  });

  it('an invalid date for now is refused', () => {
    expect(configErrorOf(() => isWithinWindow([sunday], new Date('nope'), 'upgrade'))).toContain(
      'INPUT_INVALID',
    );
  });
});

describe('windows (property)', () => {
  const time = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45));
  const windowArb = fc
    .tuple(
      fc.constantFrom(...WEEKDAYS),
      time,
      time,
      fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'),
    )
    .filter(([, s, e]) => s[0] !== e[0] || s[1] !== e[1])
    .map(([day, [sh, sm], [eh, em], timezone]): MaintenanceWindow => ({
      day,
      start_time: `${String(sh).padStart(2, '0')}:${String(sm).padStart(2, '0')}`,
      end_time: `${String(eh).padStart(2, '0')}:${String(em).padStart(2, '0')}`,
      timezone,
    }));
  const instant = fc
    .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) })
    .map((ms) => new Date(ms));

  it('in UTC, agrees with minute-of-week arithmetic', () => {
    fc.assert(
      fc.property(windowArb, instant, (window, now) => {
        const utc = { ...window, timezone: 'UTC' };
        const [sh, sm] = utc.start_time.split(':').map(Number) as [number, number];
        const [eh, em] = utc.end_time.split(':').map(Number) as [number, number];
        const week = 7 * 1440;
        const start = ((WEEKDAYS.indexOf(utc.day) + 1) % 7) * 1440 + sh * 60 + sm;
        const length = (eh * 60 + em - (sh * 60 + sm) + 1440) % 1440;
        const minuteOfWeek =
          now.getUTCDay() * 1440 +
          now.getUTCHours() * 60 +
          now.getUTCMinutes() +
          now.getUTCSeconds() / 60 +
          now.getUTCMilliseconds() / 60_000;
        const expected = (((minuteOfWeek - start) % week) + week) % week < length;
        expect(isWithinWindow([utc], now, 'upgrade')).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('nextWindow is open at its start and just before its end, closed at its end, and not in the past', () => {
    fc.assert(
      fc.property(windowArb, instant, (window, now) => {
        const next = nextWindow([window], now);
        expect(next).toBeDefined();
        if (next === undefined) return;
        expect(next.end.getTime()).toBeGreaterThan(now.getTime());
        // A week ahead at most, or two when the next opening falls wholly inside the hour a
        // spring-forward night skips (sunday 02:00-02:45 America/New_York on 2023-03-12).
        expect(next.start.getTime() - now.getTime()).toBeLessThanOrEqual(15 * 86_400_000);
        expect(isWithinWindow([window], next.start, 'upgrade')).toBe(true);
        expect(isWithinWindow([window], new Date(next.end.getTime() - 1), 'upgrade')).toBe(true);
        expect(isWithinWindow([window], next.end, 'upgrade')).toBe(false);
        const openNow = isWithinWindow([window], now, 'upgrade');
        expect(openNow).toBe(next.start.getTime() <= now.getTime());
      }),
      { numRuns: 500 },
    );
  });
});

describe('a window wholly inside a skipped DST hour', () => {
  it('does not open that day; the next one is a week later', () => {
    const window: MaintenanceWindow = {
      day: 'sunday',
      start_time: '02:00',
      end_time: '02:45',
      timezone: 'America/New_York',
    };
    const next = nextWindow([window], new Date('2023-03-05T07:45:00.000Z'));
    expect(next?.start.toISOString()).toBe('2023-03-19T06:00:00.000Z');
  });
});
