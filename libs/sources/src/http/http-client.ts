import { UpkeepError, isUpkeepError, redactText, redactUrl } from '@upkeep/errors';
import type { Clock } from '../ports/clock.port.ts';
import type { HttpFetch } from '../ports/http.port.ts';
import { bufferedFetch } from './buffered-fetch.ts';
import type { RateLimitGate } from './rate-limit-gate.ts';

export interface HttpClientOptions {
  readonly fetch: HttpFetch;
  readonly clock: Clock;
  /** Names the upstream in messages: `GitLab`, `OSV`. */
  readonly label: string;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly retryBaseMs: number;
  readonly maxRetryAfterSeconds: number;
  readonly gate?: RateLimitGate | undefined;
  /** Values to scrub from any message (tokens). */
  readonly secrets?: readonly string[];
}

export interface HttpRequest {
  readonly method?: 'GET' | 'POST' | 'HEAD';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly maxBytes?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
  readonly url: string;
}

const RETRYABLE_STATUSES = new Set([500, 502, 503, 504]);

function retryAfterMs(headers: Headers, now: number): number | undefined {
  const raw = headers.get('retry-after');
  if (raw !== null) {
    const seconds = Number(raw);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(raw);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  const reset = Number(headers.get('x-ratelimit-reset') ?? headers.get('ratelimit-reset') ?? Number.NaN);
  return Number.isFinite(reset) ? Math.max(0, reset * 1000 - now) : undefined;
}

function isRateLimited(response: Response): boolean {
  if (response.status === 429) return true;
  if (response.status !== 403) return false;
  const remaining =
    response.headers.get('x-ratelimit-remaining') ?? response.headers.get('ratelimit-remaining');
  return remaining === '0' || response.headers.has('retry-after');
}

/**
 * HTTP for every upstream but GitHub (which goes through octokit): timeouts, bounded
 * retries with backoff for network errors, 5xx and short rate-limit waits, capped bodies,
 * and errors that name the upstream and a redacted URL — never a token.
 */
export class HttpClient {
  readonly #options: HttpClientOptions;

  constructor(options: HttpClientOptions) {
    this.#options = options;
  }

  /** Answers 2xx and 304; throws UpkeepError UPSTREAM_* for the rest once retries are spent. */
  async request(request: HttpRequest): Promise<HttpResponse> {
    const { clock, retries, retryBaseMs, label } = this.#options;
    const method = request.method ?? 'GET';
    const shown = redactUrl(request.url);
    const gate = this.#options.gate;
    const fetch = bufferedFetch(this.#options.fetch, {
      timeoutMs: this.#options.timeoutMs,
      ...(request.maxBytes === undefined ? {} : { maxBytes: request.maxBytes }),
      ...(gate === undefined
        ? {}
        : {
            observe: (headers: Headers) => {
              gate.observe(headers);
            },
          }),
    });
    for (let attempt = 0; ; attempt += 1) {
      const last = attempt >= retries;
      let response: Response;
      try {
        response = await fetch(request.url, {
          method,
          headers: request.headers ?? {},
          ...(request.body === undefined ? {} : { body: request.body }),
          redirect: 'follow',
        });
      } catch (error) {
        if (isUpkeepError(error)) throw error;
        if (!last) {
          await clock.sleep(retryBaseMs * 2 ** attempt);
          continue;
        }
        throw new UpkeepError(
          'UPSTREAM_UNREACHABLE',
          `${label}: ${method} ${shown} failed after ${attempt + 1} attempt(s): ${this.#describe(error)}`,
          { details: { upstream: label, url: shown, attempts: attempt + 1 } },
        );
      }
      if ((response.status >= 200 && response.status < 300) || response.status === 304) {
        return {
          status: response.status,
          headers: response.headers,
          body: new Uint8Array(await response.arrayBuffer()),
          url: response.url,
        };
      }
      if (isRateLimited(response)) {
        const wait = retryAfterMs(response.headers, clock.now());
        if (!last && wait !== undefined && wait <= this.#options.maxRetryAfterSeconds * 1000) {
          await clock.sleep(wait);
          continue;
        }
        throw new UpkeepError(
          'UPSTREAM_RATE_LIMITED',
          `${label}: ${method} ${shown} was refused by a rate limit (${response.status})` +
            (wait === undefined ? '' : `; it resets in ${Math.ceil(wait / 1000)} s`),
          { details: { upstream: label, url: shown, status: response.status, retry_after_ms: wait ?? null } },
        );
      }
      if (RETRYABLE_STATUSES.has(response.status)) {
        if (!last) {
          const wait = retryAfterMs(response.headers, clock.now());
          await clock.sleep(
            wait !== undefined && wait <= this.#options.maxRetryAfterSeconds * 1000
              ? wait
              : retryBaseMs * 2 ** attempt,
          );
          continue;
        }
        throw new UpkeepError(
          'UPSTREAM_UNREACHABLE',
          `${label}: ${method} ${shown} answered ${response.status} after ${attempt + 1} attempt(s)`,
          { details: { upstream: label, url: shown, status: response.status, attempts: attempt + 1 } },
        );
      }
      throw this.#statusError(response.status, method, shown);
    }
  }

  #statusError(status: number, method: string, shown: string): UpkeepError {
    const label = this.#options.label;
    const details = { upstream: label, url: shown, status };
    if (status === 404 || status === 410) {
      return new UpkeepError(
        'UPSTREAM_NOT_FOUND',
        `${label}: ${method} ${shown} answered ${status} (not found)`,
        {
          details,
          hint: 'check the repository, project or URL in versions.yaml',
        },
      );
    }
    if (status === 401 || status === 403) {
      return new UpkeepError(
        'UPSTREAM_AUTH',
        `${label}: ${method} ${shown} answered ${status} (access refused)`,
        {
          details,
          hint: 'check the token and that it may read this project',
        },
      );
    }
    return new UpkeepError('UPSTREAM_INVALID_RESPONSE', `${label}: ${method} ${shown} answered ${status}`, {
      details,
    });
  }

  #describe(error: unknown): string {
    let text = error instanceof Error ? error.message : String(error);
    if (error instanceof Error && error.name === 'TimeoutError') {
      text = `no answer within ${this.#options.timeoutMs / 1000} s`;
    } else if (error instanceof Error && error.cause instanceof Error) {
      text = `${text} (${error.cause.message})`;
    }
    return redactText(text, this.#options.secrets ?? []);
  }
}
