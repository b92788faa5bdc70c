import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import { checkUpgrades } from '../../flow/check.service.ts';
import type { AgentOptions } from '../../runtime/agent-context.repository.ts';
import { withAgent, withAgentOptions, type AgentCliContext } from '../agent-cli-context.ts';
import { formatCheck } from '../format/format-tables.ts';

/** `upkeep-agent check [component]`: what could be upgraded, with the decision on each. */
export function registerCheck(program: Command, ctx: AgentCliContext): void {
  withAgentOptions(program.command('check'))
    .description('what could be upgraded, and what the decision engine says about each (changes nothing)')
    .argument('[component]', 'only this component')
    .action(async (component: string | undefined, options: AgentOptions) => {
      await withAgent(ctx, options, false, async (agent) => {
        const report = await checkUpgrades(agent, component);
        printResult(ctx.out, options.json === true, report, () => formatCheck(report));
        ctx.setExitCode(report.exit_code);
      });
    });
}
