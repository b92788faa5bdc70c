import { UpkeepError } from '@upkeep/errors';
import { WEEKDAYS, type MaintenanceWindow, type WindowOperation } from '../config/policy-config.schema.ts';
import { isValidTimeZone } from '../config/schema-fields.ts';

/** One concrete opening of a window. `end` is exclusive. */
export interface WindowOccurrence {
  readonly window: MaintenanceWindow;
  readonly start: Date;
  readonly end: Date;
}

const DAY_MS = 86_400_000;
const TIME = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

function wallClock(instant: number, zone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** The zone's offset from UTC at `instant`, in milliseconds. */
function offsetAt(instant: number, zone: string): number {
  const w = wallClock(instant, zone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(instant / 1000) * 1000;
}

/**
 * The first instant at which the wall clock in `zone` reads `minutes` past the
 * midnight that starts `year-month-day`, or later. A time repeated when the
 * clock goes back is its first occurrence; a time the clock jumps over is the
 * instant of the jump, because from then on the clock shows a later time.
 */
function zonedInstant(year: number, month: number, day: number, minutes: number, zone: string): number {
  const local = Date.UTC(year, month - 1, day, 0, minutes);
  const before = offsetAt(local - DAY_MS, zone);
  const after = offsetAt(local + DAY_MS, zone);
  const exact = [local - before, local - after].filter((t) => t + offsetAt(t, zone) === local);
  if (exact.length > 0) return Math.min(...exact);
  let low = local - after;
  let high = local - before;
  if (high <= low) return local - offsetAt(local - offsetAt(local, zone), zone);
  // In the gap: the wall clock reads before `local` at `low` and after it at `high`.
  while (high - low > 1000) {
    const middle = low + Math.floor((high - low) / 2000) * 1000;
    if (middle + offsetAt(middle, zone) >= local) high = middle;
    else low = middle;
  }
  return high;
}

function invalidWindow(index: number, field: string, value: string, expected: string): UpkeepError {
  return new UpkeepError(
    'CONFIG_INVALID',
    `upgrade_policies.maintenance_windows.windows[${index}].${field}: ${JSON.stringify(value)} is not ${expected}`,
    {
      details: { index, field, value },
      hint: 'fix upgrade_policies.maintenance_windows.windows in versions.yaml',
    },
  );
}

function minutesOf(time: string, index: number, field: string): number {
  const match = TIME.exec(time);
  if (match === null) {
    throw invalidWindow(
      index,
      field,
      time,
      `a time of day; write HH:MM in 24-hour form, from "00:00" to "23:59"${field === 'end_time' ? ' (or "24:00")' : ''}`,
    );
  }
  return Number(match[1] ?? match[3]) * 60 + Number(match[2] ?? match[4]);
}

interface ReadWindow {
  readonly zone: string;
  /** 0 = Sunday, as `Date.getUTCDay`. */
  readonly jsDay: number;
  readonly startMinutes: number;
  readonly endMinutes: number;
}

function readWindow(window: MaintenanceWindow, index: number): ReadWindow {
  const zone = window.timezone ?? 'UTC';
  if (!isValidTimeZone(zone))
    throw invalidWindow(index, 'timezone', zone, 'an IANA time zone such as "UTC" or "Europe/Paris"');
  // Days are matched in any case: a hand-built input may say `Sunday`.
  const dayIndex = (WEEKDAYS as readonly string[]).indexOf(window.day.toLowerCase());
  if (dayIndex === -1) throw invalidWindow(index, 'day', window.day, `one of ${WEEKDAYS.join(', ')}`);
  const startMinutes = minutesOf(window.start_time, index, 'start_time');
  const endMinutes = minutesOf(window.end_time, index, 'end_time');
  if (startMinutes >= 24 * 60)
    throw invalidWindow(index, 'start_time', window.start_time, 'a start time before 24:00');
  if (startMinutes === endMinutes) {
    throw invalidWindow(
      index,
      'end_time',
      window.end_time,
      'different from start_time (the window would be empty; for a whole day write "00:00" to "24:00")',
    );
  }
  return { zone, jsDay: (dayIndex + 1) % 7, startMinutes, endMinutes };
}

function occurrencesAround(window: MaintenanceWindow, index: number, now: number): WindowOccurrence[] {
  const { zone, jsDay, startMinutes, endMinutes } = readWindow(window, index);
  const crossesMidnight = endMinutes < startMinutes;
  const today = wallClock(now, zone);
  const result: WindowOccurrence[] = [];
  // Yesterday (a window crossing midnight may still be open) through two weeks
  // ahead (this week's opening may lie in an hour the clock skips).
  for (let offset = -1; offset <= 14; offset++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    if (date.getUTCDay() !== jsDay) continue;
    const y = date.getUTCFullYear();
    const m = date.getUTCMonth() + 1;
    const d = date.getUTCDate();
    const start = zonedInstant(y, m, d, startMinutes, zone);
    const end = zonedInstant(y, m, crossesMidnight ? d + 1 : d, endMinutes, zone);
    // A window lying wholly in a skipped hour never shows on the clock: no opening.
    if (end > start) result.push({ window, start: new Date(start), end: new Date(end) });
  }
  return result;
}

function instantOf(now: Date): number {
  const instant = now.getTime();
  if (Number.isNaN(instant)) {
    throw new UpkeepError(
      'INPUT_INVALID',
      'the current time given to the maintenance window check is not a valid date',
      { hint: 'pass the current time as a valid Date' },
    );
  }
  return instant;
}

function allows(window: MaintenanceWindow, operation: WindowOperation | undefined): boolean {
  return (
    operation === undefined ||
    window.allowed_operations === undefined ||
    window.allowed_operations.includes(operation)
  );
}

/**
 * Checks every window (day, times, time zone) without asking about a time.
 * @throws UpkeepError CONFIG_INVALID naming the window, the field and the bad value.
 */
export function checkMaintenanceWindows(windows: readonly MaintenanceWindow[]): void {
  for (const [index, window] of windows.entries()) readWindow(window, index);
}

/** `sunday 02:00-06:00 UTC`: how explanations name a window. */
export function windowLabel(window: MaintenanceWindow): string {
  return `${window.day.toLowerCase()} ${window.start_time}-${window.end_time} ${window.timezone ?? 'UTC'}`;
}

/**
 * The window open at `now` that allows `operation`, or undefined. Times are
 * wall-clock in each window's `timezone` (default UTC), so DST moves the instants;
 * `allowed_operations` absent allows every operation, an empty list none.
 * @throws UpkeepError CONFIG_INVALID naming a bad time zone, day or time.
 */
export function openWindow(
  windows: readonly MaintenanceWindow[],
  now: Date,
  operation?: WindowOperation,
): WindowOccurrence | undefined {
  const instant = instantOf(now);
  for (const [index, window] of windows.entries()) {
    const open = occurrencesAround(window, index, instant).find(
      (o) => o.start.getTime() <= instant && instant < o.end.getTime(),
    );
    if (open !== undefined && allows(window, operation)) return open;
  }
  return undefined;
}

/**
 * Whether `operation` may run at `now`: some window is open and allows it.
 * @throws UpkeepError CONFIG_INVALID naming a bad time zone, day or time.
 */
export function isWithinWindow(
  windows: readonly MaintenanceWindow[],
  now: Date,
  operation: WindowOperation,
): boolean {
  return openWindow(windows, now, operation) !== undefined;
}

/**
 * The window open at `now`, or else the next one to open (optionally only those
 * allowing `operation`); undefined when there are no such windows.
 * @throws UpkeepError CONFIG_INVALID naming a bad time zone, day or time.
 */
export function nextWindow(
  windows: readonly MaintenanceWindow[],
  now: Date,
  operation?: WindowOperation,
): WindowOccurrence | undefined {
  const instant = instantOf(now);
  let best: WindowOccurrence | undefined;
  for (const [index, window] of windows.entries()) {
    const occurrences = occurrencesAround(window, index, instant);
    if (!allows(window, operation)) continue;
    for (const occurrence of occurrences) {
      if (occurrence.end.getTime() <= instant) continue;
      if (best === undefined || occurrence.start.getTime() < best.start.getTime()) best = occurrence;
    }
  }
  return best;
}

/** Most occurrences `upcomingWindows` returns. */
export const MAX_UPCOMING_WINDOWS = 1000;

/**
 * The `count` occurrences still open at `now` or opening after it, earliest opening first
 * (optionally only those allowing `operation`); fewer when the windows open less often
 * within two years.
 * @throws UpkeepError CONFIG_INVALID naming a bad time zone, day or time.
 */
export function upcomingWindows(
  windows: readonly MaintenanceWindow[],
  now: Date,
  count: number,
  operation?: WindowOperation,
): WindowOccurrence[] {
  const instant = instantOf(now);
  const wanted = Math.max(0, Math.min(Math.floor(count), MAX_UPCOMING_WINDOWS));
  const usable = [...windows.entries()].filter(([, window]) => allows(window, operation));
  for (const [index, window] of windows.entries()) readWindow(window, index);
  if (wanted === 0 || usable.length === 0) return [];
  const found = new Map<string, WindowOccurrence>();
  const WEEK_MS = 7 * DAY_MS;
  // Each look covers the days from one day before its base to two weeks after it.
  for (let week = 0; week <= 106; week++) {
    const base = instant + week * WEEK_MS;
    for (const [index, window] of usable) {
      for (const occurrence of occurrencesAround(window, index, base)) {
        if (occurrence.end.getTime() <= instant) continue;
        found.set(`${index}@${occurrence.start.getTime()}`, occurrence);
      }
    }
    const horizon = base + 13 * DAY_MS;
    const sorted = [...found.values()].sort((a, b) => a.start.getTime() - b.start.getTime());
    if (sorted.length >= wanted && (sorted[wanted - 1]?.start.getTime() ?? Infinity) < horizon) {
      return sorted.slice(0, wanted);
    }
  }
  return [...found.values()].sort((a, b) => a.start.getTime() - b.start.getTime()).slice(0, wanted);
}
