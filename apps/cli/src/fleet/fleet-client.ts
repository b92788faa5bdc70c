import { UpkeepError, type ErrorCode } from '@upkeep/errors';

/** The HTTP port the client uses (global fetch by default; a test may pass its own). */
export type FetchPort = (url: URL, init: RequestInit) => Promise<Response>;

export type QueryValue = string | readonly string[] | undefined;

/** The control plane's HTTP status as an Upkeep error code: one mapping, exhaustive over what the API answers. */
export function errorCodeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
    case 422:
      return 'INPUT_INVALID';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'CONFLICT';
    case 413:
      return 'INPUT_TOO_LARGE';
    case 429:
    case 502:
    case 503:
    case 504:
      return 'UNAVAILABLE';
    default:
      return 'INTERNAL';
  }
}

const STATUS_HINTS: Partial<Record<ErrorCode, string>> = {
  UNAUTHENTICATED: 'the token is unknown, expired or revoked; run upkeep login again with a valid token',
  FORBIDDEN: "the token's role does not allow this; ask an admin for a token with the role the API names",
  UNAVAILABLE: 'the control plane is overloaded or restarting; try again shortly',
};

/** A small client of the control plane's REST API that turns every failure into an UpkeepError. */
export class FleetClient {
  private readonly server: string;
  private readonly token: string;
  private readonly fetch: FetchPort;

  constructor(server: string, token: string, fetchPort: FetchPort = (url, init) => fetch(url, init)) {
    this.server = server.replace(/\/+$/, '');
    this.token = token;
    this.fetch = fetchPort;
  }

  get<T>(path: string, query: Readonly<Record<string, QueryValue>> = {}): Promise<T> {
    return this.request<T>('GET', path, query, undefined);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, {}, body);
  }

  private async request<T>(
    method: string,
    path: string,
    query: Readonly<Record<string, QueryValue>>,
    body: unknown,
  ): Promise<T> {
    const url = new URL(`${this.server}${path}`);
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      for (const item of typeof value === 'string' ? [value] : value) url.searchParams.append(key, item);
    }
    let response: Response;
    try {
      response = await this.fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (cause) {
      throw new UpkeepError(
        'UNAVAILABLE',
        `cannot reach the control plane at ${this.server}: ${(cause as Error).message}`,
        {
          cause,
          hint: 'check the URL given to upkeep login and that the control plane is running',
        },
      );
    }
    const text = await response.text();
    let data: unknown;
    try {
      data = text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      data = undefined;
    }
    if (!response.ok) {
      const error = (data as { error?: { code?: unknown; message?: unknown; hint?: unknown } } | undefined)
        ?.error;
      const code = errorCodeForStatus(response.status);
      const message =
        typeof error?.message === 'string'
          ? error.message
          : `${method} ${path} answered HTTP ${response.status}`;
      const hint = typeof error?.hint === 'string' ? error.hint : STATUS_HINTS[code];
      throw new UpkeepError(code, message, {
        details: {
          status: response.status,
          ...(typeof error?.code === 'string' ? { server_code: error.code } : {}),
          ...(response.headers.get('x-request-id') === null
            ? {}
            : { request_id: response.headers.get('x-request-id') }),
        },
        ...(hint === undefined ? {} : { hint }),
      });
    }
    if (data === undefined) {
      throw new UpkeepError('UPSTREAM_INVALID_RESPONSE', `${method} ${path} did not answer JSON`, {
        details: { status: response.status },
        hint: 'check that the URL given to upkeep login is the control plane, not a proxy page',
      });
    }
    return data as T;
  }
}
