import { describe, expect, it } from 'vitest';
import { UpkeepError, isUpkeepError } from '@upkeep/errors';
import { RateLimitGate } from '../http/rate-limit-gate.ts';
import { ManualClock } from '../testing/source-test-kit.ts';
import { MemoryCacheStore } from './memory-cache-store.ts';
import { ResourceCache, type CachedResource, type LoadResult, type Validators } from './resource-cache.ts';

type Step = LoadResult<string[]> | UpkeepError;

/** A resource that answers scripted steps and records the validators it was asked with. */
function scripted(steps: Step[], gate?: RateLimitGate) {
  const calls: (Validators | undefined)[] = [];
  const resource: CachedResource<string[]> = {
    key: { component: 'node_exporter', key: 'releases' },
    ttlSeconds: 900,
    upstream: 'https://api.example.test/repos/x/y',
    gate,
    decode: (body) => {
      const value: unknown = JSON.parse(body);
      if (!Array.isArray(value)) throw new Error('not a list');
      return value as string[];
    },
    load: (validators) => {
      calls.push(validators);
      const step = steps.shift();
      if (step === undefined) throw new Error('unexpected upstream call');
      if (step instanceof UpkeepError) return Promise.reject(step);
      return Promise.resolve(step);
    },
  };
  return { resource, calls };
}

const fresh = (value: string[], etag = '"v1"'): LoadResult<string[]> => ({
  status: 'modified',
  value,
  body: JSON.stringify(value),
  validators: { etag, lastModified: 'Sat, 01 Jun 2024 00:00:00 GMT' },
});

function setup() {
  const clock = new ManualClock(Date.parse('2025-01-01T00:00:00Z'));
  const store = new MemoryCacheStore();
  const cache = new ResourceCache({ store, clock, maxAgeSeconds: 86_400 });
  return { clock, store, cache };
}

async function failure(promise: Promise<unknown>): Promise<UpkeepError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isUpkeepError(error)) throw new Error(`expected an UpkeepError, got ${String(error)}`);
  return error;
}

describe('ResourceCache', () => {
  it('asks nothing inside the TTL and revalidates with the stored validators after it', async () => {
    const { clock, cache, store } = setup();
    const { resource, calls } = scripted([fresh(['1.0.0']), { status: 'not-modified' }]);

    expect((await cache.read(resource, { offline: false })).freshness.origin).toBe('network');
    clock.advance(899_000);
    const warm = await cache.read(resource, { offline: false });
    expect(warm.freshness).toMatchObject({ origin: 'cache', age_seconds: 899 });
    expect(calls).toHaveLength(1);

    clock.advance(2_000);
    const revalidated = await cache.read(resource, { offline: false });
    expect(revalidated).toMatchObject({
      value: ['1.0.0'],
      freshness: { origin: 'revalidated', age_seconds: 0 },
    });
    expect(calls[1]).toEqual({ etag: '"v1"', lastModified: 'Sat, 01 Jun 2024 00:00:00 GMT' });
    expect((await store.get(resource.key))?.fetched_at).toBe(clock.now());
  });

  it('serves a second process from the persistent tier', async () => {
    const { clock, cache, store } = setup();
    await cache.read(scripted([fresh(['1.0.0'])]).resource, { offline: false });
    const other = new ResourceCache({ store, clock, maxAgeSeconds: 86_400 });
    const { resource, calls } = scripted([]);
    expect(await other.read(resource, { offline: false })).toMatchObject({
      value: ['1.0.0'],
      freshness: { origin: 'cache' },
    });
    expect(calls).toHaveLength(0);
  });

  it('drops an entry past max_age and asks unconditionally', async () => {
    const { clock, cache } = setup();
    await cache.read(scripted([fresh(['1.0.0'])]).resource, { offline: false });
    clock.advance(86_401_000);
    const { resource, calls } = scripted([fresh(['2.0.0'])]);
    expect((await cache.read(resource, { offline: false })).value).toEqual(['2.0.0']);
    expect(calls).toEqual([undefined]);
    clock.advance(86_401_000);
    const offline = await failure(cache.read(scripted([]).resource, { offline: true }));
    expect(offline.code).toBe('OFFLINE_NO_CACHE');
  });

  it('serves stale data offline, rate-limited or unreachable, with the age and reason', async () => {
    const { clock, cache } = setup();
    await cache.read(scripted([fresh(['1.0.0'])]).resource, { offline: false });
    clock.advance(3_600_000);

    const offline = await cache.read(scripted([]).resource, { offline: true });
    expect(offline.freshness).toMatchObject({ origin: 'stale', stale_reason: 'offline', age_seconds: 3600 });

    const gate = new RateLimitGate('https://api.example.test', 10);
    gate.observe(
      new Headers({ 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': String(clock.now() / 1000 + 600) }),
    );
    const limited = scripted([], gate);
    const rated = await cache.read(limited.resource, { offline: false });
    expect(rated.freshness).toMatchObject({ origin: 'stale', stale_reason: 'rate-limited' });
    expect(rated.freshness.stale_detail).toContain('3 requests left (threshold 10)');
    expect(limited.calls).toHaveLength(0);

    const down = await cache.read(
      scripted([new UpkeepError('UPSTREAM_UNREACHABLE', 'connect ECONNREFUSED')]).resource,
      { offline: false },
    );
    expect(down.freshness).toMatchObject({
      origin: 'stale',
      stale_reason: 'unreachable',
      stale_detail: 'connect ECONNREFUSED',
    });
    expect(down.value).toEqual(['1.0.0']);
  });

  it('without a cache, names the component and the reason', async () => {
    const { cache } = setup();
    const offline = await failure(cache.read(scripted([]).resource, { offline: true }));
    expect(offline.code).toBe('OFFLINE_NO_CACHE');
    expect(offline.message).toContain('node_exporter');
    expect(offline.details).toMatchObject({ component: 'node_exporter', reason: 'offline' });

    const down = await failure(
      cache.read(scripted([new UpkeepError('UPSTREAM_UNREACHABLE', 'timeout')]).resource, { offline: false }),
    );
    expect(down.details).toMatchObject({ reason: 'unreachable', upstream_code: 'UPSTREAM_UNREACHABLE' });
  });

  it('never stores an invalid answer and passes other errors through', async () => {
    const { cache, store } = setup();
    const invalid = await failure(
      cache.read(scripted([new UpkeepError('UPSTREAM_INVALID_RESPONSE', 'not JSON')]).resource, {
        offline: false,
      }),
    );
    expect(invalid.code).toBe('UPSTREAM_INVALID_RESPONSE');
    expect(store.size).toBe(0);
    const missing = await failure(
      cache.read(scripted([new UpkeepError('UPSTREAM_NOT_FOUND', 'no repo')]).resource, { offline: false }),
    );
    expect(missing.code).toBe('UPSTREAM_NOT_FOUND');
  });

  it('replaces a stored row it cannot read', async () => {
    const { cache, store, clock } = setup();
    const { resource, calls } = scripted([fresh(['1.0.0'])]);
    await store.set(resource.key, {
      body: '{"oops":1}',
      etag: '"x"',
      last_modified: null,
      fetched_at: clock.now(),
      ttl_seconds: 900,
    });
    expect((await cache.read(resource, { offline: false })).freshness.origin).toBe('network');
    expect(calls).toEqual([undefined]);
  });

  it('coalesces identical reads in flight into one upstream call', async () => {
    const { cache } = setup();
    const { resource, calls } = scripted([fresh(['1.0.0'])]);
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => cache.read(resource, { offline: false })));
    expect(calls).toHaveLength(1);
    expect(results.every((r) => r.value[0] === '1.0.0')).toBe(true);
  });
});
