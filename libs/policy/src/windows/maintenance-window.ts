import { UpkeepError } from '@upkeep/errors';
import { WEEKDAYS, type WindowOperation, type Weekday } from '../config/policy-config.schema.ts';
import { isValidTimeZone } from '../config/schema-fields.ts';

/** A maintenance window as the policy gives it (`upgrade_policies.maintenance_windows.windows[]`). */
export interface WindowRule {
  readonly day: Weekday;
  /** `HH:MM`, local to `timezone`. */
  readonly start_time: string;
  /** `HH:MM` or `24:00`; earlier than `start_time` means the window crosses midnight. */
  readonly end_time: string;
  /** Operations allowed in the window; absent means all. */
  readonly allowed_operations?: readonly WindowOperation[] | undefined;
  /** IANA name; default `UTC`. */
  readonly timezone?: string | undefined;
}

/** One concrete opening of a window. `end` is exclusive. */
export interface WindowOccurrence {
  readonly window: WindowRule;
  readonly start: Date;
  readonly end: Date;
}

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
 * The instant a local wall-clock time happens in `zone`. A time skipped by a
 * DST jump resolves to the instant it would have been under the earlier offset;
 * a repeated time resolves to its first occurrence.
 */
function zonedInstant(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  zone: string,
): number {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  const first = asUtc - offsetAt(asUtc, zone);
  return asUtc - offsetAt(first, zone);
}

function invalidWindow(index: number, field: string, value: string, expected: string): UpkeepError {
  return new UpkeepError(
    'CONFIG_INVALID',
    `maintenance window [${index}] ${field} ${JSON.stringify(value)} is not ${expected}`,
    {
      details: { index, field, value },
      hint: 'fix upgrade_policies.maintenance_windows.windows in versions.yaml',
    },
  );
}

function minutesOf(time: string, index: number, field: string): number {
  const match = TIME.exec(time);
  if (match === null)
    throw invalidWindow(index, field, time, 'a time of day HH:MM (00:00 to 23:59, or 24:00 as an end)');
  return Number(match[1] ?? match[3]) * 60 + Number(match[2] ?? match[4]);
}

function checkedZone(window: WindowRule, index: number): string {
  const zone = window.timezone ?? 'UTC';
  if (!isValidTimeZone(zone))
    throw invalidWindow(index, 'timezone', zone, 'an IANA time zone such as "UTC" or "Europe/Paris"');
  return zone;
}

function occurrencesAround(window: WindowRule, index: number, now: number): WindowOccurrence[] {
  const zone = checkedZone(window, index);
  const startMinutes = minutesOf(window.start_time, index, 'start_time');
  const endMinutes = minutesOf(window.end_time, index, 'end_time');
  if (startMinutes >= 24 * 60)
    throw invalidWindow(index, 'start_time', window.start_time, 'a start time before 24:00');
  const dayIndex = WEEKDAYS.indexOf(window.day);
  if (dayIndex === -1) throw invalidWindow(index, 'day', window.day, `one of ${WEEKDAYS.join(', ')}`);
  if (startMinutes === endMinutes)
    throw invalidWindow(index, 'end_time', window.end_time, 'different from start_time');
  const jsDay = (dayIndex + 1) % 7;
  const crossesMidnight = endMinutes < startMinutes;

  const today = wallClock(now, zone);
  const result: WindowOccurrence[] = [];
  // Yesterday (a window crossing midnight may still be open) through a week ahead.
  for (let offset = -1; offset <= 7; offset++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    if (date.getUTCDay() !== jsDay) continue;
    const y = date.getUTCFullYear();
    const m = date.getUTCMonth() + 1;
    const d = date.getUTCDate();
    const start = zonedInstant(y, m, d, Math.floor(startMinutes / 60), startMinutes % 60, zone);
    const endDay = crossesMidnight ? d + 1 : d;
    const end = zonedInstant(y, m, endDay, Math.floor(endMinutes / 60), endMinutes % 60, zone);
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
    );
  }
  return instant;
}

function allows(window: WindowRule, operation: WindowOperation | undefined): boolean {
  return (
    operation === undefined ||
    window.allowed_operations === undefined ||
    window.allowed_operations.includes(operation)
  );
}

/**
 * The window open at `now` that allows `operation`, or undefined. Times are
 * wall-clock in each window's `timezone` (default UTC), so DST moves the instants.
 * @throws UpkeepError CONFIG_INVALID naming a bad time zone, day or time.
 */
export function openWindow(
  windows: readonly WindowRule[],
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
 * Whether `operation` may run at `now`: some window is open and allows it
 * (a window without `allowed_operations` allows every operation).
 * @throws UpkeepError CONFIG_INVALID naming a bad time zone, day or time.
 */
export function isWithinWindow(
  windows: readonly WindowRule[],
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
  windows: readonly WindowRule[],
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
