import type { ErrorCode } from './error-code.ts';

/** Structured detail carried by an error; printed with `--json` and logged. */
export type ErrorDetails = Readonly<Record<string, unknown>>;

/**
 * The base of every error Upkeep raises on purpose. `message` is written for an
 * operator: it names the bad value and, where one exists, the fix (`hint`).
 */
export class UpkeepError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;
  readonly hint: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: ErrorDetails; hint?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
    this.hint = options.hint;
  }

  /** A plain object for JSON output and logs (no stack: that stays in the log). */
  toJSON(): { code: ErrorCode; message: string; hint?: string; details: ErrorDetails } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      details: this.details,
    };
  }
}

export function isUpkeepError(error: unknown): error is UpkeepError {
  return error instanceof UpkeepError;
}

/**
 * The text of anything thrown, for a reason shown to operators or stored: the message, and with
 * `withHint` an UpkeepError's hint in parentheses after it.
 */
export function errorMessage(error: unknown, options: { withHint?: boolean } = {}): string {
  if (isUpkeepError(error) && options.withHint === true && error.hint !== undefined)
    return `${error.message} (${error.hint})`;
  return error instanceof Error ? error.message : String(error);
}
