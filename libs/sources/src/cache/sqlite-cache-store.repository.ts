import { DatabaseSync } from 'node:sqlite';
import type { CacheEntry, CacheKey, CacheStore } from './cache-store.ts';

// The seed's table, verbatim: the one definition, shared with the agent's state migrations.
const VERSION_CACHE_DDL = `
CREATE TABLE IF NOT EXISTS version_cache (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    component TEXT NOT NULL,
    cache_key TEXT NOT NULL,
    cache_value TEXT,
    cached_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    ttl INTEGER NOT NULL,
    expires_at TIMESTAMP,
    CONSTRAINT unique_cache UNIQUE(component, cache_key)
);
CREATE INDEX IF NOT EXISTS idx_cache_lookup ON version_cache(component, cache_key);
CREATE INDEX IF NOT EXISTS idx_cache_expires ON version_cache(expires_at);
`;

/**
 * Creates the seed's `version_cache` table and its two indexes in `db` when missing
 * (`IF NOT EXISTS`: harmless on a database that has them). The agent's state migration
 * and `SqliteCacheStore` both call it, so the table is written once.
 */
export function ensureVersionCacheTable(db: DatabaseSync): void {
  db.exec(VERSION_CACHE_DDL);
}

/** `CURRENT_TIMESTAMP`'s format, so rows compare with `datetime('now')` as the seed's queries do. */
function sqliteTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

interface StoredValue {
  readonly body: string;
  readonly etag: string | null;
  readonly last_modified: string | null;
  readonly fetched_at: number;
}

function readStored(text: unknown, ttl: unknown): CacheEntry | undefined {
  if (typeof text !== 'string' || typeof ttl !== 'number') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<Record<keyof StoredValue, unknown>>;
  if (typeof v.body !== 'string' || typeof v.fetched_at !== 'number') return undefined;
  return {
    body: v.body,
    etag: typeof v.etag === 'string' ? v.etag : null,
    last_modified: typeof v.last_modified === 'string' ? v.last_modified : null,
    fetched_at: v.fetched_at,
    ttl_seconds: ttl,
  };
}

/**
 * The seed's `version_cache` table in SQLite (`node:sqlite`, no native addon). `cache_value`
 * holds the body and its validators as JSON; `cached_at` is when upstream last confirmed it
 * and `expires_at` when it must be revalidated. Every statement uses bound parameters.
 */
export class SqliteCacheStore implements CacheStore {
  readonly #db: DatabaseSync;
  readonly #ownsDb: boolean;

  /** Uses an open database (the agent's state file); creates the table when missing. */
  constructor(db: DatabaseSync, ownsDb = false) {
    this.#db = db;
    this.#ownsDb = ownsDb;
    ensureVersionCacheTable(this.#db);
  }

  /**
   * Opens (creating) a database file of its own, in WAL mode with `synchronous = NORMAL`:
   * a cache row lost to a power cut is refetched, while an fsync on every write would stall
   * the event loop for every component resolved.
   */
  static open(path: string): SqliteCacheStore {
    const db = new DatabaseSync(path);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
    return new SqliteCacheStore(db, true);
  }

  get(key: CacheKey): Promise<CacheEntry | undefined> {
    const row = this.#db
      .prepare('SELECT cache_value, ttl FROM version_cache WHERE component = ? AND cache_key = ?')
      .get(key.component, key.key);
    return Promise.resolve(row === undefined ? undefined : readStored(row['cache_value'], row['ttl']));
  }

  set(key: CacheKey, entry: CacheEntry): Promise<void> {
    const value: StoredValue = {
      body: entry.body,
      etag: entry.etag,
      last_modified: entry.last_modified,
      fetched_at: entry.fetched_at,
    };
    this.#db
      .prepare(
        `INSERT INTO version_cache (component, cache_key, cache_value, cached_at, ttl, expires_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (component, cache_key) DO UPDATE SET
           cache_value = excluded.cache_value, cached_at = excluded.cached_at,
           ttl = excluded.ttl, expires_at = excluded.expires_at`,
      )
      .run(
        key.component,
        key.key,
        JSON.stringify(value),
        sqliteTime(entry.fetched_at),
        Math.round(entry.ttl_seconds),
        sqliteTime(entry.fetched_at + entry.ttl_seconds * 1000),
      );
    return Promise.resolve();
  }

  delete(key: CacheKey): Promise<void> {
    this.#db
      .prepare('DELETE FROM version_cache WHERE component = ? AND cache_key = ?')
      .run(key.component, key.key);
    return Promise.resolve();
  }

  /** Deletes rows upstream has not confirmed since `before` (epoch ms); returns how many. */
  prune(before: number): number {
    const result = this.#db.prepare('DELETE FROM version_cache WHERE cached_at < ?').run(sqliteTime(before));
    return Number(result.changes);
  }

  close(): void {
    if (this.#ownsDb) this.#db.close();
  }
}
