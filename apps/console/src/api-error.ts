/** An error answer of the REST API: `{ error: { code, message, hint? } }` with its HTTP status. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly hint: string | undefined;

  constructor(status: number, code: string, message: string, hint?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.hint = hint;
  }

  /** What the console shows: status, code and the server's own reason. */
  describe(): string {
    return `${this.status} ${this.code}: ${this.message}${this.hint === undefined ? '' : ` (${this.hint})`}`;
  }
}

/** Reads an error body the API sent, or makes one up from the status when the body is not the API's. */
export function apiErrorOf(status: number, body: unknown): ApiError {
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const error = body.error;
    if (typeof error === 'object' && error !== null) {
      const fields = error as Record<string, unknown>;
      const code = typeof fields['code'] === 'string' ? fields['code'] : 'ERROR';
      const message = typeof fields['message'] === 'string' ? fields['message'] : `HTTP ${status}`;
      const hint = typeof fields['hint'] === 'string' ? fields['hint'] : undefined;
      return new ApiError(status, code, message, hint);
    }
  }
  return new ApiError(status, 'HTTP_ERROR', `HTTP ${status}`);
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.describe();
  return error instanceof Error ? error.message : String(error);
}
