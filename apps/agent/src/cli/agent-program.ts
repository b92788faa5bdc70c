import { Command } from 'commander';
import type { AgentCliContext } from './agent-cli-context.ts';
import { AGENT_VERSION } from './agent-version.ts';
import { registerEnroll } from './commands/enroll.command.ts';
import { registerRun } from './commands/run.command.ts';
import { registerCheck } from './commands/check.command.ts';
import { registerCleanup } from './commands/cleanup.command.ts';
import { registerHistory } from './commands/history.command.ts';
import { registerRecover } from './commands/recover.command.ts';
import { registerRollbackPoints } from './commands/rollback-points.command.ts';
import { registerRollback } from './commands/rollback.command.ts';
import { registerStatus } from './commands/status.command.ts';
import { registerUpgrade } from './commands/upgrade.command.ts';

export { AGENT_VERSION } from './agent-version.ts';

/** The `upkeep-agent` command line: every command registered in one place. */
export function buildAgentProgram(ctx: AgentCliContext): Command {
  const program = new Command('upkeep-agent')
    .description(
      'Upkeep agent: verified, atomic, crash-safe install, upgrade and rollback of infrastructure binaries on this host',
    )
    .version(AGENT_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .option('--debug', 'print stacks of internal errors');
  registerStatus(program, ctx);
  registerCheck(program, ctx);
  registerUpgrade(program, ctx);
  registerRollback(program, ctx);
  registerHistory(program, ctx);
  registerRollbackPoints(program, ctx);
  registerCleanup(program, ctx);
  registerRecover(program, ctx);
  registerEnroll(program, ctx);
  registerRun(program, ctx);
  return program;
}
