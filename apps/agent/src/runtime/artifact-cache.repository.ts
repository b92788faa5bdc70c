import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsError } from '../common/fs-error.service.ts';

export interface RemovedArtifact {
  readonly component: string;
  readonly version: string;
  readonly bytes: number;
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw fsError('read', dir, error);
  }
}

async function sizeOf(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const name of await entries(path)) total += await sizeOf(join(path, name));
  return total;
}

/**
 * Removes downloaded artifacts (`<cache>/<component>/<version>/`, partial downloads
 * included) except those of the versions installed now, which a reinstall reuses.
 */
export async function pruneArtifactCache(
  cacheDir: string,
  keep: ReadonlyMap<string, string>,
): Promise<RemovedArtifact[]> {
  const removed: RemovedArtifact[] = [];
  for (const component of await entries(cacheDir)) {
    for (const version of await entries(join(cacheDir, component))) {
      if (keep.get(component) === version) continue;
      const folder = join(cacheDir, component, version);
      const bytes = await sizeOf(folder);
      try {
        await rm(folder, { recursive: true, force: true });
      } catch (error) {
        throw fsError('remove', folder, error);
      }
      removed.push({ component, version, bytes });
    }
  }
  return removed;
}

/** Removes leftover extraction folders; returns how many. Only safe while no operation runs. */
export async function clearWorkDir(workDir: string): Promise<number> {
  const names = await entries(workDir);
  for (const name of names) await rm(join(workDir, name), { recursive: true, force: true });
  return names.length;
}
