import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { parseLinkHeader } from '../http/link-header.ts';
import {
  checksumFile,
  sha256Hex,
  startUpstream,
  tarGz,
  zip,
  type Upstream,
} from '../../../../test/support/upstream/index.ts';
import { manyReleases } from './source-test-kit.ts';

// The local upstream is shared by these specs, the agent's and the demo: its own behaviour is checked here.

let upstream: Upstream | undefined;
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${upstream!.url}${path}`, { headers, redirect: 'manual' });
  return {
    status: response.status,
    headers: response.headers,
    body: new Uint8Array(await response.arrayBuffer()),
  };
}

const text = (body: Uint8Array): string => new TextDecoder().decode(body);

describe('local upstream: GitHub releases API', () => {
  it('paginates with per_page/page and GitHub-style Link headers', async () => {
    upstream = await startUpstream({ github: { 'acme/tool': manyReleases(65) } });
    const first = await get('/repos/acme/tool/releases?per_page=30');
    const links = parseLinkHeader(first.headers.get('link'));
    expect(JSON.parse(text(first.body))).toHaveLength(30);
    expect([...links.keys()]).toEqual(['next', 'last']);
    expect(links.get('last')).toMatch(/\/repositories\/\d+\/releases\?per_page=30&page=3$/);
    const last = await get(new URL(links.get('last')!).pathname + new URL(links.get('last')!).search);
    expect(JSON.parse(text(last.body))).toHaveLength(5);
    expect([...parseLinkHeader(last.headers.get('link')).keys()]).toEqual(['prev', 'first']);
    expect(JSON.parse(text((await get('/repos/acme/tool/releases?per_page=30&page=9')).body))).toEqual([]);
  });

  it('answers 304 to If-None-Match and If-Modified-Since without spending the rate limit', async () => {
    upstream = await startUpstream({ github: { 'acme/tool': manyReleases(2) }, rateLimit: { limit: 60 } });
    const first = await get('/repos/acme/tool/releases');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('59');
    expect(first.headers.get('x-ratelimit-limit')).toBe('60');
    expect(first.headers.get('x-ratelimit-resource')).toBe('core');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"[0-9a-f]{40}"$/);
    const byEtag = await get('/repos/acme/tool/releases', { 'if-none-match': etag });
    expect(byEtag.status).toBe(304);
    expect(byEtag.body).toHaveLength(0);
    const byDate = await get('/repos/acme/tool/releases', {
      'if-modified-since': first.headers.get('last-modified')!,
    });
    expect(byDate.status).toBe(304);
    expect(upstream.rateLimit().remaining).toBe(59);
    upstream.addRelease('github', 'acme/tool', { tag: 'v9.0.0' });
    expect((await get('/repos/acme/tool/releases', { 'if-none-match': etag })).status).toBe(200);
  });

  it('refuses with 403 once the primary limit is spent, and serves the rate_limit endpoint', async () => {
    upstream = await startUpstream({ github: { 'acme/tool': manyReleases(1) }, rateLimit: { limit: 2 } });
    expect((await get('/repos/acme/tool/releases')).status).toBe(200);
    expect((await get('/repos/acme/tool/releases')).status).toBe(200);
    const refused = await get('/repos/acme/tool/releases');
    expect(refused.status).toBe(403);
    expect(text(refused.body)).toContain('API rate limit exceeded');
    const limit = JSON.parse(text((await get('/rate_limit')).body)) as { rate: { remaining: number } };
    expect(limit.rate.remaining).toBe(0);
  });

  it('shows drafts to token holders only, finds releases by tag and latest, 401s a bad token', async () => {
    upstream = await startUpstream({
      github: {
        'acme/tool': [
          { tag: 'v3.0.0', draft: true },
          { tag: 'v2.0.0-rc.1', prerelease: true },
          { tag: 'v1.0.0' },
        ],
      },
      token: 'good',
    });
    const anonymous = JSON.parse(text((await get('/repos/acme/tool/releases')).body)) as {
      tag_name: string;
    }[];
    expect(anonymous.map((r) => r.tag_name)).toEqual(['v2.0.0-rc.1', 'v1.0.0']);
    const owner = JSON.parse(
      text((await get('/repos/acme/tool/releases', { authorization: 'Bearer good' })).body),
    ) as {
      draft: boolean;
      published_at: string | null;
    }[];
    expect(owner[0]).toMatchObject({ draft: true, published_at: null });
    expect((await get('/repos/acme/tool/releases', { authorization: 'token bad' })).status).toBe(401);
    expect(JSON.parse(text((await get('/repos/acme/tool/releases/latest')).body))).toMatchObject({
      tag_name: 'v1.0.0',
    });
    expect(JSON.parse(text((await get('/repos/acme/tool/releases/tags/v2.0.0-rc.1')).body))).toMatchObject({
      prerelease: true,
    });
    expect((await get('/repos/acme/tool/releases/tags/v3.0.0')).status).toBe(404);
    expect((await get('/repos/acme/none/releases')).status).toBe(404);
  });

  it('serves real asset bytes with digests, Range and the API redirect', async () => {
    const archive = tarGz([{ path: 'tool/tool', content: '#!/bin/sh\necho hi\n' }]);
    upstream = await startUpstream({
      github: { 'acme/tool': [{ tag: 'v1.0.0', assets: [{ name: 'tool.tar.gz', content: archive }] }] },
    });
    const [release] = JSON.parse(text((await get('/repos/acme/tool/releases')).body)) as {
      assets: { url: string; size: number; digest: string; browser_download_url: string }[];
    }[];
    const asset = release!.assets[0]!;
    expect(asset).toMatchObject({ size: archive.length, digest: `sha256:${sha256Hex(archive)}` });
    const path = new URL(asset.browser_download_url).pathname;
    const whole = await get(path);
    expect(gunzipSync(whole.body).subarray(0, 8).toString()).toBe('tool/too');
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    const part = await get(path, { range: 'bytes=10-19' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${archive.length}`);
    expect(Buffer.from(part.body)).toEqual(archive.subarray(10, 20));
    expect((await get(path, { range: `bytes=${archive.length}-` })).status).toBe(416);
    const redirect = await get(new URL(asset.url).pathname, { accept: 'application/octet-stream' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe(asset.browser_download_url);
  });

  it('misbehaves on demand and counts every request by path', async () => {
    upstream = await startUpstream({ github: { 'acme/tool': manyReleases(1) } });
    upstream.setFault([
      { kind: 'secondary-rate-limit', status: 429, retryAfterSeconds: 7, times: 1 },
      { kind: 'status', status: 502, times: 1 },
    ]);
    const limited = await get('/repos/acme/tool/releases');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(text(limited.body)).toContain('secondary rate limit');
    expect((await get('/repos/acme/tool/releases')).status).toBe(502);
    expect((await get('/repos/acme/tool/releases')).status).toBe(200);
    upstream.setFault({ kind: 'truncated', times: 1 });
    await expect(get('/repos/acme/tool/releases')).rejects.toThrow();
    upstream.setFault(null);
    upstream.setLatency(150);
    const started = performance.now();
    await get('/repos/acme/tool/releases');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(upstream.requests.byPath()).toEqual({ 'GET /repos/acme/tool/releases': 5 });
    expect(upstream.requests.list().map((r) => r.status)).toEqual([429, 502, 200, 200, 200]);
  });
});

describe('local upstream: GitLab, files and OSV', () => {
  it('speaks GitLab v4 releases with X-* pagination headers', async () => {
    upstream = await startUpstream({ gitlab: { 'group/tool': manyReleases(45) } });
    const page = await get('/api/v4/projects/group%2Ftool/releases?per_page=20&page=2');
    expect(page.headers.get('x-total')).toBe('45');
    expect(page.headers.get('x-total-pages')).toBe('3');
    expect(page.headers.get('x-next-page')).toBe('3');
    expect(page.headers.get('x-prev-page')).toBe('1');
    expect(page.headers.get('ratelimit-remaining')).toMatch(/^\d+$/);
    const releases = JSON.parse(text(page.body)) as {
      tag_name: string;
      assets: { links: { direct_asset_url: string }[] };
    }[];
    expect(releases).toHaveLength(20);
    const link = new URL(releases[0]!.assets.links[0]!.direct_asset_url);
    expect((await get(link.pathname)).status).toBe(200);
    expect((await get('/api/v4/projects/group%2Fnone/releases')).status).toBe(404);
  });

  it('serves static files with ETags and answers OSV queries', async () => {
    const sums = checksumFile([{ name: 'a.zip', content: zip([{ path: 'a', content: 'x' }]) }]);
    upstream = await startUpstream({
      files: { '/dl/sha256sums.txt': sums },
      osv: [{ id: 'GO-1', affected: [{ package: { ecosystem: 'Go', name: 'example.com/x' } }] }],
    });
    const file = await get('/dl/sha256sums.txt');
    expect(text(file.body)).toBe(sums);
    expect((await get('/dl/sha256sums.txt', { 'if-none-match': file.headers.get('etag')! })).status).toBe(
      304,
    );
    const osv = await fetch(`${upstream.url}/v1/query`, {
      method: 'POST',
      body: JSON.stringify({ package: { ecosystem: 'Go', name: 'example.com/x' } }),
    });
    expect(await osv.json()).toEqual({
      vulns: [{ id: 'GO-1', affected: [{ package: { ecosystem: 'Go', name: 'example.com/x' } }] }],
    });
  });
});
