/** What the agent takes from its process, read once at the edge (STYLE.md §6). */
export interface AgentEnvironment {
  readonly cwd: string;
  /** What `~` in versions.yaml means. */
  readonly home: string;
  /** UPKEEP_CONFIG; undefined: `<root>/etc/upkeep/versions.yaml` with a root, else ./versions.yaml or /etc/upkeep/versions.yaml. */
  readonly config: string | undefined;
  /** UPKEEP_ENV: the environment overlay when --env is not given. */
  readonly environment: string | undefined;
  /** UPKEEP_ROOT: the host folder when --root is not given. */
  readonly root: string | undefined;
  /** UPKEEP_LOG_FILE: where the JSON log goes (default stderr). */
  readonly logFile: string | undefined;
  /** UPKEEP_LOG_LEVEL. */
  readonly logLevel: string | undefined;
  readonly debug: boolean;
  /** Whether stderr is a terminal (progress bar, quieter log default). */
  readonly stderrIsTty: boolean;
  readonly terminalColumns: number;
  readonly githubToken: string | undefined;
  readonly gitlabToken: string | undefined;
  readonly isRoot: boolean;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

export function readAgentEnvironment(
  env: NodeJS.ProcessEnv,
  cwd: string,
  tty: { readonly stderrIsTty: boolean; readonly columns: number | undefined },
  isRoot: boolean,
): AgentEnvironment {
  return {
    cwd,
    home: nonEmpty(env['HOME']) ?? '/root',
    config: nonEmpty(env['UPKEEP_CONFIG']),
    environment: nonEmpty(env['UPKEEP_ENV']),
    root: nonEmpty(env['UPKEEP_ROOT']),
    logFile: nonEmpty(env['UPKEEP_LOG_FILE']),
    logLevel: nonEmpty(env['UPKEEP_LOG_LEVEL']),
    debug: env['UPKEEP_DEBUG'] === '1',
    stderrIsTty: tty.stderrIsTty,
    terminalColumns: tty.columns ?? 80,
    githubToken: nonEmpty(env['GITHUB_TOKEN']),
    gitlabToken: nonEmpty(env['GITLAB_TOKEN']),
    isRoot,
  };
}
