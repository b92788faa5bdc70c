import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import type { CliContext } from '../../cli-context.ts';
import { allPages, fleetClientFor, limitOf, type Page } from '../../fleet/fleet-session.ts';
import type { FleetEnvironment } from '../../fleet/fleet-environment.ts';
import { textTable } from '../../fleet/text-table.ts';
import type { HostRecord } from './hosts.command.ts';

interface AuditEventRecord {
  readonly id: string;
  readonly occurredAt: string;
  readonly actorType: string;
  readonly actorId: string;
  readonly actorName: string | null;
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string;
  readonly component: string | null;
  readonly hostId: string | null;
  readonly version: string | null;
  readonly outcome: string | null;
}

interface UpgradeIntervalRecord {
  readonly hostId: string;
  readonly hostname: string | null;
  readonly version: string;
  readonly installedAt: string;
  readonly replacedAt: string | null;
  readonly via: string;
  readonly jobId: string | null;
  readonly rolloutId: string | null;
  readonly approvers: readonly { readonly actorId: string; readonly actorName: string | null }[];
}

interface HistoryOptions {
  readonly component?: string;
  readonly host?: string;
  readonly group?: string;
  readonly version?: string;
  readonly actor?: string;
  readonly action?: string;
  readonly outcome?: string;
  readonly since?: string;
  readonly until?: string;
  readonly cursor?: string;
  readonly limit: string;
  readonly json?: boolean;
}

interface UpgradesOptions {
  readonly component?: string;
  readonly version?: string;
  readonly host?: string;
  readonly group?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit: string;
  readonly json?: boolean;
}

const TIME_HELP = 'ISO-8601: 2026-03-01 or 2026-03-01T12:00:00Z';

/** Hostnames for the table; the trail keeps host ids. */
async function hostnames(env: FleetEnvironment): Promise<Map<string, string>> {
  const client = await fleetClientFor(env);
  const hosts = await allPages<HostRecord>(client, '/api/hosts', {});
  return new Map(hosts.map((host) => [host.id, host.hostname]));
}

/**
 * `upkeep history`: the fleet-wide audit trail, newest first (GET /api/audit);
 * `upkeep history upgrades`: which hosts ran which version when (GET /api/history/upgrades).
 * The control plane validates the filters and names a bad value.
 */
export function registerHistory(program: Command, ctx: CliContext, env: FleetEnvironment): void {
  const history = program
    .command('history')
    .description('the fleet-wide audit trail, newest first; `history upgrades` for version history')
    // `history upgrades --component X`: the option after `upgrades` is the subcommand's, not history's.
    .enablePositionalOptions()
    .option('--component <name>', 'events about this component')
    .option('--host <host>', 'events about this host (hostname or id)')
    .option('--group <group>', 'events about hosts in this group at the time')
    .option('--version <version>', 'events about this version')
    .option(
      '--actor <actor>',
      'events by this actor (API token name or id, hostname or host id, control-plane part)',
    )
    .option('--action <action>', 'events of this action (job.succeeded, rollout.approved, …)')
    .option('--outcome <outcome>', 'events with this outcome (succeeded, failed, rolled_back, …)')
    .option('--since <time>', `from this time on (${TIME_HELP})`)
    .option('--until <time>', `before this time (${TIME_HELP})`)
    .option('--cursor <cursor>', 'continue after the page that printed this cursor')
    .option('--limit <n>', 'at most this many events (1-500)', '50')
    .option('--json', 'print JSON: { items, nextCursor }')
    .action(async (options: HistoryOptions) => {
      const limit = limitOf(options.limit, 500);
      const client = await fleetClientFor(env);
      const page = await client.get<Page<AuditEventRecord>>('/api/audit', {
        component: options.component,
        host: options.host,
        group: options.group,
        version: options.version,
        actor: options.actor,
        action: options.action,
        outcome: options.outcome,
        since: options.since,
        until: options.until,
        cursor: options.cursor,
        limit,
      });
      const names = options.json === true ? new Map<string, string>() : await hostnames(env);
      printResult(ctx.out, options.json === true, page, () => {
        const table = textTable(
          ['TIME', 'ACTOR', 'ACTION', 'COMPONENT', 'HOST', 'VERSION', 'OUTCOME', 'TARGET'],
          page.items.map((event) => [
            event.occurredAt,
            `${event.actorType}:${event.actorName ?? event.actorId}`,
            event.action,
            event.component ?? '-',
            event.hostId === null ? '-' : (names.get(event.hostId) ?? event.hostId),
            event.version ?? '-',
            event.outcome ?? '-',
            `${event.targetType}:${event.targetId}`,
          ]),
        );
        return page.nextCursor === null ? table : `${table}\nmore: add --cursor ${page.nextCursor}\n`;
      });
    });

  history
    .command('upgrades')
    .description('which hosts ran a version of a component during a time range, and who approved it')
    .requiredOption('--component <name>', 'the component')
    .option('--version <version>', 'only this version (default: every version)')
    .option('--host <host>', 'only this host (hostname or id)')
    .option('--group <group>', 'only hosts now in this group')
    .option('--since <time>', `intervals still installed at this time (${TIME_HELP})`)
    .option('--until <time>', `intervals installed before this time (${TIME_HELP})`)
    .option('--limit <n>', 'at most this many intervals (1-5000)', '1000')
    .option('--json', 'print JSON: { items, truncated }')
    .action(async (options: UpgradesOptions) => {
      const client = await fleetClientFor(env);
      const answer = await client.get<{ items: UpgradeIntervalRecord[]; truncated: boolean }>(
        '/api/history/upgrades',
        {
          component: options.component,
          version: options.version,
          host: options.host,
          group: options.group,
          since: options.since,
          until: options.until,
          limit: limitOf(options.limit, 5000),
        },
      );
      printResult(ctx.out, options.json === true, answer, () => {
        const table = textTable(
          ['HOST', 'VERSION', 'INSTALLED', 'REPLACED', 'VIA', 'JOB', 'ROLLOUT', 'APPROVED BY'],
          answer.items.map((interval) => [
            interval.hostname ?? interval.hostId,
            interval.version,
            interval.installedAt,
            interval.replacedAt ?? '(still installed)',
            interval.via,
            interval.jobId ?? '-',
            interval.rolloutId ?? '-',
            interval.approvers.length === 0
              ? '-'
              : interval.approvers.map((approver) => approver.actorName ?? approver.actorId).join(', '),
          ]),
        );
        return answer.truncated ? `${table}\n(truncated: narrow the filters or raise --limit)\n` : table;
      });
    });
}
