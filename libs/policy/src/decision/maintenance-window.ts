import { UpkeepError } from '@upkeep/errors';
import type { MaintenanceWindow } from './decision-input.ts';

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const WEEK_MINUTES = 7 * 24 * 60;
const TIME = /^(\d{1,2}):(\d{2})$/;

/** A maintenance window read into minutes of the week (Monday 00:00 = 0) in its zone. */
export interface ParsedWindow {
  /** `sunday 02:00-06:00 UTC`. */
  readonly label: string;
  readonly start: number;
  /** Minutes; a window ending at or before its start runs into the next day. */
  readonly duration: number;
  readonly timezone: string;
  /** Null: every operation. */
  readonly operations: readonly string[] | null;
}

export interface WindowStatus {
  /** The window `now` falls in, or null. */
  readonly inside: ParsedWindow | null;
  /** When outside: the next time a window allowing the operation opens, or null when none does. */
  readonly nextOpening: Date | null;
}

function invalid(where: string, problem: string, hint: string): never {
  throw new UpkeepError('INPUT_INVALID', `${where}: ${problem}`, { details: { where }, hint });
}

function minutesOf(text: string, where: string, field: string, allowEndOfDay: boolean): number {
  const match = TIME.exec(text.trim());
  const hours = Number(match?.[1]);
  const minutes = Number(match?.[2]);
  const endOfDay = allowEndOfDay && hours === 24 && minutes === 0;
  if (match === null || ((hours > 23 || minutes > 59) && !endOfDay)) {
    invalid(
      where,
      `${field} ${JSON.stringify(text)} is not a time of day`,
      `write ${field} as HH:MM in 24-hour time, such as "02:00"${allowEndOfDay ? ' (or "24:00" for midnight at the end of the day)' : ''}`,
    );
  }
  return hours * 60 + minutes;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string, where: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: timezone,
        weekday: 'long',
        hour: 'numeric',
        minute: 'numeric',
        hourCycle: 'h23',
      });
    } catch {
      invalid(
        where,
        `timezone ${JSON.stringify(timezone)} is not a known time zone`,
        'use an IANA zone name such as "UTC", "Europe/Paris" or "America/New_York"',
      );
    }
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/** Minutes since Monday 00:00 on the wall clock of `timezone` at `instant`. */
function minuteOfWeek(instant: Date, timezone: string): number {
  const parts = formatterFor(timezone, 'maintenance window').formatToParts(instant);
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  const day = DAYS.indexOf(part('weekday').toLowerCase() as (typeof DAYS)[number]);
  return day * 1440 + (Number(part('hour')) % 24) * 60 + Number(part('minute'));
}

function mod(value: number, base: number): number {
  return ((value % base) + base) % base;
}

function contains(window: ParsedWindow, minute: number): boolean {
  return mod(minute - window.start, WEEK_MINUTES) < window.duration;
}

/**
 * Reads one `maintenance_windows.windows` entry. Days are `monday`..`sunday`
 * (any case); the zone defaults to UTC; an end at or before the start means the
 * window crosses midnight.
 * @throws UpkeepError INPUT_INVALID naming the window and the bad field.
 */
export function parseMaintenanceWindow(window: MaintenanceWindow, index: number): ParsedWindow {
  const where = `maintenance_windows.windows[${index}]`;
  const day = DAYS.indexOf(window.day.trim().toLowerCase() as (typeof DAYS)[number]);
  if (day < 0) {
    invalid(
      where,
      `day ${JSON.stringify(window.day)} is not a day of the week`,
      `use one of ${DAYS.join(', ')}`,
    );
  }
  const start = minutesOf(window.start_time, where, 'start_time', false);
  const end = minutesOf(window.end_time, where, 'end_time', true);
  if (start === end) {
    invalid(
      where,
      `start_time and end_time are both ${window.start_time}, which is either empty or a whole day`,
      'for a whole day write start_time "00:00" and end_time "24:00"',
    );
  }
  const timezone =
    window.timezone?.trim() === undefined || window.timezone.trim() === '' ? 'UTC' : window.timezone.trim();
  formatterFor(timezone, where);
  const operations =
    window.allowed_operations === undefined || window.allowed_operations.length === 0
      ? null
      : window.allowed_operations.map((op) => op.trim().toLowerCase());
  const endText = end === 1440 ? '24:00' : window.end_time.trim();
  return {
    label: `${DAYS[day] ?? ''} ${window.start_time.trim()}-${endText} ${timezone}`,
    start: day * 1440 + start,
    duration: end > start ? end - start : end + 1440 - start,
    timezone,
    operations,
  };
}

function nextOpeningOf(window: ParsedWindow, from: Date): Date {
  const base = Math.floor(from.getTime() / 60_000) * 60_000;
  const delta =
    mod(window.start - minuteOfWeek(new Date(base), window.timezone), WEEK_MINUTES) || WEEK_MINUTES;
  let candidate = base + delta * 60_000;
  // A daylight-saving change between now and the opening moves the wall clock;
  // correct by the difference, then make sure the minute really is the opening.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const offBy =
      mod(
        minuteOfWeek(new Date(candidate), window.timezone) - window.start + WEEK_MINUTES / 2,
        WEEK_MINUTES,
      ) -
      WEEK_MINUTES / 2;
    if (offBy === 0) break;
    candidate -= offBy * 60_000;
  }
  if (candidate > from.getTime() && minuteOfWeek(new Date(candidate), window.timezone) === window.start) {
    return new Date(candidate);
  }
  // The opening time does not exist that day (the clock jumps over it): take the
  // first minute after `from` that is inside the window.
  for (let t = base + 60_000; t <= base + (WEEK_MINUTES + 1440) * 60_000; t += 60_000) {
    if (contains(window, minuteOfWeek(new Date(t), window.timezone))) return new Date(t);
  }
  return new Date(candidate);
}

/**
 * Whether `now` is inside a window that allows `operation` (default `upgrade`),
 * and if not, when the next such window opens.
 */
export function maintenanceWindowStatus(
  windows: readonly ParsedWindow[],
  now: Date,
  operation = 'upgrade',
): WindowStatus {
  const usable = windows.filter((w) => w.operations === null || w.operations.includes(operation));
  const inside = usable.find((w) => contains(w, minuteOfWeek(now, w.timezone))) ?? null;
  if (inside !== null) return { inside, nextOpening: null };
  let next: Date | null = null;
  for (const window of usable) {
    const opening = nextOpeningOf(window, now);
    if (next === null || opening.getTime() < next.getTime()) next = opening;
  }
  return { inside: null, nextOpening: next };
}
