import { posix } from 'node:path';
import { UpkeepError } from '@upkeep/errors';

/**
 * Places every absolute path of the config under `--root DIR`, so a whole host
 * (binaries, configs, units, state, cache, rollback store) can live in a folder:
 * tests and the demo run that way, unprivileged. Without a root, paths are
 * returned as configured (with `~` expanded).
 */
export class RootPathMapper {
  readonly root: string | null;
  readonly #home: string;

  /** `root`: the `--root` folder (absolute), or null; `home`: what `~` means (the agent's HOME). */
  constructor(root: string | null, home: string) {
    if (root !== null && !posix.isAbsolute(root)) {
      throw new UpkeepError('USAGE', `--root must be an absolute path, got ${JSON.stringify(root)}`, {
        hint: 'pass --root $PWD/host or another absolute folder',
      });
    }
    this.root = root === null ? null : posix.normalize(root).replace(/\/+$/, '') || '/';
    this.#home = home;
  }

  /**
   * Maps one configured path. `key` names the setting in errors. `..` is
   * resolved before the root is prepended, so no path can climb out of it.
   */
  map(path: string, key: string): string {
    let absolute = path;
    if (path === '~' || path.startsWith('~/')) absolute = posix.join(this.#home, path.slice(1));
    if (!posix.isAbsolute(absolute)) {
      throw new UpkeepError(
        'CONFIG_INVALID',
        `${key} must be an absolute path, got ${JSON.stringify(path)}`,
        {
          details: { key, path },
          hint: `write ${key} as a full path such as /usr/local/bin/node_exporter`,
        },
      );
    }
    const normalized = posix.normalize(absolute);
    if (this.root === null) return normalized;
    return posix.join(this.root, normalized);
  }

  /** Maps a path that may be absent. */
  mapOptional(path: string | null | undefined, key: string): string | null {
    return path === null || path === undefined ? null : this.map(path, key);
  }

  /** The configured path a mapped path came from (for messages that should show the host's view). */
  unmap(mapped: string): string {
    if (this.root === null || this.root === '/') return mapped;
    return mapped.startsWith(`${this.root}/`) ? mapped.slice(this.root.length) : mapped;
  }
}
