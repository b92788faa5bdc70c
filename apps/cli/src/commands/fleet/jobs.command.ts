import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import { UpkeepError } from '@upkeep/errors';
import type { CliContext } from '../../cli-context.ts';
import { allPages, fleetClientFor, limitOf, UUID_PATTERN } from '../../fleet/fleet-session.ts';
import type { FleetEnvironment } from '../../fleet/fleet-environment.ts';
import { textTable } from '../../fleet/text-table.ts';
import type { HostRecord } from './hosts.command.ts';

const JOB_STATES = [
  'pending',
  'delivered',
  'running',
  'succeeded',
  'failed',
  'refused',
  'expired',
  'cancelled',
];

interface JobRecord {
  readonly id: string;
  readonly hostId: string;
  readonly kind: string;
  readonly component: string;
  readonly targetVersion: string | null;
  readonly state: string;
  readonly createdAt: string;
}

interface JobsOptions {
  readonly host?: string;
  readonly state?: string;
  readonly limit: string;
  readonly json?: boolean;
}

/** A host id from an id or a hostname; a hostname two hosts share is refused, never guessed. */
function hostIdOf(host: string, hosts: readonly HostRecord[]): string {
  if (UUID_PATTERN.test(host)) return host.toLowerCase();
  const matches = hosts.filter((candidate) => candidate.hostname === host);
  const [only] = matches;
  if (only === undefined) {
    throw new UpkeepError('NOT_FOUND', `no host is named ${JSON.stringify(host)}`, {
      hint: 'list hosts with upkeep hosts, or pass the host id',
    });
  }
  if (matches.length > 1) {
    throw new UpkeepError('USAGE', `${matches.length} hosts are named ${JSON.stringify(host)}`, {
      hint: `pass the host id: ${matches.map((match) => match.id).join(', ')}`,
    });
  }
  return only.id;
}

/** `upkeep jobs`: jobs newest first, by host and state. */
export function registerJobs(program: Command, ctx: CliContext, env: FleetEnvironment): void {
  program
    .command('jobs')
    .description('list jobs, newest first')
    .option('--host <host>', 'only jobs of this host (hostname or id)')
    .option('--state <state>', `only jobs in this state (${JOB_STATES.join(', ')})`)
    .option('--limit <n>', 'at most this many jobs (1-500)', '100')
    .option('--json', 'print JSON')
    .action(async (options: JobsOptions) => {
      if (options.state !== undefined && !JOB_STATES.includes(options.state)) {
        throw new UpkeepError('USAGE', `--state ${JSON.stringify(options.state)} is not a job state`, {
          hint: `use one of ${JOB_STATES.join(', ')}`,
        });
      }
      const limit = limitOf(options.limit, 500);
      const client = await fleetClientFor(env);
      const hosts = await allPages<HostRecord>(client, '/api/hosts', {});
      const hostId = options.host === undefined ? undefined : hostIdOf(options.host, hosts);
      const page = await client.get<{ items: JobRecord[] }>('/api/jobs', {
        hostId,
        state: options.state,
        limit,
      });
      const names = new Map(hosts.map((host) => [host.id, host.hostname]));
      printResult(ctx.out, options.json === true, page.items, () =>
        textTable(
          ['ID', 'HOST', 'KIND', 'COMPONENT', 'TARGET', 'STATE', 'CREATED'],
          page.items.map((job) => [
            job.id,
            names.get(job.hostId) ?? job.hostId,
            job.kind,
            job.component,
            job.targetVersion ?? '-',
            job.state,
            job.createdAt,
          ]),
        ),
      );
    });
}
