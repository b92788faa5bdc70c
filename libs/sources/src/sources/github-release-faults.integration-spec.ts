import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { isUpkeepError, type UpkeepError } from '@upkeep/errors';
import { startUpstream, type Upstream } from '../../../../test/support/upstream/index.ts';
import { MemoryCacheStore } from '../cache/memory-cache-store.ts';
import { SecretValue } from '../security/secret-value.ts';
import { manyReleases, testKit } from '../testing/source-test-kit.ts';
import { createReleaseSource } from './create-release-source.ts';

let upstream: Upstream | undefined;
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

const REPO = 'acme/tool';
const spec = { kind: 'github', repo: REPO } as const;

async function failure(promise: Promise<unknown>): Promise<UpkeepError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isUpkeepError(error)) throw new Error(`expected an UpkeepError, got ${inspect(error)}`);
  return error;
}

describe('GitHub rate limits', () => {
  it('stops asking below rate_limit_threshold and serves the cache marked stale', async () => {
    upstream = await startUpstream({
      github: { [REPO]: manyReleases(5), 'acme/other': manyReleases(2) },
      rateLimit: { remaining: 8 },
    });
    const { ctx, clock } = testKit(upstream.url, { github: { rateLimitThreshold: 10 } });
    const source = createReleaseSource('tool', spec, ctx);
    await source.listReleases();
    expect(upstream.requests.count()).toBe(1);

    clock.advance(1_000_000);
    const stale = await source.listReleases();
    expect(stale.freshness).toMatchObject({
      origin: 'stale',
      stale_reason: 'rate-limited',
      age_seconds: 1000,
    });
    expect(stale.freshness.stale_detail).toContain('7 requests left (threshold 10)');
    expect(stale.releases).toHaveLength(5);

    const error = await failure(
      createReleaseSource('other', { kind: 'github', repo: 'acme/other' }, ctx).listReleases(),
    );
    expect(error.code).toBe('OFFLINE_NO_CACHE');
    expect(error.details).toMatchObject({ component: 'other', reason: 'rate-limited' });
    expect(upstream.requests.count()).toBe(1);
  });

  it('falls back to the cache when the primary limit is spent (403, remaining 0)', async () => {
    upstream = await startUpstream({ github: { [REPO]: manyReleases(5) } });
    const { ctx, clock } = testKit(upstream.url);
    const source = createReleaseSource('tool', spec, ctx);
    await source.listReleases();
    upstream.setFault({ kind: 'rate-limit-exhausted', times: 1 });
    clock.advance(1_000_000);
    upstream.requests.clear();

    const stale = await source.listReleases();
    expect(stale.freshness).toMatchObject({ origin: 'stale', stale_reason: 'rate-limited' });
    expect(upstream.requests.list().map((r) => r.status)).toEqual([403]);

    const fresh = testKit(upstream.url);
    const error = await failure(createReleaseSource('tool', spec, fresh.ctx).listReleases());
    expect(error.code).toBe('OFFLINE_NO_CACHE');
    expect(error.details).toMatchObject({ reason: 'rate-limited', upstream_code: 'UPSTREAM_RATE_LIMITED' });
  });

  it.each([403, 429] as const)('waits out a %i secondary limit (retry-after) and retries', async (status) => {
    upstream = await startUpstream({ github: { [REPO]: manyReleases(3) } });
    upstream.setFault({ kind: 'secondary-rate-limit', status, retryAfterSeconds: 1, times: 1 });
    const { ctx } = testKit(upstream.url);
    const started = performance.now();
    const listing = await createReleaseSource('tool', spec, ctx).listReleases();
    expect(listing.releases).toHaveLength(3);
    expect(upstream.requests.list().map((r) => r.status)).toEqual([status, 200]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('gives up after two secondary-limit retries, with nothing cached', async () => {
    upstream = await startUpstream({ github: { [REPO]: manyReleases(3) } });
    upstream.setFault({ kind: 'secondary-rate-limit', status: 429, retryAfterSeconds: 1 });
    const store = new MemoryCacheStore();
    const { ctx } = testKit(upstream.url, {}, { store });
    const error = await failure(createReleaseSource('tool', spec, ctx).listReleases());
    expect(error.code).toBe('OFFLINE_NO_CACHE');
    expect(error.details).toMatchObject({ reason: 'rate-limited' });
    expect(upstream.requests.count()).toBe(3);
    expect(store.size).toBe(0);
  });
});

describe('GitHub failures', () => {
  it('retries 5xx answers and succeeds', async () => {
    upstream = await startUpstream({ github: { [REPO]: manyReleases(3) } });
    upstream.setFault({ kind: 'status', status: 502, times: 2 });
    const { ctx } = testKit(upstream.url);
    const listing = await createReleaseSource('tool', spec, ctx).listReleases();
    expect(listing.releases).toHaveLength(3);
    expect(upstream.requests.list().map((r) => r.status)).toEqual([502, 502, 200]);
  });

  it('serves the cache stale when 5xx persists, and says unreachable without one', async () => {
    upstream = await startUpstream({ github: { [REPO]: manyReleases(3) } });
    const { ctx, clock } = testKit(upstream.url);
    const source = createReleaseSource('tool', spec, ctx);
    await source.listReleases();
    upstream.setFault({ kind: 'status', status: 503 });
    clock.advance(1_000_000);
    const stale = await source.listReleases();
    expect(stale.freshness).toMatchObject({ origin: 'stale', stale_reason: 'unreachable' });
    expect(stale.freshness.stale_detail).toContain('503');

    const empty = testKit(upstream.url);
    const error = await failure(createReleaseSource('tool', spec, empty.ctx).listReleases());
    expect(error.code).toBe('OFFLINE_NO_CACHE');
    expect(error.message).toContain('tool');
    expect(error.details).toMatchObject({ reason: 'unreachable' });
  });

  it('retries a truncated response, and caches nothing while truncation persists', async () => {
    upstream = await startUpstream({ github: { [REPO]: manyReleases(40) } });
    upstream.setFault({ kind: 'truncated', times: 1 });
    const first = testKit(upstream.url);
    expect((await createReleaseSource('tool', spec, first.ctx).listReleases()).releases).toHaveLength(40);
    expect(upstream.requests.list().map((r) => r.status)).toEqual([200, 200]);

    upstream.setFault({ kind: 'truncated' });
    upstream.requests.clear();
    const store = new MemoryCacheStore();
    const second = testKit(upstream.url, {}, { store });
    const error = await failure(createReleaseSource('tool', spec, second.ctx).listReleases());
    expect(error.details).toMatchObject({ reason: 'unreachable' });
    expect(upstream.requests.count()).toBe(3);
    expect(store.size).toBe(0);
  });

  it('rejects malformed JSON without caching it, on any page', async () => {
    upstream = await startUpstream({ github: { [REPO]: manyReleases(150) } });
    upstream.setFault({ kind: 'malformed', match: '/repositories/' });
    const store = new MemoryCacheStore();
    const { ctx } = testKit(upstream.url, {}, { store });
    const error = await failure(createReleaseSource('tool', spec, ctx).listReleases());
    expect(error.code).toBe('UPSTREAM_INVALID_RESPONSE');
    expect(error.message).toContain('page 2');
    expect(store.size).toBe(0);
  });

  it('keeps serving the last valid list when upstream starts sending garbage', async () => {
    upstream = await startUpstream({ github: { [REPO]: manyReleases(3) } });
    const { ctx, clock } = testKit(upstream.url);
    const source = createReleaseSource('tool', spec, ctx);
    await source.listReleases();
    upstream.addRelease('github', REPO, { tag: 'v9.0.0' });
    upstream.setFault({ kind: 'malformed' });
    clock.advance(1_000_000);
    const stale = await source.listReleases();
    expect(stale.freshness).toMatchObject({ origin: 'stale', stale_reason: 'invalid-response' });
    expect(stale.releases.map((r) => r.tag)).not.toContain('v9.0.0');
  });

  it('times out a slow upstream and retries', async () => {
    upstream = await startUpstream({ github: { [REPO]: manyReleases(3) } });
    upstream.setFault({ kind: 'slow', delayMs: 4000, times: 1 });
    const { ctx } = testKit(upstream.url, { github: { timeoutSeconds: 1 } });
    const listing = await createReleaseSource('tool', spec, ctx).listReleases();
    expect(listing.releases).toHaveLength(3);
    expect(upstream.requests.count()).toBe(2);
  });

  it('skips hostile tags and asset names with escaped warnings', async () => {
    upstream = await startUpstream({
      github: {
        [REPO]: [
          {
            tag: 'v2.0.0',
            assets: [
              { name: '../../evil.tar.gz', content: 'x' },
              { name: 'ok.tar.gz', content: 'y' },
            ],
          },
          { tag: 'v1.9.0\u001b[31mred' },
          { tag: '../../etc/passwd' },
          { tag: 'v1.8.0\u202egpj.exe' },
          { tag: 'v'.repeat(300) },
          { tag: '--help' },
          { tag: 'v1.7.0; rm -rf /' },
          { tag: '<script>alert(1)</script>' },
          { tag: 'v1.6.0' },
        ],
      },
    });
    const { ctx } = testKit(upstream.url);
    const listing = await createReleaseSource('tool', spec, ctx).listReleases();
    expect(listing.releases.map((r) => r.tag)).toEqual(['v2.0.0', '<script>alert(1)</script>', 'v1.6.0']);
    expect(listing.releases[0]?.assets.map((a) => a.name)).toEqual(['ok.tar.gz']);
    expect(listing.releases[1]?.version).toBeNull();
    expect(listing.warnings).toHaveLength(7);
    for (const warning of listing.warnings) {
      // eslint-disable-next-line no-control-regex -- asserting no raw control characters reach output
      expect(warning).not.toMatch(/[\u0000-\u001f\u202e]/);
    }
    expect(listing.warnings.join('\n')).toContain('\\u{1b}[31mred');
  });

  it('keeps the first of duplicate tags and says so', async () => {
    upstream = await startUpstream({
      github: {
        [REPO]: [{ tag: 'v1.1.0', body: 'first' }, { tag: 'v1.1.0', body: 'second' }, { tag: '1.1.0' }],
      },
    });
    const { ctx } = testKit(upstream.url);
    const listing = await createReleaseSource('tool', spec, ctx).listReleases();
    expect(listing.releases.map((r) => [r.tag, r.notes])).toEqual([
      ['v1.1.0', 'first'],
      ['1.1.0', ''],
    ]);
    expect(listing.warnings).toEqual(['tag "v1.1.0" is listed more than once; kept the first entry']);
  });
});

describe('GitHub offline mode and secrets', () => {
  it('offline with a cache answers stale without a request; without one it names the component', async () => {
    upstream = await startUpstream({ github: { [REPO]: manyReleases(3) } });
    const store = new MemoryCacheStore();
    await createReleaseSource('tool', spec, testKit(upstream.url, {}, { store }).ctx).listReleases();
    upstream.requests.clear();

    const offline = testKit(upstream.url, { offline: true }, { store });
    offline.clock.advance(60_000);
    const listing = await createReleaseSource('tool', spec, offline.ctx).listReleases();
    expect(listing.freshness).toMatchObject({ origin: 'cache' });
    offline.clock.advance(1_000_000);
    const stale = await createReleaseSource('tool', spec, offline.ctx).listReleases();
    expect(stale.freshness).toMatchObject({ origin: 'stale', stale_reason: 'offline' });

    const error = await failure(
      createReleaseSource('other', { kind: 'github', repo: 'acme/other' }, offline.ctx).listReleases(),
    );
    expect(error.code).toBe('OFFLINE_NO_CACHE');
    expect(error.message).toContain('other');
    expect(error.hint).toContain('without --offline');
    expect(upstream.requests.count()).toBe(0);
  });

  it('sends the token but never shows it in errors, JSON or logs', async () => {
    const token = `ghp_${'Z'.repeat(36)}`;
    upstream = await startUpstream({ github: { [REPO]: manyReleases(1) }, token: 'the-right-one' });
    const warnings: string[] = [];
    const { ctx } = testKit(
      upstream.url,
      { github: { token: new SecretValue(token) } },
      { logger: { warn: (m) => warnings.push(m) } },
    );
    const auth = await failure(createReleaseSource('tool', spec, ctx).listReleases());
    expect(auth.code).toBe('UPSTREAM_AUTH');
    expect(upstream.requests.list()[0]?.authenticated).toBe(true);

    const closed = await startUpstream();
    const deadUrl = closed.url;
    await closed.close();
    const down = await failure(
      createReleaseSource(
        'tool',
        spec,
        testKit(deadUrl, { github: { token: new SecretValue(token) } }).ctx,
      ).listReleases(),
    );
    expect(down.code).toBe('OFFLINE_NO_CACHE');

    for (const error of [auth, down]) {
      const printed = [
        error.message,
        JSON.stringify(error),
        inspect(error, { depth: 10 }),
        String(error.stack),
      ];
      for (const text of printed) expect(text).not.toContain('Z'.repeat(36));
    }
    expect(warnings.join('\n')).not.toContain('Z'.repeat(36));
    expect(inspect(ctx.settings, { depth: 5 })).not.toContain('Z'.repeat(36));
  });
});
