import type { Command } from 'commander';
import type { OutputPort, SetExitCode } from '@upkeep/cli-kit';
import type { ProgressTerminal } from '../logging/download-progress.service.ts';
import { openAgent, type AgentContext, type AgentOptions } from '../runtime/agent-context.repository.ts';
import type { AgentEnvironment } from './agent-environment.ts';

/** What every command gets: the process environment read once, output, its exit code, the terminal. */
export interface AgentCliContext {
  readonly env: AgentEnvironment;
  readonly out: OutputPort;
  readonly setExitCode: SetExitCode;
  /** The terminal for progress bars; null when stderr is not one. */
  readonly terminal: ProgressTerminal | null;
}

/** Adds the options every command takes. */
export function withAgentOptions(command: Command): Command {
  return command
    .option(
      '-c, --config <file>',
      'versions.yaml (UPKEEP_CONFIG; default <root>/etc/upkeep/versions.yaml with --root, else ./versions.yaml or /etc/upkeep/versions.yaml)',
    )
    .option('-e, --env <environment>', 'environment overlay to apply (UPKEEP_ENV)')
    .option('--root <dir>', 'place every absolute path of the config under this folder (UPKEEP_ROOT)')
    .option('--json', 'print the result as JSON on stdout (see docs/agent.md)')
    .option('--log-file <file>', 'write the JSON log there instead of stderr (UPKEEP_LOG_FILE)')
    .option(
      '--log-level <level>',
      'debug, info, warn, error or silent (UPKEEP_LOG_LEVEL; default info, warn on a terminal)',
    );
}

/**
 * Opens the agent (which first recovers interrupted operations), runs `work`,
 * and always closes it: metrics written, state file closed, host lock released.
 */
export async function withAgent<T>(
  cli: AgentCliContext,
  options: AgentOptions,
  mutates: boolean,
  work: (agent: AgentContext) => Promise<T>,
): Promise<T> {
  const agent = await openAgent(options, cli.env, cli.out, mutates);
  try {
    return await work(agent);
  } catch (error) {
    agent.log.event('command_failed', { error: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    await agent.close();
  }
}
