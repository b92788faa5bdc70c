import type { Command } from 'commander';
import { exitCodeFor, printResult } from '@upkeep/cli-kit';
import type { AgentOptions } from '../../runtime/agent-context.repository.ts';
import { withAgent, withAgentOptions, type AgentCliContext } from '../agent-cli-context.ts';

/**
 * `upkeep-agent recover`: every command first finishes or rolls back operations
 * a crash interrupted; this one does only that, and reports each. Exit 0 when
 * nothing was left open, else the first unrecoverable operation's code.
 */
export function registerRecover(program: Command, ctx: AgentCliContext): void {
  withAgentOptions(program.command('recover'))
    .description('finish or roll back operations a crash, kill -9 or power loss interrupted')
    .action(async (options: AgentOptions) => {
      await withAgent(ctx, options, true, (agent) => {
        const recovered = agent.recovery.map((r) => ({
          operation_id: r.operationId,
          component: r.component,
          kind: r.kind,
          from_version: r.fromVersion,
          to_version: r.toVersion,
          interrupted_at: r.interruptedAt,
          outcome: r.outcome,
          error:
            r.error === undefined
              ? null
              : { code: r.error.code, message: r.error.message, hint: r.error.hint ?? null },
        }));
        const stillOpen = agent.journal.unfinished().map((e) => ({
          operation_id: e.operationId,
          component: e.component,
          kind: e.kind,
          step: e.step,
        }));
        printResult(ctx.out, options.json === true, { recovered, still_open: stillOpen }, () => {
          if (recovered.length === 0 && stillOpen.length === 0)
            return 'nothing to recover: no interrupted operation';
          const lines = recovered.map(
            (r) =>
              `${r.component}: ${r.kind} ${r.from_version ?? '(none)'} -> ${r.to_version ?? '(none)'} interrupted at ${r.interrupted_at}: ${r.outcome}${r.error === null ? '' : ` (${r.error.message})`}`,
          );
          for (const open of stillOpen)
            lines.push(`${open.component}: ${open.kind} ${open.operation_id} still open at ${open.step}`);
          return lines.join('\n');
        });
        const failure = agent.recovery.find((r) => r.error !== undefined)?.error;
        if (failure !== undefined) ctx.setExitCode(exitCodeFor(failure.code));
        return Promise.resolve();
      });
    });
}
