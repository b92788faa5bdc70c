import { afterEach, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { startUpstream, type Upstream } from '../../../../test/support/upstream/index.ts';
import { SecretValue } from '../security/secret-value.ts';
import { manyReleases, testKit } from '../testing/source-test-kit.ts';
import { createReleaseSource } from './create-release-source.ts';

let upstream: Upstream | undefined;
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

const REPO = 'acme/tool';

describe('GitHub releases', () => {
  it('follows Link pagination through every page, ignores drafts and flags prereleases', async () => {
    const releases = manyReleases(250);
    releases.splice(3, 0, { tag: 'v9.9.9', draft: true }, { tag: 'v3.0.0-rc.1', prerelease: true });
    upstream = await startUpstream({ github: { [REPO]: releases }, token: 'sekret-token-1234' });
    const { ctx } = testKit(upstream.url, { github: { token: new SecretValue('sekret-token-1234') } });

    const listing = await createReleaseSource('tool', { kind: 'github', repo: REPO }, ctx).listReleases();

    expect(listing.releases).toHaveLength(251);
    expect(listing.releases.map((r) => r.tag)).not.toContain('v9.9.9');
    expect(listing.releases.find((r) => r.tag === 'v3.0.0-rc.1')?.prerelease).toBe(true);
    expect(listing.releases[0]).toMatchObject({
      tag: 'v2.4.9',
      version: '2.4.9',
      prerelease: false,
      source: 'github',
    });
    expect(listing.releases[0]?.assets[0]).toMatchObject({ name: 'tool-2.4.9.linux-amd64.tar.gz', size: 13 });
    expect(listing.freshness.origin).toBe('network');
    // 252 visible to a token holder (draft included) = 3 pages of 100.
    const calls = upstream.requests.list();
    expect(calls.map((r) => `${r.path}?${r.query}`)).toEqual([
      `/repos/${REPO}/releases?per_page=100`,
      expect.stringMatching(/^\/repositories\/\d+\/releases\?per_page=100&page=2$/),
      expect.stringMatching(/^\/repositories\/\d+\/releases\?per_page=100&page=3$/),
    ]);
    expect(calls.every((r) => r.authenticated)).toBe(true);
  });

  it('makes no request inside the TTL, revalidates with If-None-Match after it, and reuses the body on 304', async () => {
    upstream = await startUpstream({ github: { [REPO]: manyReleases(120) } });
    const { ctx, clock } = testKit(upstream.url, { github: { cacheTtlSeconds: 900 } });
    const source = createReleaseSource('tool', { kind: 'github', repo: REPO }, ctx);

    await source.listReleases();
    expect(upstream.requests.count()).toBe(2);
    upstream.requests.clear();

    clock.advance(899_000);
    const warm = await source.listReleases();
    expect(warm.freshness.origin).toBe('cache');
    expect(upstream.requests.count()).toBe(0);

    clock.advance(2_000);
    const revalidated = await source.listReleases();
    expect(revalidated.freshness).toMatchObject({ origin: 'revalidated', age_seconds: 0 });
    expect(revalidated.releases).toHaveLength(120);
    expect(upstream.requests.list()).toEqual([expect.objectContaining({ conditional: true, status: 304 })]);
    upstream.requests.clear();

    upstream.addRelease('github', REPO, { tag: 'v5.0.0' });
    clock.advance(901_000);
    const changed = await source.listReleases();
    expect(changed.freshness.origin).toBe('network');
    expect(changed.releases[0]?.tag).toBe('v5.0.0');
    expect(changed.releases).toHaveLength(121);
    expect(upstream.requests.list().map((r) => r.status)).toEqual([200, 200]);
  });

  it('lists 10,000 releases in 100 pages', async () => {
    upstream = await startUpstream({ github: { [REPO]: manyReleases(10_000, { withAssets: false }) } });
    const { ctx } = testKit(upstream.url);
    const started = performance.now();
    const listing = await createReleaseSource('tool', { kind: 'github', repo: REPO }, ctx).listReleases();
    const elapsed = performance.now() - started;
    expect(listing.releases).toHaveLength(10_000);
    expect(new Set(listing.releases.map((r) => r.version)).size).toBe(10_000);
    expect(upstream.requests.count()).toBe(100);
    expect(elapsed).toBeLessThan(20_000);
  });

  it('names the repository when it does not exist', async () => {
    upstream = await startUpstream({ github: {} });
    const { ctx } = testKit(upstream.url);
    const error = await createReleaseSource('tool', { kind: 'github', repo: 'acme/nope' }, ctx)
      .listReleases()
      .catch((e: unknown) => e);
    expect(isUpkeepError(error) && error.code).toBe('UPSTREAM_NOT_FOUND');
    expect((error as Error).message).toContain('acme/nope');
  });
});
