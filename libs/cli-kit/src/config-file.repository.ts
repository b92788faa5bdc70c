import { readFile, stat } from 'node:fs/promises';
import { UpkeepError } from '@upkeep/errors';

/** Largest input file read whole: versions.yaml, lock files, OSV and release lists. */
export const MAX_INPUT_FILE_BYTES = 10 * 1024 * 1024;

/**
 * Reads a text file an operator pointed at, refusing what is missing, not a
 * file, or larger than `maxBytes` (default 10 MB) before reading a byte of it.
 */
export async function readInputFile(
  path: string,
  what: string,
  maxBytes = MAX_INPUT_FILE_BYTES,
): Promise<string> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) {
      throw new UpkeepError('INPUT_INVALID', `${what} ${path} is not a regular file`, { details: { path } });
    }
    size = info.size;
  } catch (error) {
    if (error instanceof UpkeepError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UpkeepError(
        what === 'config' ? 'CONFIG_NOT_FOUND' : 'INPUT_INVALID',
        `${what} file ${path} does not exist`,
        {
          details: { path },
          hint: what === 'config' ? 'pass --config FILE or set UPKEEP_CONFIG' : undefined,
        },
      );
    }
    if (code === 'EACCES') {
      throw new UpkeepError('PERMISSION_DENIED', `${what} file ${path} is not readable by this user`, {
        details: { path },
      });
    }
    throw error;
  }
  if (size > maxBytes) {
    throw new UpkeepError(
      'INPUT_TOO_LARGE',
      `${what} file ${path} is ${size} bytes, over the ${maxBytes}-byte limit`,
      {
        details: { path, size, limit: maxBytes },
      },
    );
  }
  return readFile(path, 'utf8');
}
