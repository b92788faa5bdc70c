import type { OutputPort, SetExitCode } from '@upkeep/cli-kit';
import type { CliEnvironment } from './cli-environment.ts';

/** What every command gets: the process environment read once, output, and its exit code. */
export interface CliContext {
  readonly env: CliEnvironment;
  readonly out: OutputPort;
  readonly setExitCode: SetExitCode;
}

/** Options every policy command takes. */
export interface PolicyOptions {
  readonly config: string;
  readonly env?: string | undefined;
  readonly json?: boolean | undefined;
}

/** Options of every command that asks upstreams about releases. */
export interface DiscoveryOptions extends PolicyOptions {
  readonly offline?: boolean | undefined;
  readonly stateDir?: string | undefined;
  readonly githubTokenFile?: string | undefined;
  readonly gitlabTokenFile?: string | undefined;
}
