import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import type { CliContext } from '../../cli-context.ts';
import { allPages, fleetClientFor, labelPairs } from '../../fleet/fleet-session.ts';
import type { FleetEnvironment } from '../../fleet/fleet-environment.ts';
import { textTable } from '../../fleet/text-table.ts';
import { collect } from '../policy-options.ts';

export interface HostRecord {
  readonly id: string;
  readonly hostname: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly groups: readonly string[];
  readonly os: string;
  readonly arch: string;
  readonly agentVersion: string;
  readonly status: string;
  readonly lastSeenAt: string | null;
}

interface HostsOptions {
  readonly label: string[];
  readonly group?: string;
  readonly json?: boolean;
}

/** `upkeep hosts`: the enrolled hosts, filtered by labels and group. */
export function registerHosts(program: Command, ctx: CliContext, env: FleetEnvironment): void {
  program
    .command('hosts')
    .description('list the hosts enrolled with the control plane')
    .option('--label <key=value>', 'only hosts with this label (repeatable)', collect, [])
    .option('--group <group>', 'only hosts in this group')
    .option('--json', 'print JSON')
    .action(async (options: HostsOptions) => {
      const client = await fleetClientFor(env);
      const hosts = await allPages<HostRecord>(client, '/api/hosts', {
        label: labelPairs(options.label),
        group: options.group,
      });
      printResult(ctx.out, options.json === true, hosts, () =>
        textTable(
          ['HOSTNAME', 'ID', 'STATUS', 'PLATFORM', 'AGENT', 'LABELS', 'GROUPS', 'LAST SEEN'],
          hosts.map((host) => [
            host.hostname,
            host.id,
            host.status,
            `${host.os}-${host.arch}`,
            host.agentVersion,
            Object.entries(host.labels)
              .map(([key, value]) => `${key}=${value}`)
              .join(',') || '-',
            host.groups.join(',') || '-',
            host.lastSeenAt ?? 'never',
          ]),
        ),
      );
    });
}
