import type { Command } from 'commander';
import type { CliContext } from '../../cli-context.ts';
import { registerEnrollToken } from './enroll-token.command.ts';
import { registerHistory } from './history.command.ts';
import { registerDrift } from './drift.command.ts';
import { registerHosts } from './hosts.command.ts';
import { registerJobs } from './jobs.command.ts';
import { registerLogin } from './login.command.ts';
import { registerNotifications } from './notifications.command.ts';
import { registerRollout } from './rollout.command.ts';

/**
 * The operator commands that talk to the control plane's REST API
 * (`upkeep check --fleet` is the `check` command's fleet mode).
 */
export function registerFleetCommands(program: Command, ctx: CliContext): void {
  const env = ctx.env.fleet;
  registerLogin(program, ctx, env);
  registerHosts(program, ctx, env);
  registerEnrollToken(program, ctx, env);
  registerJobs(program, ctx, env);
  registerHistory(program, ctx, env);
  registerDrift(program, ctx, env);
  registerNotifications(program, ctx, env);
  registerRollout(program, ctx, env);
}
