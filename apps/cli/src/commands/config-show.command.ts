import type { Command } from 'commander';
import { stringify } from 'yaml';
import { printResult } from '@upkeep/cli-kit';
import {
  effectiveComponent,
  effectiveConfig,
  explainComponent,
  explainGlobal,
  type ExplainedValue,
} from '@upkeep/policy';
import type { CliContext, PolicyOptions } from '../cli-context.ts';
import { readPolicyConfig } from '../policy-file.repository.ts';
import { withPolicyOptions } from './policy-options.ts';

interface ConfigShowOptions extends PolicyOptions {
  readonly explain?: boolean;
  readonly component?: string;
}

interface ExplainedEntry extends ExplainedValue {
  /** `global` or `components.<name>`. */
  readonly scope: string;
}

function renderValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function renderExplained(entries: readonly ExplainedEntry[]): string {
  const rows = entries.map((e) => [`${e.scope}.${e.path}`, renderValue(e.value), e.key ?? e.layer]);
  const width = (i: number) => Math.min(60, Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const [w0, w1] = [width(0), width(1)];
  return rows
    .map(([path = '', value = '', layer = '']) => `${path.padEnd(w0)}  ${value.padEnd(w1)}  ${layer}`)
    .join('\n');
}

/** `upkeep config show`: the effective configuration of an environment, and where each value came from. */
export function registerConfigShow(program: Command, ctx: CliContext): void {
  const config = program.command('config').description('inspect the effective configuration');
  withPolicyOptions(config.command('show'), ctx)
    .description('print the effective configuration after environment overlays')
    .option('--explain', 'print every value with the layer that set it')
    .option('--component <name>', 'only this component')
    .action(async (options: ConfigShowOptions) => {
      const policy = await readPolicyConfig(options.config);
      const effective = effectiveConfig(policy, options.env);
      const componentNames =
        options.component === undefined ? Object.keys(effective.components) : [options.component];
      if (options.explain === true) {
        const entries: ExplainedEntry[] = [
          ...(options.component === undefined
            ? explainGlobal(policy, options.env).map((e) => ({ ...e, scope: 'global' }))
            : []),
          ...componentNames.flatMap((name) =>
            explainComponent(policy, options.env, name).map((e) => ({ ...e, scope: `components.${name}` })),
          ),
        ];
        printResult(
          ctx.out,
          options.json === true,
          { environment: options.env ?? null, values: entries },
          () =>
            [
              `# effective configuration${options.env === undefined ? '' : ` for environment ${options.env}`}: value, then the layer that set it`,
              renderExplained(entries),
            ].join('\n'),
        );
        return;
      }
      const components = Object.fromEntries(
        componentNames.map((name) => {
          const { name: _name, ...rest } = effectiveComponent(policy, options.env, name);
          return [name, rest];
        }),
      );
      const view =
        options.component === undefined
          ? {
              environment: options.env ?? null,
              global: effective.global,
              components,
              upgrade_policies: effective.upgrade_policies,
              breaking_changes: effective.breaking_changes,
            }
          : { environment: options.env ?? null, components };
      printResult(ctx.out, options.json === true, view, () => stringify(view, { lineWidth: 0 }));
    });
}
