import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import type { CliContext, PolicyOptions } from '../cli-context.ts';
import { readPolicyConfig } from '../policy-file.repository.ts';
import { withPolicyOptions } from './policy-options.ts';

/** `upkeep validate`: loads versions.yaml and reports every problem at once. */
export function registerValidate(program: Command, ctx: CliContext): void {
  withPolicyOptions(program.command('validate'), ctx)
    .description('check versions.yaml: every error with its path, line and the fix')
    .action(async (options: PolicyOptions) => {
      const config = await readPolicyConfig(options.config);
      const components = Object.keys(config.components);
      const environments = Object.keys(config.environments);
      printResult(
        ctx.out,
        options.json === true,
        { valid: true, path: options.config, components, environments },
        () =>
          [
            `${options.config} is valid`,
            `  components:   ${components.length === 0 ? '(none)' : components.join(', ')}`,
            `  environments: ${environments.length === 0 ? '(none)' : environments.join(', ')}`,
          ].join('\n'),
      );
    });
}
