import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import { UpkeepError } from '@upkeep/errors';
import { parseDuration } from '@upkeep/policy';
import type { CliContext } from '../../cli-context.ts';
import { fleetClientFor, labelPairs } from '../../fleet/fleet-session.ts';
import type { FleetEnvironment } from '../../fleet/fleet-environment.ts';
import { collect } from '../policy-options.ts';

interface CreateOptions {
  readonly ttl: string;
  readonly singleUse?: boolean;
  readonly label: string[];
  readonly group: string[];
  readonly description?: string;
  readonly json?: boolean;
}

interface CreatedToken {
  readonly id: string;
  readonly token: string;
  readonly expiresAt: string;
  readonly singleUse: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly groups: readonly string[];
}

function ttlSeconds(text: string): number {
  const parsed = parseDuration(text);
  if (!parsed.ok || parsed.seconds < 60 || !Number.isInteger(parsed.seconds)) {
    throw new UpkeepError('USAGE', `--ttl ${JSON.stringify(text)} is not a duration of at least a minute`, {
      hint: 'write --ttl 1h (units s, m, h, d, w; at most 30d)',
    });
  }
  return parsed.seconds;
}

/** `upkeep enroll-token create`: a token a new host trades for its agent credential. */
export function registerEnrollToken(program: Command, ctx: CliContext, env: FleetEnvironment): void {
  const group = program.command('enroll-token').description('enrollment tokens for new hosts');
  group
    .command('create')
    .description('create an enrollment token (shown once)')
    .option('--ttl <duration>', 'how long the token may be used', '1h')
    .option('--single-use', 'the token enrolls one host only')
    .option('--label <key=value>', 'label every host enrolled with it gets (repeatable)', collect, [])
    .option('--group <group>', 'group every host enrolled with it joins (repeatable)', collect, [])
    .option('--description <text>', 'what the token is for')
    .option('--json', 'print JSON')
    .action(async (options: CreateOptions) => {
      const labels = Object.fromEntries(
        labelPairs(options.label).map((pair) => {
          const index = pair.indexOf('=');
          return [pair.slice(0, index), pair.slice(index + 1)];
        }),
      );
      const body = {
        ttlSeconds: ttlSeconds(options.ttl),
        singleUse: options.singleUse === true,
        labels,
        groups: options.group,
        ...(options.description === undefined ? {} : { description: options.description }),
      };
      const client = await fleetClientFor(env);
      const created = await client.post<CreatedToken>('/api/enrollment-tokens', body);
      printResult(ctx.out, options.json === true, created, () =>
        [
          `enrollment token (shown once; keep it secret):`,
          `  ${created.token}`,
          `id ${created.id}, expires ${created.expiresAt}${created.singleUse ? ', single use' : ''}`,
          `enroll a host with: upkeep-agent enroll --server <gateway> --token <token>`,
        ].join('\n'),
      );
    });
}
