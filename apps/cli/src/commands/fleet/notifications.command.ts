import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import { UpkeepError } from '@upkeep/errors';
import type { CliContext } from '../../cli-context.ts';
import { fleetClientFor, limitOf } from '../../fleet/fleet-session.ts';
import type { FleetEnvironment } from '../../fleet/fleet-environment.ts';
import { textTable } from '../../fleet/text-table.ts';

const KINDS = [
  'upgrade_available',
  'upgrade_success',
  'upgrade_failure',
  'rollback_executed',
  'approval_required',
  'rollout_paused',
  'rollout_completed',
  'rollout_aborted',
];

interface DeliveryRecord {
  readonly channel: string;
  readonly state: string;
  readonly attempts: number;
  readonly lastError: string | null;
}

interface NotificationRecord {
  readonly id: string;
  readonly kind: string;
  readonly title: string;
  readonly createdAt: string;
  readonly deliveries: readonly DeliveryRecord[];
}

interface ListOptions {
  readonly kind?: string;
  readonly limit: string;
  readonly json?: boolean;
}

/** `failed` deliveries first in the summary: they are what an operator looks for. */
function deliverySummary(deliveries: readonly DeliveryRecord[]): string {
  if (deliveries.length === 0) return '(not sent)';
  return [...deliveries]
    .sort((a, b) => Number(b.state === 'failed') - Number(a.state === 'failed'))
    .map(
      (delivery) =>
        `${delivery.channel}:${delivery.state}${delivery.attempts > 1 ? `(${delivery.attempts})` : ''}`,
    )
    .join(' ');
}

/** `upkeep notifications list`: notifications newest first with each channel's delivery state. */
export function registerNotifications(program: Command, ctx: CliContext, env: FleetEnvironment): void {
  const notifications = program
    .command('notifications')
    .description('notifications sent by the control plane');
  notifications
    .command('list')
    .description('list notifications, newest first, with their delivery state per channel')
    .option('--kind <kind>', `only this kind (${KINDS.join(', ')})`)
    .option('--limit <n>', 'at most this many notifications (1-500)', '50')
    .option('--json', 'print JSON (with each delivery’s attempts and last error)')
    .action(async (options: ListOptions) => {
      if (options.kind !== undefined && !KINDS.includes(options.kind)) {
        throw new UpkeepError('USAGE', `--kind ${JSON.stringify(options.kind)} is not a notification kind`, {
          hint: `use one of ${KINDS.join(', ')}`,
        });
      }
      const limit = limitOf(options.limit, 500);
      const client = await fleetClientFor(env);
      const page = await client.get<{ items: NotificationRecord[] }>('/api/notifications', {
        kind: options.kind,
        limit,
      });
      printResult(ctx.out, options.json === true, page.items, () =>
        textTable(
          ['CREATED', 'KIND', 'TITLE', 'DELIVERIES'],
          page.items.map((item) => [item.createdAt, item.kind, item.title, deliverySummary(item.deliveries)]),
        ),
      );
    });
}
