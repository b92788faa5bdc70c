import type { StateDatabase, SqlRow } from './state-database.repository.ts';
import { integerColumn, textColumn } from './state-row.ts';
import type { CacheEntry } from './state.types.ts';

function toEntry(row: SqlRow): CacheEntry {
  return {
    component: textColumn(row, 'component'),
    key: textColumn(row, 'cache_key'),
    value: textColumn(row, 'cache_value'),
    cachedAt: textColumn(row, 'cached_at'),
    ttlSeconds: integerColumn(row, 'ttl'),
    expiresAt: textColumn(row, 'expires_at'),
  };
}

/** `version_cache`: the seed's tier-3 cache of upstream answers, with a TTL per entry. */
export class VersionCacheRepository {
  readonly #db: StateDatabase;

  constructor(db: StateDatabase) {
    this.#db = db;
  }

  put(component: string, key: string, value: string, ttlSeconds: number, now: Date): void {
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000).toISOString();
    this.#db.transaction(() => {
      this.#db.run(
        `INSERT INTO version_cache (component, cache_key, cache_value, cached_at, ttl, expires_at)
         VALUES (:component, :key, :value, :cached_at, :ttl, :expires_at)
         ON CONFLICT(component, cache_key) DO UPDATE SET
           cache_value = excluded.cache_value, cached_at = excluded.cached_at,
           ttl = excluded.ttl, expires_at = excluded.expires_at`,
        { component, key, value, cached_at: now.toISOString(), ttl: ttlSeconds, expires_at: expiresAt },
      );
    });
  }

  /** The entry when present and not expired at `now`. */
  get(component: string, key: string, now: Date): CacheEntry | null {
    const row = this.#db.get(
      'SELECT * FROM version_cache WHERE component = :component AND cache_key = :key AND expires_at > :now',
      { component, key, now: now.toISOString() },
    );
    return row === undefined ? null : toEntry(row);
  }

  /** Removes expired entries; returns how many. */
  purgeExpired(now: Date): number {
    return this.#db.transaction(
      () =>
        this.#db.run('DELETE FROM version_cache WHERE expires_at <= :now', { now: now.toISOString() })
          .changes,
    );
  }
}
