// Permission tests must fail for root too: root ignores mode bits, so when the
// tests run as root the test process drops its effective uid to `nobody` for
// the duration of `work` (and takes root back after).
import { chmodSync } from 'node:fs';

export const NOBODY = 65534;

export async function asUnprivileged<T>(work: () => Promise<T>): Promise<T> {
  if (process.getuid?.() !== 0 || process.seteuid === undefined) return work();
  process.seteuid(NOBODY);
  try {
    return await work();
  } finally {
    process.seteuid(0);
  }
}

/** Makes `paths` traversable and readable by everyone (temp folders are 0700). */
export function openToAll(...paths: string[]): void {
  for (const path of paths) chmodSync(path, 0o755);
}
