import { cacheKeyText, type CacheEntry, type CacheKey, type CacheStore } from './cache-store.ts';

/** A `CacheStore` in memory: for tests, and for runs that must leave nothing on disk. */
export class MemoryCacheStore implements CacheStore {
  readonly #entries = new Map<string, CacheEntry>();

  get(key: CacheKey): Promise<CacheEntry | undefined> {
    return Promise.resolve(this.#entries.get(cacheKeyText(key)));
  }

  set(key: CacheKey, entry: CacheEntry): Promise<void> {
    this.#entries.set(cacheKeyText(key), entry);
    return Promise.resolve();
  }

  delete(key: CacheKey): Promise<void> {
    this.#entries.delete(cacheKeyText(key));
    return Promise.resolve();
  }

  get size(): number {
    return this.#entries.size;
  }
}
