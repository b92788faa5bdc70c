import type { Command } from 'commander';
import type { CliContext } from '../cli-context.ts';

/** Adds --config, --env and --json, with defaults from the environment read at start-up. */
export function withPolicyOptions(command: Command, ctx: CliContext): Command {
  command
    .option(
      '-c, --config <file>',
      'versions.yaml to read (UPKEEP_CONFIG, ./versions.yaml, /etc/upkeep/versions.yaml)',
      ctx.env.defaultConfigPath,
    )
    .option(
      '-e, --env <environment>',
      'environment overlay to apply (UPKEEP_ENV)',
      ctx.env.defaultEnvironment,
    )
    .option('--json', 'print the result as JSON (documented in docs/cli.md)');
  return command;
}

/** Collects a repeatable option into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
