import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** What the CLI takes from its process, read once at the edge (STYLE.md §6). */
export interface CliEnvironment {
  readonly cwd: string;
  /** UPKEEP_CONFIG, else ./versions.yaml when present, else /etc/upkeep/versions.yaml. */
  readonly defaultConfigPath: string;
  /** UPKEEP_ENV: the environment overlay used when --env is not given. */
  readonly defaultEnvironment: string | undefined;
  readonly debug: boolean;
  readonly now: () => Date;
}

export function readCliEnvironment(env: NodeJS.ProcessEnv, cwd: string): CliEnvironment {
  const local = resolve(cwd, 'versions.yaml');
  const configured = env['UPKEEP_CONFIG'];
  return {
    cwd,
    defaultConfigPath:
      configured !== undefined && configured !== ''
        ? resolve(cwd, configured)
        : existsSync(local)
          ? local
          : '/etc/upkeep/versions.yaml',
    defaultEnvironment: env['UPKEEP_ENV'] === '' ? undefined : env['UPKEEP_ENV'],
    debug: env['UPKEEP_DEBUG'] === '1',
    now: () => new Date(),
  };
}
