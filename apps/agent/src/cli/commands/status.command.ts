import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import { hostStatus } from '../../flow/status.service.ts';
import type { AgentOptions } from '../../runtime/agent-context.repository.ts';
import { withAgent, withAgentOptions, type AgentCliContext } from '../agent-cli-context.ts';
import { formatStatus } from '../format/format-tables.ts';

/** `upkeep-agent status`: installed versions, service and health, rollback points, failed versions. */
export function registerStatus(program: Command, ctx: AgentCliContext): void {
  withAgentOptions(program.command('status'))
    .description(
      'what is installed, whether it runs and answers its health check, and what the agent remembers',
    )
    .action(async (options: AgentOptions) => {
      await withAgent(ctx, options, false, async (agent) => {
        const report = await hostStatus(agent);
        printResult(ctx.out, options.json === true, report, () => formatStatus(report));
      });
    });
}
