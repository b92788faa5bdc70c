/**
 * The one way discovery reaches the network: the shape of the global `fetch`
 * (undici), so production passes `fetch` and tests pass a wrapper or a fake.
 */
export type HttpFetch = (url: string, init: RequestInit) => Promise<Response>;

export const globalFetch: HttpFetch = (url, init) => fetch(url, init);
