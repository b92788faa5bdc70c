import type { ConfiguredWindow, MaintenanceWindow, PolicyConfig } from '../config/policy-config.schema.ts';
import { upcomingWindows, type WindowOccurrence } from './maintenance-window.ts';

/** Whom a set of windows is asked about: hosts of some groups in an environment. */
export interface WindowScope {
  /** The host's groups (any of them matches a window's `groups`); empty or absent: no group. */
  readonly groups?: readonly string[] | undefined;
  readonly environment?: string | undefined;
}

/** A window as it applies to one scope: `timezone` resolved, the group it matched (if any). */
export type ScopedWindow = MaintenanceWindow & { readonly group?: string };

function groupZone(config: PolicyConfig, group: string | undefined): string | undefined {
  if (group === undefined) return undefined;
  const zones = config.upgrade_policies.maintenance_windows?.group_timezones ?? {};
  return Object.hasOwn(zones, group) ? zones[group] : undefined;
}

/**
 * The maintenance windows that apply to `scope`, each in the time zone it runs in: the
 * window's own `timezone`, else the `group_timezones` entry of the group it applies to (the
 * first of the scope's groups that has one, for a window with no `groups`), else
 * `maintenance_windows.timezone`, else UTC. A window with `groups` applies when one of the scope's
 * groups is listed; with `environments`, when the scope's environment is listed; without either,
 * to everyone. Does not look at `enabled`.
 */
export function windowsFor(config: PolicyConfig, scope: WindowScope): ScopedWindow[] {
  const windows: readonly ConfiguredWindow[] = config.upgrade_policies.maintenance_windows?.windows ?? [];
  const groups = scope.groups ?? [];
  const result: ScopedWindow[] = [];
  for (const window of windows) {
    if (window.environments !== undefined) {
      if (scope.environment === undefined || !window.environments.includes(scope.environment)) continue;
    }
    let group: string | undefined;
    if (window.groups !== undefined) {
      group = groups.find((name) => window.groups?.includes(name));
      if (group === undefined) continue;
    } else {
      group = groups.find((name) => groupZone(config, name) !== undefined);
    }
    const { inherits_timezone: inherits, ...plain } = window;
    const zone = inherits === true ? (groupZone(config, group) ?? plain.timezone) : plain.timezone;
    result.push({ ...plain, timezone: zone ?? 'UTC', ...(group === undefined ? {} : { group }) });
  }
  return result;
}

/** One upcoming opening, as `upkeep windows next` shows it. */
export interface UpcomingWindow {
  readonly day: string;
  readonly startTime: string;
  readonly endTime: string;
  readonly timezone: string;
  readonly start: Date;
  readonly end: Date;
  /** The window's `groups` filter; absent: every group. */
  readonly groups?: readonly string[];
  readonly environments?: readonly string[];
  readonly allowedOperations?: readonly string[];
  /** True when the window is open at `now`. */
  readonly openNow: boolean;
}

/**
 * The next `count` openings of the maintenance windows that apply to `scope` (see `windowsFor`),
 * earliest first; one still open at `now` comes first. Lists windows whether or not
 * `maintenance_windows.enabled` is set (the caller says which).
 * @throws UpkeepError CONFIG_INVALID naming a bad time zone, day or time.
 */
export function nextWindows(
  config: PolicyConfig,
  scope: WindowScope,
  now: Date,
  count: number,
): UpcomingWindow[] {
  const occurrences: WindowOccurrence[] = upcomingWindows(windowsFor(config, scope), now, count);
  return occurrences.map(({ window, start, end }) => ({
    day: window.day,
    startTime: window.start_time,
    endTime: window.end_time,
    timezone: window.timezone ?? 'UTC',
    start,
    end,
    ...(window.groups === undefined ? {} : { groups: window.groups }),
    ...(window.environments === undefined ? {} : { environments: window.environments }),
    ...(window.allowed_operations === undefined ? {} : { allowedOperations: window.allowed_operations }),
    openNow: start.getTime() <= now.getTime(),
  }));
}
