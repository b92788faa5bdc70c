import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import { UpkeepError } from '@upkeep/errors';
import { rollbackComponent } from '../../flow/rollback.service.ts';
import type { AgentOptions } from '../../runtime/agent-context.repository.ts';
import { withAgent, withAgentOptions, type AgentCliContext } from '../agent-cli-context.ts';

interface RollbackOptions extends AgentOptions {
  readonly to?: string;
}

function pointId(text: string | undefined): number | null {
  if (text === undefined) return null;
  if (!/^\d+$/.test(text)) {
    throw new UpkeepError('USAGE', `--to ${JSON.stringify(text)} is not a rollback point id`, {
      hint: 'list them with: upkeep-agent rollback-points <component>',
    });
  }
  return Number(text);
}

/** `upkeep-agent rollback <component> [--to <id>]`. */
export function registerRollback(program: Command, ctx: AgentCliContext): void {
  withAgentOptions(program.command('rollback'))
    .description('restore a rollback point (the newest by default), restart and health-check it')
    .argument('<component>', 'component name in versions.yaml')
    .option('--to <rollback-point-id>', 'the rollback point to restore (see rollback-points)')
    .action(async (component: string, options: RollbackOptions) => {
      const id = pointId(options.to);
      await withAgent(ctx, options, true, async (agent) => {
        agent.component(component);
        const result = await rollbackComponent(agent, component, id);
        const report = {
          component,
          from_version: result.fromVersion,
          to_version: result.toVersion,
          rollback_point_id: result.rollbackPointId,
          operation_id: result.operationId,
        };
        printResult(
          ctx.out,
          options.json === true,
          report,
          () =>
            `${component}: rolled back ${result.fromVersion ?? '(none)'} -> ${result.toVersion} (rollback point ${String(result.rollbackPointId)}), healthy\n${result.fromVersion === null ? '' : `${result.fromVersion} will not be installed again automatically (--force or a newer release lifts that)`}`,
        );
      });
    });
}
