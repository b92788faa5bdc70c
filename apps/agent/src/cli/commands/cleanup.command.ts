import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import { cleanup } from '../../flow/cleanup.service.ts';
import type { AgentOptions } from '../../runtime/agent-context.repository.ts';
import { withAgent, withAgentOptions, type AgentCliContext } from '../agent-cli-context.ts';
import { formatCleanup } from '../format/format-tables.ts';

/** `upkeep-agent cleanup`: retention, cached artifacts, finished journal entries. */
export function registerCleanup(program: Command, ctx: AgentCliContext): void {
  withAgentOptions(program.command('cleanup'))
    .description(
      'apply rollback retention, remove cached artifacts of versions not installed, and journal entries of finished operations',
    )
    .action(async (options: AgentOptions) => {
      await withAgent(ctx, options, true, async (agent) => {
        const report = await cleanup(agent);
        printResult(ctx.out, options.json === true, report, () => formatCleanup(report));
      });
    });
}
