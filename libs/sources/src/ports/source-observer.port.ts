/** Which tier of the release cache answered a lookup: this process's memory or the persistent store. */
export type CacheTier = 'memory' | 'store';

/** How one question to an upstream ended. */
export type UpstreamResult = 'success' | 'not_modified' | 'failure' | 'rate_limited';

/**
 * What discovery reports about itself, for whoever keeps metrics (the control plane's
 * Prometheus registry). An injected port so this library stays free of any metrics client;
 * every method must be cheap and must not throw.
 */
export interface SourceObserver {
  /** One lookup in one cache tier; `hit` false means the next tier (or upstream) is asked. */
  cacheLookup(tier: CacheTier, hit: boolean): void;
  /**
   * One load from upstream through the cache. `source` is the kind of upstream (github,
   * gitlab, url, registry, osv, checksum); `rate_limited` includes answers the cache gave
   * because the rate-limit gate held the request back.
   */
  upstreamRequest(source: string, result: UpstreamResult): void;
  /** What an upstream's rate-limit headers last said; `upstream` is its API base URL. */
  rateLimit(upstream: string, remaining: number, limit: number | null): void;
}

/** Observes nothing: the default when no observer is given. */
export const NO_SOURCE_OBSERVER: SourceObserver = {
  cacheLookup: () => undefined,
  upstreamRequest: () => undefined,
  rateLimit: () => undefined,
};
