import { UpkeepError } from '@upkeep/errors';
import type { FileSystemPort } from '../ports/file-system.port.ts';
import { SecretValue } from './secret-value.ts';

const MAX_TOKEN_FILE_BYTES = 64 * 1024;

/**
 * Reads a token from a file the way ssh reads a key: refused when group or others
 * have any permission on it (0600 and 0400 pass), so a token is never world-readable.
 * @throws UpkeepError SECRET_FILE_INSECURE, CONFIG_NOT_FOUND or INPUT_INVALID naming the file.
 */
export async function readTokenFile(
  path: string,
  fs: FileSystemPort,
  what = 'token file',
): Promise<SecretValue> {
  const info = await fs.stat(path);
  if (info === undefined) {
    throw new UpkeepError('CONFIG_NOT_FOUND', `${what} ${path} does not exist`, {
      details: { path },
      hint: `create it with the token on one line and chmod 600 ${path}, or set the token in the environment`,
    });
  }
  if (!info.isFile) {
    throw new UpkeepError('INPUT_INVALID', `${what} ${path} is not a regular file`, { details: { path } });
  }
  if ((info.mode & 0o077) !== 0) {
    const mode = `0${(info.mode & 0o777).toString(8)}`;
    throw new UpkeepError(
      'SECRET_FILE_INSECURE',
      `${what} ${path} has mode ${mode}, which lets group or others read or change it; refusing to use it`,
      { details: { path, mode }, hint: `run chmod 600 ${path}` },
    );
  }
  if (info.size > MAX_TOKEN_FILE_BYTES) {
    throw new UpkeepError(
      'INPUT_TOO_LARGE',
      `${what} ${path} is ${info.size} bytes; a token is far smaller`,
      {
        details: { path },
        hint: 'put only the token in the file',
      },
    );
  }
  const text = new TextDecoder().decode(await fs.readFile(path)).trim();
  if (text === '' || /\s/.test(text)) {
    throw new UpkeepError(
      'INPUT_INVALID',
      `${what} ${path} ${text === '' ? 'is empty' : 'holds more than one word'}`,
      { details: { path }, hint: 'put only the token in the file, on one line' },
    );
  }
  return new SecretValue(text);
}

/**
 * The token to use: a value from the environment wins (`GITHUB_TOKEN`, read by the caller),
 * then the token file, else none (anonymous requests).
 */
export async function resolveToken(
  options: { readonly envValue?: string | undefined; readonly file?: string | undefined },
  fs: FileSystemPort,
): Promise<SecretValue | undefined> {
  const fromEnv = options.envValue?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return new SecretValue(fromEnv);
  if (options.file !== undefined) return readTokenFile(options.file, fs);
  return undefined;
}
