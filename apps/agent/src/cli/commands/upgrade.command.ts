import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import { UpkeepError } from '@upkeep/errors';
import { upgradeAll } from '../../flow/upgrade-all.service.ts';
import { upgradeComponent } from '../../flow/upgrade-flow.service.ts';
import type { AgentOptions } from '../../runtime/agent-context.repository.ts';
import { withAgent, withAgentOptions, type AgentCliContext } from '../agent-cli-context.ts';
import { formatUpgradeAll, formatUpgradeReport } from '../format/format-upgrade.ts';

interface UpgradeOptions extends AgentOptions {
  readonly all?: boolean;
  readonly dryRun?: boolean;
  readonly force?: boolean;
  readonly skipSafetyChecks?: boolean;
  /** Commander's `--no-rollback`: false when given. */
  readonly rollback?: boolean;
}

/**
 * `upkeep-agent upgrade <component> [version]` and `upgrade --all`. Exit codes:
 * 0 done (or nothing to do), 2 held for manual approval, 1 refused as unsafe or
 * a failed upgrade (rolled back), other codes as docs/agent.md lists.
 */
export function registerUpgrade(program: Command, ctx: AgentCliContext): void {
  withAgentOptions(program.command('upgrade'))
    .description(
      'install or upgrade a component: resolve, decide, download, verify, swap, health-check, commit',
    )
    .argument('[component]', 'component name in versions.yaml')
    .argument('[version]', "exact version (default: the component's strategy chooses)")
    .option('--all', 'every installed component, in dependency order')
    .option('--dry-run', 'print the plan, every safety check and the expected downtime; change nothing')
    .option('--force', 'approve a held upgrade (manual approval), allow a downgrade, retry a failed version')
    .option('--skip-safety-checks', 'install even when the decision engine refuses')
    .option('--no-rollback', 'leave a failed version in place instead of restoring the previous one')
    .action(async (component: string | undefined, version: string | undefined, options: UpgradeOptions) => {
      const terminal = options.json === true ? null : ctx.terminal;
      if (options.all === true) {
        if (component !== undefined || options.force === true || options.skipSafetyChecks === true) {
          throw new UpkeepError(
            'USAGE',
            '--all takes no component, version, --force or --skip-safety-checks',
            {
              hint: 'force or override one component at a time: upkeep-agent upgrade <component> <version> --force',
            },
          );
        }
        await withAgent(ctx, options, options.dryRun !== true, async (agent) => {
          const report = await upgradeAll(
            agent,
            { dryRun: options.dryRun === true, noRollback: options.rollback === false },
            { terminal },
          );
          printResult(ctx.out, options.json === true, report, () => formatUpgradeAll(report));
          ctx.setExitCode(report.exit_code);
        });
        return;
      }
      if (component === undefined) {
        throw new UpkeepError('USAGE', 'upgrade needs a component (or --all)', {
          hint: 'upkeep-agent upgrade node_exporter [version], or upkeep-agent upgrade --all',
        });
      }
      await withAgent(ctx, options, options.dryRun !== true, async (agent) => {
        const report = await upgradeComponent(
          agent,
          {
            component,
            version,
            dryRun: options.dryRun === true,
            force: options.force === true,
            skipSafetyChecks: options.skipSafetyChecks === true,
            noRollback: options.rollback === false,
          },
          { terminal },
        );
        printResult(ctx.out, options.json === true, report, () => formatUpgradeReport(report));
        ctx.setExitCode(report.exit_code);
      });
    });
}
