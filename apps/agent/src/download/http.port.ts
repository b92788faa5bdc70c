/** What the agent needs of an HTTP response: status, headers, and the body as a stream. */
export interface HttpResponse {
  readonly status: number;
  /** A header's value (joined when repeated), or null. */
  header(name: string): string | null;
  /**
   * The body; consuming it slowly slows the connection (real backpressure).
   * A client may lend its buffers: a chunk is valid until the next one is
   * requested, so copy it to keep it.
   */
  readonly body: AsyncIterable<Uint8Array>;
  /** Drops the body and the connection. */
  cancel(): void;
}

/**
 * The HTTP client the agent downloads and health-checks through: GET `url`,
 * following redirects. The default is node:http/https (see
 * node-http-client.repository.ts); tests may pass another.
 */
export type HttpClient = (
  url: string,
  init: { readonly headers: Readonly<Record<string, string>>; readonly signal: AbortSignal },
) => Promise<HttpResponse>;

/** Waits `ms`; injected so retry back-off costs nothing in tests. */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
