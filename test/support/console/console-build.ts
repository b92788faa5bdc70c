import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { REPO_ROOT, runProcess } from '../run-process.ts';
import { withBuildLock } from './build-lock.ts';

export const CONSOLE_PACKAGE = join(REPO_ROOT, 'apps/console');
export const CONSOLE_DIST = join(CONSOLE_PACKAGE, 'dist');
const STAMP = join(CONSOLE_DIST, '.inputs-sha256');

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** sha256 over the console's sources and build settings: the build is stale when it changes. */
export async function consoleInputsHash(): Promise<string> {
  const files = [
    ...(await filesUnder(join(CONSOLE_PACKAGE, 'src'))),
    join(CONSOLE_PACKAGE, 'index.html'),
    join(CONSOLE_PACKAGE, 'vite.config.ts'),
    join(CONSOLE_PACKAGE, 'package.json'),
  ].sort();
  // The mode is part of the stamp: a build made with another NODE_ENV is rebuilt.
  const hash = createHash('sha256').update('mode=production\0');
  for (const file of files) {
    hash
      .update(relative(CONSOLE_PACKAGE, file))
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  }
  return hash.digest('hex');
}

const stampOf = (): Promise<string | null> => readFile(STAMP, 'utf8').catch(() => null);

/**
 * Builds apps/console into apps/console/dist unless the build there was made from the
 * same sources (a hash stamp in dist/), so a fresh clone's tests and the screenshots
 * script build it once and later runs reuse it. Returns the dist directory.
 */
export async function ensureConsoleBuilt(): Promise<string> {
  const wanted = await consoleInputsHash();
  if ((await stampOf()) === wanted) return CONSOLE_DIST;
  return withBuildLock('console', async () => {
    if ((await stampOf()) === wanted) return CONSOLE_DIST;
    const vite = join(CONSOLE_PACKAGE, 'node_modules/vite/bin/vite.js');
    // vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
    const result = await runProcess(process.execPath, [vite, 'build'], {
      env: { ...process.env, NODE_ENV: 'production' },
      cwd: CONSOLE_PACKAGE,
      timeoutMs: 300_000,
    });
    if (result.code !== 0) {
      throw new Error(
        `vite build of apps/console failed (${result.code}):\n${result.stdout}\n${result.stderr}`,
      );
    }
    await writeFile(STAMP, wanted);
    return CONSOLE_DIST;
  });
}
