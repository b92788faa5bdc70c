import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readFleetEnvironment, type FleetEnvironment } from './fleet/fleet-environment.ts';

/** The machine the CLI runs on, as Node reports it. */
export interface HostInfo {
  /** `process.platform`. */
  readonly platform: string;
  /** `process.arch`. */
  readonly arch: string;
  /** Whether stderr is a terminal (progress is shown only there). */
  readonly stderrIsTty: boolean;
}

/** What the CLI takes from its process, read once at the edge (STYLE.md §6). */
export interface CliEnvironment {
  readonly cwd: string;
  /** UPKEEP_CONFIG, else ./versions.yaml when present, else /etc/upkeep/versions.yaml. */
  readonly defaultConfigPath: string;
  /** UPKEEP_ENV: the environment overlay used when --env is not given. */
  readonly defaultEnvironment: string | undefined;
  /** UPKEEP_STATE_DIR: where the cache lives when --state-dir is not given (else from the config). */
  readonly defaultStateDir: string | undefined;
  /** GITHUB_TOKEN / GITLAB_TOKEN; a token file given on the command line wins over them. */
  readonly githubToken: string | undefined;
  readonly gitlabToken: string | undefined;
  /** HOME, for `~/` in configured paths. */
  readonly home: string | undefined;
  readonly host: HostInfo;
  /** Where `upkeep login` keeps credentials, and standard input for the token. */
  readonly fleet: FleetEnvironment;
  readonly debug: boolean;
  readonly now: () => Date;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

export function readCliEnvironment(
  env: NodeJS.ProcessEnv,
  cwd: string,
  host: HostInfo = { platform: 'linux', arch: 'x64', stderrIsTty: false },
): CliEnvironment {
  const local = resolve(cwd, 'versions.yaml');
  const configured = env['UPKEEP_CONFIG'];
  const stateDir = nonEmpty(env['UPKEEP_STATE_DIR']);
  return {
    cwd,
    defaultConfigPath:
      configured !== undefined && configured !== ''
        ? resolve(cwd, configured)
        : existsSync(local)
          ? local
          : '/etc/upkeep/versions.yaml',
    defaultEnvironment: env['UPKEEP_ENV'] === '' ? undefined : env['UPKEEP_ENV'],
    defaultStateDir: stateDir === undefined ? undefined : resolve(cwd, stateDir),
    githubToken: nonEmpty(env['GITHUB_TOKEN']),
    gitlabToken: nonEmpty(env['GITLAB_TOKEN']),
    home: nonEmpty(env['HOME']),
    host,
    fleet: readFleetEnvironment(env),
    debug: env['UPKEEP_DEBUG'] === '1',
    now: () => new Date(),
  };
}
