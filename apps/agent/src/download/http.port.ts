/** The HTTP client the agent downloads through; the global `fetch` by default, a fake in unit tests. */
export type HttpFetch = (
  url: string,
  init: {
    readonly headers: Record<string, string>;
    readonly signal: AbortSignal;
    readonly redirect: 'follow';
  },
) => Promise<Response>;

export const globalFetch: HttpFetch = (url, init) => fetch(url, init);

/** Waits `ms`; injected so retry back-off costs nothing in tests. */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
