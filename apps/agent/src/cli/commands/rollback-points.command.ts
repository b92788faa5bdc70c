import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import { rollbackPointEntryOf, type RollbackPointEntry } from '../../flow/history-view.ts';
import type { AgentOptions } from '../../runtime/agent-context.repository.ts';
import { withAgent, withAgentOptions, type AgentCliContext } from '../agent-cli-context.ts';
import { formatRollbackPoints } from '../format/format-tables.ts';

/** `upkeep-agent rollback-points <component>`: each point, newest first, checked against its sha256. */
export function registerRollbackPoints(program: Command, ctx: AgentCliContext): void {
  withAgentOptions(program.command('rollback-points'))
    .description("a component's rollback points, newest first, each verified against its recorded sha256")
    .argument('<component>', 'component name')
    .action(async (component: string, options: AgentOptions) => {
      await withAgent(ctx, options, false, async (agent) => {
        const entries: RollbackPointEntry[] = [];
        for (const point of agent.rollbackPoints.list(component)) {
          const problem = await agent.rollbackPoints.verify(point).then(
            () => null,
            (error: unknown) => (error instanceof Error ? error.message : String(error)),
          );
          entries.push(rollbackPointEntryOf(point, (path) => agent.paths.unmap(path), problem));
        }
        printResult(ctx.out, options.json === true, entries, () => formatRollbackPoints(component, entries));
      });
    });
}
