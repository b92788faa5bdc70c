import type { Command } from 'commander';
import { UpkeepError } from '@upkeep/errors';
import { printResult } from '@upkeep/cli-kit';
import { effectiveGlobal, nextWindows, type UpcomingWindow } from '@upkeep/policy';
import type { CliContext, PolicyOptions } from '../cli-context.ts';
import { readPolicyConfig } from '../policy-file.repository.ts';
import { parseNow } from './host-options.ts';
import { withPolicyOptions } from './policy-options.ts';

interface WindowsNextOptions extends PolicyOptions {
  readonly group?: string;
  readonly count: string;
  readonly now?: string;
}

function parseCount(text: string): number {
  const count = Number(text);
  if (!/^\d+$/.test(text) || count < 1 || count > 1000) {
    throw new UpkeepError('USAGE', `--count ${JSON.stringify(text)} is not a whole number from 1 to 1000`, {
      hint: 'write --count 5',
    });
  }
  return count;
}

/** `Sun 2024-03-31 03:00`: an instant as the wall clock of `zone` shows it. */
function localTime(instant: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((part) => part.type === type)?.value ?? '';
  return `${get('weekday')} ${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

function renderWindows(windows: readonly UpcomingWindow[], enabled: boolean): string {
  const lines = windows.map((window) => {
    const scope = [
      window.groups === undefined ? 'all groups' : `groups ${window.groups.join(',')}`,
      window.environments === undefined ? '' : `environments ${window.environments.join(',')}`,
      window.allowedOperations === undefined ? '' : `operations ${window.allowedOperations.join(',')}`,
    ]
      .filter((part) => part !== '')
      .join('; ');
    const utc = `${window.start.toISOString().slice(0, 16)}Z - ${window.end.toISOString().slice(0, 16)}Z`;
    const local = `${localTime(window.start, window.timezone)} - ${localTime(window.end, window.timezone).slice(-5)} ${window.timezone}`;
    return `${window.openNow ? 'open now  ' : '          '}${utc}  (${local})  ${scope}`;
  });
  if (lines.length === 0) lines.push('no maintenance window applies');
  if (!enabled) lines.unshift('# maintenance_windows.enabled is false: jobs are not held to these windows');
  return lines.join('\n');
}

/** `upkeep windows next`: the next openings of the maintenance windows, per group and environment. */
export function registerWindowsNext(program: Command, ctx: CliContext): void {
  const windows = program.command('windows').description('maintenance windows');
  withPolicyOptions(windows.command('next'), ctx)
    .description('print the next openings of the maintenance windows that apply to a host group')
    .option('-g, --group <group>', 'host group (its group_timezones entry and windows limited to it)')
    .option('-n, --count <n>', 'how many openings to print', '5')
    .option('--now <iso-time>', 'list as of this time instead of now')
    .action(async (options: WindowsNextOptions) => {
      const count = parseCount(options.count);
      const now = parseNow(options.now, ctx.env.now);
      const policy = await readPolicyConfig(options.config);
      // Names an unknown environment with a suggestion.
      effectiveGlobal(policy, options.env);
      const found = nextWindows(
        policy,
        { groups: options.group === undefined ? [] : [options.group], environment: options.env },
        now,
        count,
      );
      const enabled = policy.upgrade_policies.maintenance_windows?.enabled === true;
      const view = {
        environment: options.env ?? null,
        group: options.group ?? null,
        enabled,
        now: now.toISOString(),
        windows: found.map((window) => ({
          ...window,
          start: window.start.toISOString(),
          end: window.end.toISOString(),
        })),
      };
      printResult(ctx.out, options.json === true, view, () => renderWindows(found, enabled));
    });
}
