import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import type { MaintenanceWindow } from './decision-input.ts';
import { maintenanceWindowStatus, parseMaintenanceWindow } from './maintenance-window.ts';

function status(windows: MaintenanceWindow[], now: string, operation?: string) {
  return maintenanceWindowStatus(
    windows.map((w, i) => parseMaintenanceWindow(w, i)),
    new Date(now),
    operation,
  );
}

const seedWindow: MaintenanceWindow = {
  day: 'sunday',
  start_time: '02:00',
  end_time: '06:00',
  allowed_operations: ['upgrade', 'rollback'],
};

describe('maintenanceWindowStatus', () => {
  it('reads the seed window in UTC by default, start inclusive and end exclusive', () => {
    expect(status([seedWindow], '2024-06-09T01:59:00Z').inside).toBeNull();
    expect(status([seedWindow], '2024-06-09T02:00:00Z').inside?.label).toBe('sunday 02:00-06:00 UTC');
    expect(status([seedWindow], '2024-06-09T05:59:59Z').inside).not.toBeNull();
    expect(status([seedWindow], '2024-06-09T06:00:00Z').inside).toBeNull();
  });

  it('accepts day names in any case', () => {
    expect(status([{ ...seedWindow, day: 'Sunday' }], '2024-06-09T03:00:00Z').inside).not.toBeNull();
  });

  it('runs a window that ends before it starts into the next day', () => {
    const overnight: MaintenanceWindow = { day: 'saturday', start_time: '22:00', end_time: '02:00' };
    expect(status([overnight], '2024-06-08T21:59:00Z').inside).toBeNull();
    expect(status([overnight], '2024-06-08T23:30:00Z').inside).not.toBeNull();
    expect(status([overnight], '2024-06-09T01:59:00Z').inside).not.toBeNull();
    expect(status([overnight], '2024-06-09T02:00:00Z').inside).toBeNull();
  });

  it('wraps a Sunday night window into Monday', () => {
    const overnight: MaintenanceWindow = { day: 'sunday', start_time: '23:00', end_time: '01:00' };
    expect(status([overnight], '2024-06-10T00:30:00Z').inside).not.toBeNull();
    expect(status([overnight], '2024-06-10T01:30:00Z').nextOpening?.toISOString()).toBe(
      '2024-06-16T23:00:00.000Z',
    );
  });

  it('takes 24:00 as the end of the day', () => {
    const lateDay: MaintenanceWindow = { day: 'friday', start_time: '18:00', end_time: '24:00' };
    expect(status([lateDay], '2024-06-07T23:59:00Z').inside?.label).toBe('friday 18:00-24:00 UTC');
    expect(status([lateDay], '2024-06-08T00:00:00Z').inside).toBeNull();
  });

  it('reads the wall clock of the window time zone', () => {
    const paris: MaintenanceWindow = { ...seedWindow, timezone: 'Europe/Paris' };
    // 02:30 in Paris in summer (UTC+2) is 00:30 UTC.
    expect(status([paris], '2024-06-09T00:30:00Z').inside).not.toBeNull();
    expect(status([paris], '2024-06-09T04:30:00Z').inside).toBeNull();
    // The same window seen from Saturday 23:30 UTC (Sunday 01:30 in Paris) opens in 30 minutes.
    expect(status([paris], '2024-06-08T23:30:00Z').nextOpening?.toISOString()).toBe(
      '2024-06-09T00:00:00.000Z',
    );
  });

  it('finds the next opening a week ahead when the window just closed', () => {
    expect(status([seedWindow], '2024-06-09T06:00:00Z').nextOpening?.toISOString()).toBe(
      '2024-06-16T02:00:00.000Z',
    );
  });

  it('takes the earliest opening among several windows', () => {
    const windows: MaintenanceWindow[] = [
      seedWindow,
      { day: 'thursday', start_time: '20:00', end_time: '21:00' },
    ];
    expect(status(windows, '2024-06-05T12:00:00Z').nextOpening?.toISOString()).toBe(
      '2024-06-06T20:00:00.000Z',
    );
  });

  it('keeps the wall-clock opening across a daylight-saving change', () => {
    // Europe/Paris moves from UTC+1 to UTC+2 on 2024-03-31 at 01:00 UTC.
    const paris: MaintenanceWindow = {
      day: 'sunday',
      start_time: '04:00',
      end_time: '05:00',
      timezone: 'Europe/Paris',
    };
    expect(status([paris], '2024-03-25T12:00:00Z').nextOpening?.toISOString()).toBe(
      '2024-03-31T02:00:00.000Z',
    );
    // And back on 2024-10-27: 02:00 local first happens at 00:00 UTC.
    const early: MaintenanceWindow = {
      day: 'sunday',
      start_time: '02:00',
      end_time: '04:00',
      timezone: 'Europe/Paris',
    };
    expect(status([early], '2024-10-21T12:00:00Z').nextOpening?.toISOString()).toBe(
      '2024-10-27T00:00:00.000Z',
    );
  });

  it('opens a window whose start time is skipped by the clock at the first minute inside it', () => {
    // New York jumps from 02:00 to 03:00 on 2024-03-10; 02:30 does not exist that day.
    const skipped: MaintenanceWindow = {
      day: 'sunday',
      start_time: '02:30',
      end_time: '03:30',
      timezone: 'America/New_York',
    };
    expect(status([skipped], '2024-03-09T12:00:00Z').nextOpening?.toISOString()).toBe(
      '2024-03-10T07:00:00.000Z',
    );
  });

  it('only uses windows that allow the operation', () => {
    const rollbackOnly: MaintenanceWindow = { ...seedWindow, allowed_operations: ['rollback'] };
    expect(status([rollbackOnly], '2024-06-09T03:00:00Z')).toEqual({ inside: null, nextOpening: null });
    expect(status([rollbackOnly], '2024-06-09T03:00:00Z', 'rollback').inside).not.toBeNull();
  });
});

describe('parseMaintenanceWindow', () => {
  function messageOf(window: MaintenanceWindow): string {
    try {
      parseMaintenanceWindow(window, 2);
    } catch (error) {
      if (isUpkeepError(error)) return `${error.message} | ${error.hint ?? ''}`;
      throw error;
    }
    return 'no error';
  }

  it.each([
    [{ ...seedWindow, day: 'sun' }, 'maintenance_windows.windows[2]: day "sun" is not a day of the week'],
    [{ ...seedWindow, start_time: '25:00' }, 'start_time "25:00" is not a time of day'],
    [{ ...seedWindow, end_time: '6pm' }, 'end_time "6pm" is not a time of day'],
    [{ ...seedWindow, start_time: '24:00' }, 'start_time "24:00" is not a time of day'],
    [{ ...seedWindow, end_time: '02:00' }, 'start_time and end_time are both 02:00'],
    [
      { ...seedWindow, timezone: 'Mars/Olympus_Mons' },
      'timezone "Mars/Olympus_Mons" is not a known time zone',
    ],
  ])('rejects %j', (window, message) => {
    expect(messageOf(window)).toContain(message);
  });

  it('accepts single-digit hours', () => {
    expect(parseMaintenanceWindow({ ...seedWindow, start_time: '2:00' }, 0).label).toBe(
      'sunday 2:00-06:00 UTC',
    );
  });
});
