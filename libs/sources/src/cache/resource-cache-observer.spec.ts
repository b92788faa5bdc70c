import { describe, expect, it } from 'vitest';
import { UpkeepError } from '@upkeep/errors';
import { RateLimitGates } from '../http/rate-limit-gate.ts';
import type { SourceObserver } from '../ports/source-observer.port.ts';
import { ManualClock } from '../testing/source-test-kit.ts';
import { MemoryCacheStore } from './memory-cache-store.ts';
import { ResourceCache, type CachedResource, type LoadResult } from './resource-cache.ts';

function recordingObserver() {
  const events: string[] = [];
  const observer: SourceObserver = {
    cacheLookup: (tier, hit) => events.push(`cache ${tier} ${hit ? 'hit' : 'miss'}`),
    upstreamRequest: (source, result) => events.push(`upstream ${source} ${result}`),
    rateLimit: (upstream, remaining, limit) => events.push(`limit ${upstream} ${remaining}/${String(limit)}`),
  };
  return { events, observer };
}

function resource(steps: (LoadResult<string[]> | UpkeepError)[]): CachedResource<string[]> {
  return {
    key: { component: 'node_exporter', key: 'github:https://api.example.test:x/y:releases' },
    ttlSeconds: 60,
    upstream: 'https://api.example.test/repos/x/y',
    decode: (body) => JSON.parse(body) as string[],
    load: () => {
      const step = steps.shift();
      if (step === undefined) throw new Error('unexpected upstream call');
      return step instanceof UpkeepError ? Promise.reject(step) : Promise.resolve(step);
    },
  };
}

describe('ResourceCache observer', () => {
  it('reports each tier lookup and how each upstream load ended, by source kind', async () => {
    const clock = new ManualClock(Date.parse('2025-01-01T00:00:00Z'));
    const { events, observer } = recordingObserver();
    const store = new MemoryCacheStore();
    const cache = new ResourceCache({ store, clock, maxAgeSeconds: 86_400, observer });
    const r = resource([
      {
        status: 'modified',
        value: ['1.0.0'],
        body: '["1.0.0"]',
        validators: { etag: '"a"', lastModified: null },
      },
      { status: 'not-modified' },
      new UpkeepError('UPSTREAM_UNREACHABLE', 'down'),
    ]);
    await cache.read(r, { offline: false });
    await cache.read(r, { offline: false });
    clock.advance(61_000);
    await cache.read(r, { offline: false });
    clock.advance(61_000);
    await cache.read(r, { offline: false });
    // A second cache over the same store: memory misses, the store answers.
    const cold = new ResourceCache({ store, clock, maxAgeSeconds: 86_400, observer });
    events.length = 0;
    await cold.read({ ...r, ttlSeconds: 86_400 }, { offline: false });
    expect(events).toEqual(['cache memory miss', 'cache store hit']);
  });

  it('counts the first miss, the load and the later hits in order', async () => {
    const clock = new ManualClock(Date.parse('2025-01-01T00:00:00Z'));
    const { events, observer } = recordingObserver();
    const cache = new ResourceCache({
      store: new MemoryCacheStore(),
      clock,
      maxAgeSeconds: 86_400,
      observer,
    });
    const r = resource([
      {
        status: 'modified',
        value: ['1.0.0'],
        body: '["1.0.0"]',
        validators: { etag: '"a"', lastModified: null },
      },
      { status: 'not-modified' },
      new UpkeepError('UPSTREAM_RATE_LIMITED', 'slow down'),
    ]);
    await cache.read(r, { offline: false });
    await cache.read(r, { offline: false });
    clock.advance(61_000);
    await cache.read(r, { offline: false });
    clock.advance(61_000);
    await cache.read(r, { offline: false });
    expect(events).toEqual([
      'cache memory miss',
      'cache store miss',
      'upstream github success',
      'cache memory hit',
      'cache memory hit',
      'upstream github not_modified',
      'cache memory hit',
      'upstream github rate_limited',
    ]);
  });

  it('reports a request held back by the rate-limit gate, and the remaining budget the gate saw', async () => {
    const clock = new ManualClock(Date.parse('2025-01-01T00:00:00Z'));
    const { events, observer } = recordingObserver();
    const gate = new RateLimitGates(observer).for('https://api.example.test', 10);
    gate.observe(
      new Headers({
        'x-ratelimit-remaining': '3',
        'x-ratelimit-limit': '60',
        'x-ratelimit-reset': String(Math.floor(clock.now() / 1000) + 3600),
      }),
    );
    const cache = new ResourceCache({
      store: new MemoryCacheStore(),
      clock,
      maxAgeSeconds: 86_400,
      observer,
    });
    await expect(cache.read({ ...resource([]), gate }, { offline: false })).rejects.toThrow(/no cached data/);
    expect(events).toEqual([
      'limit https://api.example.test 3/60',
      'cache memory miss',
      'cache store miss',
      'upstream github rate_limited',
    ]);
  });
});
