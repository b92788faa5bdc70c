import { createHash } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../run-process.ts';

const STALE_MS = 10 * 60_000;

/**
 * Runs `build` while holding a lock directory named after this checkout and `name`,
 * so test files started in parallel build once and the others wait for it.
 */
export async function withBuildLock<T>(
  name: string,
  build: () => Promise<T>,
  timeoutMs = 600_000,
): Promise<T> {
  const key = createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12);
  const lock = join(tmpdir(), `upkeep-build-${key}-${name}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const since = await stat(lock).then(
        (info) => Date.now() - info.mtimeMs,
        () => 0,
      );
      // A lock left by a killed run is taken over rather than waited on forever.
      if (since > STALE_MS) await rm(lock, { recursive: true, force: true });
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for the ${name} build lock ${lock}`, { cause: error });
      await sleep(250);
    }
  }
  try {
    return await build();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
