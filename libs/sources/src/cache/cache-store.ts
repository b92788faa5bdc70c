/** Identifies one cached answer: the seed's `version_cache (component, cache_key)`. */
export interface CacheKey {
  readonly component: string;
  readonly key: string;
}

/** One cached upstream answer, already validated when it was stored. */
export interface CacheEntry {
  /** The validated body (JSON text of what the source returned). */
  readonly body: string;
  /** Validators for a conditional request; null when upstream gave none. */
  readonly etag: string | null;
  readonly last_modified: string | null;
  /** When upstream last confirmed this body (200 or 304), in epoch milliseconds. */
  readonly fetched_at: number;
  /** Freshness lifetime in seconds the entry was stored with. */
  readonly ttl_seconds: number;
}

/**
 * The persistent tier of the cache. SQLite for the CLI and agent, Postgres for the
 * control plane. A store only keeps entries; TTL, revalidation and max age are decided
 * by `ResourceCache`, so every store behaves the same.
 */
export interface CacheStore {
  get(key: CacheKey): Promise<CacheEntry | undefined>;
  set(key: CacheKey, entry: CacheEntry): Promise<void>;
  delete(key: CacheKey): Promise<void>;
}

/** A store key as one string (for maps and coalescing). */
export function cacheKeyText(key: CacheKey): string {
  return `${key.component}\u0000${key.key}`;
}

/** Whether a value read back from a store has the shape of a `CacheEntry`. */
export function isCacheEntry(value: unknown): value is CacheEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['body'] === 'string' &&
    (v['etag'] === null || typeof v['etag'] === 'string') &&
    (v['last_modified'] === null || typeof v['last_modified'] === 'string') &&
    typeof v['fetched_at'] === 'number' &&
    Number.isFinite(v['fetched_at']) &&
    typeof v['ttl_seconds'] === 'number'
  );
}
