import type { IncomingMessage } from 'node:http';
import { UpkeepError, redactUrl } from '@upkeep/errors';
import type { HttpClient, HttpResponse } from './http.port.ts';

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

async function get(
  url: URL,
  headers: Readonly<Record<string, string>>,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  // Loaded on first use: a run that probes nothing over HTTP does not pay for them.
  const client =
    url.protocol === 'https:'
      ? (await import('node:https')).default
      : url.protocol === 'http:'
        ? (await import('node:http')).default
        : null;
  if (client === null) {
    throw new UpkeepError('INPUT_INVALID', `unsupported URL scheme in ${redactUrl(url.toString())}`, {
      hint: 'download URLs must be http:// or https://',
    });
  }
  return new Promise((resolve, reject) => {
    const request = client.get(url, { headers, signal }, resolve);
    request.on('error', reject);
  });
}

/**
 * The {@link HttpClient} of health checks and other small requests (downloads
 * use streamingHttpClient, which allocates nothing per chunk), on node:http
 * and node:https rather than the global fetch: the socket really pauses while
 * the body is not read, and a server that closes the connection
 * while the body is paused cannot hit undici's uncatchable
 * `assert(!this.paused)` (nodejs/undici#5360, in the undici bundled with Node 24).
 * Redirects are followed (GitHub release assets redirect to a CDN); the
 * Authorization header is dropped when a redirect leaves the original host.
 */
export const nodeHttpClient: HttpClient = async (url, init) => {
  let current = new URL(url);
  const origin = current.host;
  let headers = { ...init.headers };
  for (let hop = 0; ; hop += 1) {
    const response = await get(current, headers, init.signal);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (REDIRECTS.has(status) && location !== undefined) {
      response.resume();
      if (hop >= MAX_REDIRECTS) {
        throw new Error(`more than ${String(MAX_REDIRECTS)} redirects from ${redactUrl(url)}`);
      }
      current = new URL(location, current);
      if (current.host !== origin) {
        headers = Object.fromEntries(
          Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'),
        );
      }
      continue;
    }
    const result: HttpResponse = {
      status,
      header: (name) => {
        const value = response.headers[name.toLowerCase()];
        return Array.isArray(value) ? value.join(', ') : (value ?? null);
      },
      body: response,
      cancel: () => {
        response.destroy();
      },
    };
    return result;
  }
};
