import { UpkeepError, isUpkeepError } from '@upkeep/errors';

/**
 * `error` as an UpkeepError for a report: itself when it is one, else INTERNAL with its
 * message (after `prefix: ` when given), so a command can list it with a code and go on.
 */
export function knownError(error: unknown, prefix?: string): UpkeepError {
  if (isUpkeepError(error)) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new UpkeepError('INTERNAL', prefix === undefined ? text : `${prefix}: ${text}`, { cause: error });
}
