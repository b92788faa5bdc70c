import { printResult } from '@upkeep/cli-kit';
import type { CliContext } from '../../cli-context.ts';
import { fleetClientFor, labelPairs } from '../../fleet/fleet-session.ts';
import { textTable } from '../../fleet/text-table.ts';

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

export interface CheckFleetOptions {
  readonly component?: string | undefined;
  readonly label?: string[] | undefined;
  readonly group?: string | undefined;
  readonly json?: boolean | undefined;
}

/** `upkeep check --fleet`: every host × component from the control plane's GET /api/check. */
export async function checkFleet(ctx: CliContext, options: CheckFleetOptions): Promise<void> {
  const env = ctx.env.fleet;
  const client = await fleetClientFor(env);
  const rows = await client.get<CheckRow[]>('/api/check', {
    component: options.component,
    label: labelPairs(options.label ?? []),
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
}
