import { UpkeepError } from '@upkeep/errors';

/** Parses a response body as JSON, or throws UPSTREAM_INVALID_RESPONSE saying what it got. */
export function parseJsonBody(body: Uint8Array | string, upstream: string, what: string): unknown {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unreadable';
    throw new UpkeepError(
      'UPSTREAM_INVALID_RESPONSE',
      `${upstream}: ${what} is not valid JSON (${text.length === 0 ? 'empty body' : reason})`,
      { details: { upstream, bytes: text.length }, hint: 'retry later; nothing from this answer was cached' },
    );
  }
}

export function invalidResponse(upstream: string, message: string): UpkeepError {
  return new UpkeepError('UPSTREAM_INVALID_RESPONSE', `${upstream}: ${message}`, {
    details: { upstream },
    hint: 'retry later; nothing from this answer was cached',
  });
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
