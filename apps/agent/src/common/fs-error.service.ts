import { UpkeepError, isUpkeepError } from '@upkeep/errors';

/**
 * Turns a file-system error on `path` into an UpkeepError an operator can act on:
 * full disk, no permission, or a path that is not what the config says.
 */
export function fsError(action: string, path: string, error: unknown, hint?: string): UpkeepError {
  if (isUpkeepError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const text = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new UpkeepError('INSUFFICIENT_SPACE', `no space left to ${action} ${path}`, {
        details: { path, errno: code },
        hint: hint ?? 'free space on that file system, then retry',
        cause: error,
      });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
    case 'ETXTBSY':
      return new UpkeepError('PERMISSION_DENIED', `cannot ${action} ${path}: ${text}`, {
        details: { path, errno: code },
        hint: hint ?? 'run the agent as a user that may write there, or place the host under --root',
        cause: error,
      });
    case 'ENOTDIR':
    case 'ENOENT':
    case 'EISDIR':
    case 'ELOOP':
    case 'EEXIST':
      return new UpkeepError('INPUT_INVALID', `cannot ${action} ${path}: ${text}`, {
        details: { path, errno: code },
        hint: hint ?? 'check the configured path: a folder in it is missing or is not a folder',
        cause: error,
      });
    default:
      return new UpkeepError('INTERNAL', `cannot ${action} ${path}: ${text}`, {
        details: { path, ...(typeof code === 'string' ? { errno: code } : {}) },
        cause: error,
      });
  }
}
