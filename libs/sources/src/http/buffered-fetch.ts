import { UpkeepError, redactUrl } from '@upkeep/errors';
import type { HttpFetch } from '../ports/http.port.ts';

/** Largest response body read into memory by default (a page of 100 releases is far below it). */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

async function readCapped(response: Response, url: string, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(url, maxBytes);
  }
  if (response.body === null) return new Uint8Array(0);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    // A connection cut mid-body rejects here ("terminated"): the caller sees a network error and retries.
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(url, maxBytes);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

function tooLarge(url: string, maxBytes: number): UpkeepError {
  return new UpkeepError(
    'INPUT_TOO_LARGE',
    `response from ${redactUrl(url)} is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB`,
    { details: { url: redactUrl(url), max_bytes: maxBytes }, hint: 'check the URL points at a release list' },
  );
}

export interface BufferedFetchOptions {
  readonly timeoutMs: number;
  readonly maxBytes?: number;
  /** Sees every response's headers (rate-limit tracking). */
  readonly observe?: (headers: Headers) => void;
}

/**
 * A fetch that applies a timeout to the whole exchange, reads the body completely
 * (capped) before answering, and reports headers. Reading the body here turns a truncated
 * response into a network error, which is retried, instead of a half document.
 */
export function bufferedFetch(inner: HttpFetch, options: BufferedFetchOptions): HttpFetch {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  return async (url, init) => {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal =
      init.signal === undefined || init.signal === null ? timeout : AbortSignal.any([init.signal, timeout]);
    const response = await inner(url, { ...init, signal });
    options.observe?.(response.headers);
    const body = NULL_BODY_STATUSES.has(response.status) ? null : await readCapped(response, url, maxBytes);
    const copy = new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    Object.defineProperty(copy, 'url', { value: response.url === '' ? url : response.url });
    return copy;
  };
}
