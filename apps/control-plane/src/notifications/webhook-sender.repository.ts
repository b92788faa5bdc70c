import { Injectable } from '@nestjs/common';
import { UpkeepError, redactText, urlSecretParts } from '@upkeep/errors';

/** The most of a response body read (and quoted in an error): a webhook's answer is a status, not data. */
export const MAX_RESPONSE_BYTES = 16 * 1024;

export interface WebhookRequest {
  readonly url: string;
  readonly body: unknown;
  readonly timeoutMs: number;
}

/** Reads at most `limit` bytes of a body and drops the rest without waiting for it. */
async function boundedText(response: Response, limit: number): Promise<string> {
  if (response.body === null) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/**
 * POSTs JSON to a webhook. Redirects are not followed (a 3xx is a failure: a webhook that moved
 * must be reconfigured, and following could leak the body elsewhere); the whole exchange has a
 * timeout; errors quote at most a little of the answer and never the URL's secret parts.
 */
@Injectable()
export class WebhookSenderRepository {
  async post(request: WebhookRequest): Promise<void> {
    const secrets = urlSecretParts(request.url);
    const fail = (message: string, cause?: unknown): UpkeepError =>
      new UpkeepError('UNAVAILABLE', redactText(message, secrets), cause === undefined ? {} : { cause });
    // fetch refuses URLs with credentials: user:password@ becomes a Basic Authorization header.
    const target = new URL(request.url);
    const basic =
      target.username === '' && target.password === ''
        ? {}
        : {
            authorization: `Basic ${Buffer.from(
              `${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`,
            ).toString('base64')}`,
          };
    target.username = '';
    target.password = '';
    let response: Response;
    const signal = AbortSignal.timeout(request.timeoutMs);
    try {
      response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'upkeep-control-plane', ...basic },
        body: JSON.stringify(request.body),
        redirect: 'manual',
        signal,
      });
    } catch (cause) {
      const reason = signal.aborted
        ? `no answer within ${request.timeoutMs} ms`
        : cause instanceof Error
          ? `${cause.message}${cause.cause instanceof Error ? ` (${cause.cause.message})` : ''}`
          : String(cause);
      throw fail(`webhook request failed: ${reason}`);
    }
    const text = await boundedText(response, MAX_RESPONSE_BYTES).catch(() => '');
    if (response.status >= 300 && response.status < 400) {
      throw fail(`webhook answered ${response.status} (redirect not followed)`);
    }
    if (!response.ok) {
      const quoted = text.replace(/\s+/g, ' ').trim().slice(0, 200);
      throw fail(`webhook answered ${response.status}${quoted === '' ? '' : `: ${quoted}`}`);
    }
  }
}
