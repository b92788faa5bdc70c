import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import { UpkeepError } from '@upkeep/errors';
import type { CliContext } from '../../cli-context.ts';
import { fleetClientFor, labelPairs } from '../../fleet/fleet-session.ts';
import type { FleetEnvironment } from '../../fleet/fleet-environment.ts';
import { textTable } from '../../fleet/text-table.ts';
import { collect } from '../policy-options.ts';

interface CheckRow {
  readonly hostname: string;
  readonly environment: string | null;
  readonly component: string;
  readonly currentVersion: string;
  readonly targetVersion: string | null;
  readonly status: string;
  readonly decision: { readonly action: string; readonly riskLevel: string } | null;
  readonly message: string | null;
}

interface CheckOptions {
  readonly fleet?: boolean;
  readonly component?: string;
  readonly label: string[];
  readonly group?: string;
  readonly json?: boolean;
}

/** `upkeep check --fleet`: every host × component from the control plane's GET /api/check. */
export function registerCheckFleet(program: Command, ctx: CliContext, env: FleetEnvironment): void {
  program
    .command('check')
    .description(
      'compare installed versions with their targets (--fleet: every host, from the control plane)',
    )
    .option('--fleet', 'ask the control plane about every host')
    .option('--component <name>', 'only this component')
    .option('--label <key=value>', 'only hosts with this label (repeatable)', collect, [])
    .option('--group <group>', 'only hosts in this group')
    .option('--json', 'print JSON')
    .action(async (options: CheckOptions) => {
      if (options.fleet !== true) {
        throw new UpkeepError('USAGE', 'upkeep check needs --fleet here', {
          hint: 'run upkeep check --fleet to check every host the control plane knows',
        });
      }
      const client = await fleetClientFor(env);
      const rows = await client.get<CheckRow[]>('/api/check', {
        component: options.component,
        label: labelPairs(options.label),
        group: options.group,
      });
      printResult(ctx.out, options.json === true, rows, () =>
        textTable(
          ['HOST', 'ENV', 'COMPONENT', 'CURRENT', 'TARGET', 'STATUS', 'ACTION', 'RISK', 'NOTE'],
          rows.map((row) => [
            row.hostname,
            row.environment ?? '-',
            row.component,
            row.currentVersion,
            row.targetVersion ?? '-',
            row.status,
            row.decision?.action ?? '-',
            row.decision?.riskLevel ?? '-',
            row.message ?? '',
          ]),
        ),
      );
    });
}
