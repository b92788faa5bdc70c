import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { sha256Hex, startUpstream, type Upstream } from '../../../../test/support/upstream/index.ts';
import { releaseDetails } from '../discovery/release-details.ts';
import { testKit } from '../testing/source-test-kit.ts';
import { createReleaseSource } from './create-release-source.ts';

let upstream: Upstream | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const ARCHIVE = 'tool-1.2.0.linux-amd64.tar.gz';

function index(overrides: Record<string, unknown> = {}, asset: Record<string, unknown> = {}) {
  return JSON.stringify({
    schema: 1,
    component: 'tool',
    releases: [
      {
        version: 'v1.2.0',
        published_at: '2024-05-01T00:00:00Z',
        notes: 'notes',
        assets: [
          {
            name: ARCHIVE,
            url: `v1.2.0/${ARCHIVE}`,
            size: 11,
            sha256: sha256Hex('the archive'),
            signature: `v1.2.0/${ARCHIVE}.asc`,
            ...asset,
          },
        ],
      },
      { version: 'v1.1.0', prerelease: false, assets: [] },
    ],
    ...overrides,
  });
}

function registryDir(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'upkeep-registry-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'v1.2.0'));
  writeFileSync(join(dir, 'index.json'), text);
  writeFileSync(join(dir, 'v1.2.0', ARCHIVE), 'the archive');
  return dir;
}

describe('custom registry', () => {
  it('reads an index over HTTP, resolves relative URLs, and revalidates it', async () => {
    upstream = await startUpstream({ files: { '/registry/tool/index.json': index() } });
    const { ctx, clock } = testKit(upstream.url);
    const source = createReleaseSource(
      'tool',
      { kind: 'registry', url: `${upstream.url}/registry/tool` },
      ctx,
    );
    const listing = await source.listReleases();
    expect(listing.releases.map((r) => r.tag)).toEqual(['v1.2.0', 'v1.1.0']);
    expect(listing.releases[0]?.assets[0]).toEqual({
      name: ARCHIVE,
      url: `${upstream.url}/registry/tool/v1.2.0/${ARCHIVE}`,
      size: 11,
      sha256: sha256Hex('the archive'),
      signature_url: `${upstream.url}/registry/tool/v1.2.0/${ARCHIVE}.asc`,
    });
    const details = await releaseDetails(source, '1.2.0', { platform: { os: 'linux', arch: 'amd64' } }, ctx);
    expect(details.checksum).toEqual({ sha256: sha256Hex('the archive'), source: 'registry-index' });
    expect(details.signature).toMatchObject({
      url: `${upstream.url}/registry/tool/v1.2.0/${ARCHIVE}.asc`,
      signs: 'asset',
    });
    expect(upstream.requests.count()).toBe(1);

    clock.advance(1_000_000);
    expect((await source.listReleases()).freshness.origin).toBe('revalidated');
  });

  it('reads a registry directory by path and by file:// URL, offline', async () => {
    const dir = registryDir(index());
    const { ctx } = testKit('http://127.0.0.1:9', { offline: true });
    for (const url of [
      dir,
      pathToFileURL(dir).toString(),
      pathToFileURL(join(dir, 'index.json')).toString(),
    ]) {
      const listing = await createReleaseSource('tool', { kind: 'registry', url }, ctx).listReleases();
      expect(listing.freshness.origin).toBe('local');
      expect(listing.releases[0]?.assets[0]?.url).toBe(
        pathToFileURL(join(dir, 'v1.2.0', ARCHIVE)).toString(),
      );
    }
  });

  it.each([
    ['a newer schema', index({ schema: 2 }), /schema 2 is not 1/],
    ['another component', index({ component: 'other' }), /for component "other", not "tool"/],
    [
      'a duplicate version',
      index({
        releases: [
          { version: 'v1.0.0', assets: [] },
          { version: '1.0.0', assets: [] },
        ],
      }),
      /listed twice/,
    ],
    ['a path escaping the registry', index({}, { url: '../../etc/shadow' }), /leaves the registry directory/],
    ['a missing sha256', index({}, { sha256: undefined }), /no valid sha256/],
    ['a hostile asset name', index({}, { name: '../x.tar.gz' }), /path separator/],
    ['a javascript: URL', index({}, { url: 'javascript:alert(1)' }), /scheme javascript: is not allowed/],
    ['not JSON', '{"schema": 1,', /not valid JSON/],
  ])('refuses an index with %s', async (_what, text, message) => {
    const { ctx } = testKit('http://127.0.0.1:9');
    const error = await createReleaseSource('tool', { kind: 'registry', url: registryDir(text) }, ctx)
      .listReleases()
      .catch((e: unknown) => e);
    expect(isUpkeepError(error) && error.code).toBe('UPSTREAM_INVALID_RESPONSE');
    expect((error as Error).message).toMatch(message);
  });

  it('says where the index was looked for when the directory has none', async () => {
    const { ctx } = testKit('http://127.0.0.1:9');
    const error = await createReleaseSource(
      'tool',
      { kind: 'registry', url: '/nonexistent/mirror/tool' },
      ctx,
    )
      .listReleases()
      .catch((e: unknown) => e);
    expect(isUpkeepError(error) && error.code).toBe('UPSTREAM_NOT_FOUND');
    expect((error as Error).message).toContain('/nonexistent/mirror/tool/index.json');
  });
});
