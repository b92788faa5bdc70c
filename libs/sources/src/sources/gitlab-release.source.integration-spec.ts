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

const PROJECT = 'infra/agents/tool';
const spec = { kind: 'gitlab', project: PROJECT } as const;

describe('GitLab releases', () => {
  it('pages through /projects/:id/releases with the path url-encoded and PRIVATE-TOKEN', async () => {
    upstream = await startUpstream({
      gitlab: { [PROJECT]: manyReleases(230) },
      token: 'glpat-test-token-000000',
    });
    const { ctx } = testKit(upstream.url, { gitlab: { token: new SecretValue('glpat-test-token-000000') } });
    const listing = await createReleaseSource('tool', spec, ctx).listReleases();

    expect(listing.releases).toHaveLength(230);
    expect(listing.releases[0]).toMatchObject({
      tag: 'v2.2.9',
      version: '2.2.9',
      source: 'gitlab',
      notes: 'Release 2.2.9',
    });
    expect(listing.releases[0]?.assets).toEqual([
      {
        name: 'tool-2.2.9.linux-amd64.tar.gz',
        url: `${upstream.url}/gl-download/infra%2Fagents%2Ftool/v2.2.9/tool-2.2.9.linux-amd64.tar.gz`,
        size: null,
      },
    ]);
    const calls = upstream.requests.list();
    expect(calls.map((r) => r.path)).toEqual(
      Array(3).fill('/api/v4/projects/infra%2Fagents%2Ftool/releases'),
    );
    expect(calls.map((r) => new URLSearchParams(r.query).get('page'))).toEqual(['1', '2', '3']);
    expect(calls.every((r) => r.authenticated)).toBe(true);
  });

  it('revalidates with If-None-Match and reuses the body on 304', async () => {
    upstream = await startUpstream({ gitlab: { [PROJECT]: manyReleases(3) } });
    const { ctx, clock } = testKit(upstream.url, { gitlab: { cacheTtlSeconds: 60 } });
    const source = createReleaseSource('tool', spec, ctx);
    await source.listReleases();
    clock.advance(61_000);
    upstream.requests.clear();
    const again = await source.listReleases();
    expect(again.freshness.origin).toBe('revalidated');
    expect(upstream.requests.list()).toEqual([expect.objectContaining({ conditional: true, status: 304 })]);
  });

  it('retries 5xx and falls back to the cache when GitLab rate-limits (429)', async () => {
    upstream = await startUpstream({ gitlab: { [PROJECT]: manyReleases(3) } });
    upstream.setFault({ kind: 'status', status: 500, times: 1 });
    const { ctx, clock } = testKit(upstream.url);
    const source = createReleaseSource('tool', spec, ctx);
    expect((await source.listReleases()).releases).toHaveLength(3);
    expect(upstream.requests.list().map((r) => r.status)).toEqual([500, 200]);

    upstream.setFault({ kind: 'rate-limit-exhausted', times: 1 });
    clock.advance(1_000_000);
    const stale = await source.listReleases();
    expect(stale.freshness).toMatchObject({ origin: 'stale', stale_reason: 'rate-limited' });
  });

  it('reports an unknown project and refuses a malformed page', async () => {
    upstream = await startUpstream({ gitlab: { [PROJECT]: manyReleases(3) } });
    const { ctx } = testKit(upstream.url);
    const missing = await createReleaseSource('x', { kind: 'gitlab', project: 'infra/nope' }, ctx)
      .listReleases()
      .catch((e: unknown) => e);
    expect(isUpkeepError(missing) && missing.code).toBe('UPSTREAM_NOT_FOUND');
    upstream.setFault({ kind: 'malformed' });
    const broken = await createReleaseSource('tool', spec, ctx)
      .listReleases()
      .catch((e: unknown) => e);
    expect(isUpkeepError(broken) && broken.code).toBe('UPSTREAM_INVALID_RESPONSE');
  });
});
