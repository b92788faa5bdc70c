import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import type { CliContext } from '../../cli-context.ts';
import { fleetClientFor, labelPairs } from '../../fleet/fleet-session.ts';
import type { FleetEnvironment } from '../../fleet/fleet-environment.ts';
import { textTable } from '../../fleet/text-table.ts';
import { collect } from '../policy-options.ts';

const KINDS = ['off_approved', 'advisory', 'rolled_back'] as const;
type DriftKind = (typeof KINDS)[number];

interface DriftRow {
  readonly hostname: string;
  readonly groups: readonly string[];
  readonly environment: string | null;
  readonly component: string;
  readonly currentVersion: string;
  readonly approvedVersion: string | null;
  readonly drift: readonly DriftKind[];
  readonly advisories: readonly { readonly id: string }[];
  readonly rollback: { readonly targetVersion: string | null } | null;
}

interface DriftReport {
  readonly generatedAt: string;
  readonly hosts: number;
  readonly counts: Readonly<Record<DriftKind, number>>;
  readonly rows: readonly DriftRow[];
}

interface DriftOptions {
  readonly component?: string;
  readonly group?: string;
  readonly label: string[];
  readonly kind?: string;
  readonly all?: boolean;
  readonly json?: boolean;
}

/** What a row's drift kinds mean, in a few words each. */
function evidence(row: DriftRow): string {
  return row.drift
    .map((kind) => {
      switch (kind) {
        case 'off_approved':
          return `approved ${row.approvedVersion ?? '?'}`;
        case 'advisory':
          return `advisory ${row.advisories.map((advisory) => advisory.id).join(',')}`;
        case 'rolled_back':
          return `rolled back from ${row.rollback?.targetVersion ?? '?'}`;
      }
    })
    .join('; ');
}

/** `upkeep drift`: hosts off policy, from the control plane's GET /api/drift. */
export function registerDrift(program: Command, ctx: CliContext, env: FleetEnvironment): void {
  program
    .command('drift')
    .description(
      'hosts × components drifting from policy: off the approved version, affected by a known advisory, or rolled back and stuck',
    )
    .option('--component <name>', 'only this component')
    .option('--group <group>', 'only hosts in this group')
    .option('--label <key=value>', 'only hosts with this label (repeatable)', collect, [])
    .option('--kind <kind>', `only this kind of drift: ${KINDS.join(', ')}`)
    .option('--all', 'every host × component, drifting or not')
    .option('--json', 'print the report as JSON')
    .action(async (options: DriftOptions) => {
      const client = await fleetClientFor(env);
      const report = await client.get<DriftReport>('/api/drift', {
        component: options.component,
        group: options.group,
        label: labelPairs(options.label),
        kind: options.kind,
        all: options.all === true ? 'true' : undefined,
      });
      printResult(ctx.out, options.json === true, report, () => {
        const summary = `${report.hosts} hosts; ${KINDS.map((kind) => `${kind} ${report.counts[kind]}`).join(', ')}`;
        if (report.rows.length === 0) return `${summary}\nno drift`;
        return `${summary}\n${textTable(
          ['HOST', 'GROUPS', 'ENV', 'COMPONENT', 'CURRENT', 'APPROVED', 'DRIFT', 'EVIDENCE'],
          report.rows.map((row) => [
            row.hostname,
            row.groups.join(',') || '-',
            row.environment ?? '-',
            row.component,
            row.currentVersion,
            row.approvedVersion ?? '-',
            row.drift.join(',') || '-',
            evidence(row),
          ]),
        )}`;
      });
    });
}
