import { UpkeepError, isUpkeepError } from '@upkeep/errors';
import type { Freshness, StaleReason } from '../model/release.ts';
import type { Clock } from '../ports/clock.port.ts';
import type { RateLimitGate } from '../http/rate-limit-gate.ts';
import { NO_SOURCE_OBSERVER, type SourceObserver } from '../ports/source-observer.port.ts';
import { cacheKeyText, type CacheEntry, type CacheKey, type CacheStore } from './cache-store.ts';

/** Conditional-request validators of a cached body. */
export interface Validators {
  readonly etag: string | null;
  readonly lastModified: string | null;
}

export type LoadResult<T> =
  | { readonly status: 'not-modified' }
  | {
      readonly status: 'modified';
      readonly value: T;
      readonly body: string;
      readonly validators: Validators;
    };

/** Something upstream answers that the cache may keep: a release list, an index, advisories. */
export interface CachedResource<T> {
  readonly key: CacheKey;
  readonly ttlSeconds: number;
  /** The upstream, redacted, for messages. */
  readonly upstream: string;
  /** Consulted before any request; when it says limited, the cache answers. */
  readonly gate?: RateLimitGate | undefined;
  /**
   * Asks upstream, conditionally when validators are given. Must validate what it
   * returns as `modified`: only validated values reach the cache.
   */
  load(validators: Validators | undefined): Promise<LoadResult<T>>;
  /** Reads a stored body back; throws when it is not what `load` stores. */
  decode(body: string): T;
}

export interface CachedValue<T> {
  readonly value: T;
  readonly freshness: Freshness;
}

interface Held {
  readonly entry: CacheEntry;
  readonly value: unknown;
}

const FALLBACK_CODES: Readonly<Partial<Record<string, StaleReason>>> = {
  UPSTREAM_UNREACHABLE: 'unreachable',
  UPSTREAM_RATE_LIMITED: 'rate-limited',
  UPSTREAM_INVALID_RESPONSE: 'invalid-response',
};

const HINTS: Readonly<Record<StaleReason, string>> = {
  offline:
    'run once with network access (without --offline / offline_mode), or point the component at a local registry mirror',
  'rate-limited':
    'wait for the rate limit window to reset, or give a token (GITHUB_TOKEN) for a larger budget',
  unreachable: 'check network access to the upstream, or point the component at a local registry mirror',
  'invalid-response': 'retry later; if it persists the upstream is serving broken data',
};

/** The kind of upstream a cache key belongs to: the prefix every source gives its keys (`github:...`). */
function sourceKindOf(key: CacheKey): string {
  const colon = key.key.indexOf(':');
  return colon > 0 ? key.key.slice(0, colon) : 'other';
}

/**
 * Two tiers (this process's memory, then a `CacheStore`) in front of upstream:
 * inside the TTL nothing is requested; past it the entry is revalidated with
 * `If-None-Match`/`If-Modified-Since` and a 304 keeps the body; past `maxAgeSeconds` it is
 * dropped. Offline, rate-limited or unreachable, the entry is served marked stale with
 * its age; with no entry the error names the component and the reason. Concurrent
 * reads of one key share one upstream call.
 */
export class ResourceCache {
  readonly #store: CacheStore;
  readonly #clock: Clock;
  readonly #maxAgeMs: number;
  readonly #observer: SourceObserver;
  readonly #memory = new Map<string, Held>();
  readonly #inflight = new Map<string, Promise<CachedValue<unknown>>>();

  constructor(options: {
    store: CacheStore;
    clock: Clock;
    maxAgeSeconds: number;
    observer?: SourceObserver | undefined;
  }) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#maxAgeMs = options.maxAgeSeconds * 1000;
    this.#observer = options.observer ?? NO_SOURCE_OBSERVER;
  }

  read<T>(resource: CachedResource<T>, options: { readonly offline: boolean }): Promise<CachedValue<T>> {
    const flight = `${cacheKeyText(resource.key)}\u0000${options.offline ? 'offline' : 'online'}`;
    const running = this.#inflight.get(flight);
    if (running !== undefined) return running as Promise<CachedValue<T>>;
    const started = this.#read(resource, options.offline).finally(() => this.#inflight.delete(flight));
    this.#inflight.set(flight, started);
    return started;
  }

  /** Forgets a key in both tiers. */
  async forget(key: CacheKey): Promise<void> {
    this.#memory.delete(cacheKeyText(key));
    await this.#store.delete(key);
  }

  async #read<T>(resource: CachedResource<T>, offline: boolean): Promise<CachedValue<T>> {
    const now = this.#clock.now();
    const held = await this.#lookup(resource, now);
    if (held !== undefined && now - held.entry.fetched_at < resource.ttlSeconds * 1000) {
      return { value: held.value as T, freshness: this.#freshness(held.entry, 'cache', now) };
    }
    if (offline) return this.#stale(resource, held, 'offline', 'offline mode is on', undefined);
    const source = sourceKindOf(resource.key);
    const gate = resource.gate?.check(now);
    if (gate?.limited === true) {
      this.#observer.upstreamRequest(source, 'rate_limited');
      return this.#stale(resource, held, 'rate-limited', gate.detail, undefined);
    }

    let result: LoadResult<T>;
    try {
      result = await resource.load(
        held === undefined ? undefined : { etag: held.entry.etag, lastModified: held.entry.last_modified },
      );
    } catch (error) {
      this.#observer.upstreamRequest(
        source,
        isUpkeepError(error) && error.code === 'UPSTREAM_RATE_LIMITED' ? 'rate_limited' : 'failure',
      );
      const reason = isUpkeepError(error) ? FALLBACK_CODES[error.code] : undefined;
      if (reason === undefined) throw error;
      if (held === undefined && reason === 'invalid-response') throw error;
      return this.#stale(resource, held, reason, (error as UpkeepError).message, error);
    }

    this.#observer.upstreamRequest(source, result.status === 'modified' ? 'success' : 'not_modified');
    const at = this.#clock.now();
    if (result.status === 'not-modified') {
      if (held === undefined) {
        throw new UpkeepError(
          'UPSTREAM_INVALID_RESPONSE',
          `${resource.upstream} answered 304 Not Modified to an unconditional request`,
          { details: { component: resource.key.component, upstream: resource.upstream } },
        );
      }
      const entry: CacheEntry = { ...held.entry, fetched_at: at, ttl_seconds: resource.ttlSeconds };
      await this.#save(resource.key, { entry, value: held.value });
      return { value: held.value as T, freshness: this.#freshness(entry, 'revalidated', at) };
    }
    const entry: CacheEntry = {
      body: result.body,
      etag: result.validators.etag,
      last_modified: result.validators.lastModified,
      fetched_at: at,
      ttl_seconds: resource.ttlSeconds,
    };
    await this.#save(resource.key, { entry, value: result.value });
    return { value: result.value, freshness: this.#freshness(entry, 'network', at) };
  }

  async #lookup<T>(resource: CachedResource<T>, now: number): Promise<Held | undefined> {
    const text = cacheKeyText(resource.key);
    let held = this.#memory.get(text);
    this.#observer.cacheLookup('memory', held !== undefined);
    if (held === undefined) {
      const entry = await this.#store.get(resource.key);
      this.#observer.cacheLookup('store', entry !== undefined);
      if (entry !== undefined) {
        try {
          held = { entry, value: resource.decode(entry.body) };
          this.#memory.set(text, held);
        } catch {
          // A row this code did not write, or an older format: useless, so it goes.
          await this.#store.delete(resource.key);
          return undefined;
        }
      }
    }
    if (held !== undefined && now - held.entry.fetched_at > this.#maxAgeMs) {
      await this.forget(resource.key);
      return undefined;
    }
    return held;
  }

  async #save(key: CacheKey, held: Held): Promise<void> {
    this.#memory.set(cacheKeyText(key), held);
    await this.#store.set(key, held.entry);
  }

  #freshness(entry: CacheEntry, origin: Freshness['origin'], now: number): Freshness {
    return {
      origin,
      fetched_at: new Date(entry.fetched_at).toISOString(),
      age_seconds: Math.max(0, Math.floor((now - entry.fetched_at) / 1000)),
    };
  }

  #stale<T>(
    resource: CachedResource<T>,
    held: Held | undefined,
    reason: StaleReason,
    detail: string,
    cause: unknown,
  ): CachedValue<T> {
    if (held === undefined) {
      const component = resource.key.component;
      throw new UpkeepError(
        'OFFLINE_NO_CACHE',
        `no cached data for ${component} from ${resource.upstream}, and upstream cannot be asked: ${detail}`,
        {
          details: {
            component,
            reason,
            upstream: resource.upstream,
            ...(isUpkeepError(cause) ? { upstream_code: cause.code } : {}),
          },
          hint: HINTS[reason],
          cause,
        },
      );
    }
    const now = this.#clock.now();
    return {
      value: held.value as T,
      freshness: { ...this.#freshness(held.entry, 'stale', now), stale_reason: reason, stale_detail: detail },
    };
  }
}
