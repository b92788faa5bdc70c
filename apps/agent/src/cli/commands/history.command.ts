import type { Command } from 'commander';
import { printResult } from '@upkeep/cli-kit';
import { UpkeepError } from '@upkeep/errors';
import { historyEntryOf } from '../../flow/history-view.ts';
import type { AgentOptions } from '../../runtime/agent-context.repository.ts';
import { withAgent, withAgentOptions, type AgentCliContext } from '../agent-cli-context.ts';
import { formatHistory } from '../format/format-tables.ts';

interface HistoryOptions extends AgentOptions {
  readonly limit?: string;
}

/** `upkeep-agent history [component] [--limit N]`: newest first. */
export function registerHistory(program: Command, ctx: AgentCliContext): void {
  withAgentOptions(program.command('history'))
    .description('upgrades, failures and rollbacks on this host, newest first')
    .argument('[component]', 'only this component')
    .option('--limit <n>', 'how many records (default 10)', '10')
    .action(async (component: string | undefined, options: HistoryOptions) => {
      const limit = Number(options.limit ?? '10');
      if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) {
        throw new UpkeepError(
          'USAGE',
          `--limit ${JSON.stringify(options.limit)} is not a positive whole number`,
          {
            hint: 'pass --limit 20',
          },
        );
      }
      await withAgent(ctx, options, false, (agent) => {
        const entries = agent.history.list({ component, limit }).map(historyEntryOf);
        printResult(ctx.out, options.json === true, entries, () => formatHistory(entries));
        return Promise.resolve();
      });
    });
}
