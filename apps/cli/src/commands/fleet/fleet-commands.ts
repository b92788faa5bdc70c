import type { Command } from 'commander';
import type { CliContext } from '../../cli-context.ts';
import { readFleetEnvironment, type FleetEnvironment } from '../../fleet/fleet-environment.ts';
import { registerCheckFleet } from './check-fleet.command.ts';
import { registerEnrollToken } from './enroll-token.command.ts';
import { registerHosts } from './hosts.command.ts';
import { registerJobs } from './jobs.command.ts';
import { registerLogin } from './login.command.ts';

/** The operator commands that talk to the control plane's REST API. */
export function registerFleetCommands(
  program: Command,
  ctx: CliContext,
  env: FleetEnvironment = readFleetEnvironment(process.env),
): void {
  registerLogin(program, ctx, env);
  registerHosts(program, ctx, env);
  registerEnrollToken(program, ctx, env);
  registerCheckFleet(program, ctx, env);
  registerJobs(program, ctx, env);
}
