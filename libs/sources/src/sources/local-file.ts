import { fileURLToPath } from 'node:url';
import { UpkeepError } from '@upkeep/errors';
import type { FileSystemPort } from '../ports/file-system.port.ts';

/** Whether a location is on this machine: `file://` or an absolute path. */
export function isLocalLocation(location: string): boolean {
  return location.startsWith('/') || location.toLowerCase().startsWith('file:');
}

/** The path of a `file://` URL or absolute path. */
export function localPath(location: string): string {
  return location.toLowerCase().startsWith('file:') ? fileURLToPath(location) : location;
}

/**
 * Reads a local file named by path or `file://` URL, capped in size.
 * @throws UpkeepError UPSTREAM_NOT_FOUND when missing, INPUT_TOO_LARGE past the cap.
 */
export async function readLocalFile(
  location: string,
  fs: FileSystemPort,
  maxBytes: number,
): Promise<Uint8Array> {
  const path = localPath(location);
  const info = await fs.stat(path);
  if (info?.isFile !== true) {
    throw new UpkeepError('UPSTREAM_NOT_FOUND', `${path} does not exist or is not a file`, {
      details: { path },
      hint: 'check the path; a mirror directory holds index.json (see upkeep mirror)',
    });
  }
  if (info.size > maxBytes) {
    throw new UpkeepError(
      'INPUT_TOO_LARGE',
      `${path} is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB`,
      {
        details: { path, size: info.size },
      },
    );
  }
  return fs.readFile(path);
}
