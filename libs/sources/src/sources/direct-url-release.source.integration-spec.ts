import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import {
  checksumFile,
  sha256Hex,
  startUpstream,
  type Upstream,
} from '../../../../test/support/upstream/index.ts';
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

function files(base: string) {
  return {
    '/dl/tool/versions.json': JSON.stringify({
      versions: [
        { version: '1.2.0', published_at: '2024-05-01T00:00:00Z', notes: 'BREAKING: new config' },
        '1.1.0',
        '1.1.0',
      ],
    }),
    '/dl/tool/': `<html><body><a href="../">../</a>
      <a href="tool-1.2.0.linux-amd64.tar.gz">tool-1.2.0.linux-amd64.tar.gz</a>
      <a href='${base}/dl/tool/1.1.0/'>1.1.0/</a>
      <a href=tool-1.3.0-rc.1.linux-amd64.tar.gz>rc</a>
      <a href="tool-latest.tar.gz">latest</a>
      <a href="sha256sums.txt">sums</a></body></html>`,
    [`/dl/tool/1.2.0/${ARCHIVE}`]: 'the archive',
    '/dl/tool/1.2.0/sha256sums.txt': checksumFile([{ name: ARCHIVE, content: 'the archive' }]),
  };
}

const template = (base: string) => `${base}/dl/tool/{VERSION}/tool-{VERSION}.{OS}-{ARCH}.tar.gz`;

describe('direct URL sources', () => {
  it('lists versions from a JSON document and expands url_template for the host', async () => {
    upstream = await startUpstream();
    for (const [path, content] of Object.entries(files(upstream.url))) upstream.setFile(path, content);
    const { ctx, clock } = testKit(upstream.url);
    const source = createReleaseSource(
      'tool',
      {
        kind: 'direct-url',
        urlTemplate: template(upstream.url),
        versionsUrl: `${upstream.url}/dl/tool/versions.json`,
        versionsFormat: 'json',
      },
      ctx,
    );
    const listing = await source.listReleases();
    expect(listing.releases.map((r) => r.tag)).toEqual(['1.2.0', '1.1.0']);
    expect(listing.releases[0]).toMatchObject({
      published_at: '2024-05-01T00:00:00.000Z',
      source: 'direct-url',
      assets: [{ name: ARCHIVE, url: `${upstream.url}/dl/tool/1.2.0/${ARCHIVE}`, size: null }],
    });

    const details = await releaseDetails(
      source,
      '1.2.0',
      { platform: { os: 'linux', arch: 'amd64' }, download: { checksumFile: 'sha256sums.txt' } },
      ctx,
    );
    expect(details.checksum).toMatchObject({
      source: 'checksum-file',
      url: `${upstream.url}/dl/tool/1.2.0/sha256sums.txt`,
      sha256: sha256Hex('the archive'),
    });
    expect(details.breaking_changes).toEqual(['BREAKING: new config']);

    upstream.requests.clear();
    clock.advance(1_000_000);
    expect((await source.listReleases()).freshness.origin).toBe('revalidated');
    expect(upstream.requests.list()).toEqual([
      expect.objectContaining({ path: '/dl/tool/versions.json', status: 304 }),
    ]);
  });

  it('reads versions from an HTML index of links, newest first', async () => {
    upstream = await startUpstream();
    for (const [path, content] of Object.entries(files(upstream.url))) upstream.setFile(path, content);
    const { ctx } = testKit(upstream.url);
    const listing = await createReleaseSource(
      'tool',
      {
        kind: 'direct-url',
        urlTemplate: template(upstream.url),
        versionsUrl: `${upstream.url}/dl/tool/`,
        versionsFormat: 'html',
      },
      ctx,
    ).listReleases();
    expect(listing.releases.map((r) => [r.tag, r.prerelease])).toEqual([
      ['1.3.0-rc.1', true],
      ['1.2.0', false],
      ['1.1.0', false],
    ]);
  });

  it('reads a local versions file and rejects a document of the wrong shape', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'upkeep-direct-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'versions.json'), '["2.0.0", "v1.9.0"]');
    writeFileSync(join(dir, 'bad.json'), '{"releases": ["2.0.0"]}');
    const { ctx } = testKit('http://127.0.0.1:9');
    const make = (file: string) =>
      createReleaseSource(
        'tool',
        {
          kind: 'direct-url',
          urlTemplate: 'https://dl.example.test/{TAG}/tool-{OS}-{ARCH}',
          versionsUrl: pathToFileURL(join(dir, file)).toString(),
          versionsFormat: 'json',
        },
        ctx,
      );
    const listing = await make('versions.json').listReleases();
    expect(listing.freshness.origin).toBe('local');
    expect(listing.releases.map((r) => r.assets[0]?.url)).toEqual([
      'https://dl.example.test/2.0.0/tool-linux-amd64',
      'https://dl.example.test/v1.9.0/tool-linux-amd64',
    ]);
    const error = await make('bad.json')
      .listReleases()
      .catch((e: unknown) => e);
    expect(isUpkeepError(error) && error.code).toBe('UPSTREAM_INVALID_RESPONSE');
    expect((error as Error).message).toContain('"versions" array');
  });

  it('redacts a token in the versions URL from errors', async () => {
    upstream = await startUpstream();
    const { ctx } = testKit(upstream.url);
    const error = await createReleaseSource(
      'tool',
      {
        kind: 'direct-url',
        urlTemplate: template(upstream.url),
        versionsUrl: `${upstream.url}/dl/missing.json?token=abcdef123456`,
        versionsFormat: 'json',
      },
      ctx,
    )
      .listReleases()
      .catch((e: unknown) => e);
    expect(isUpkeepError(error) && error.code).toBe('UPSTREAM_NOT_FOUND');
    expect(JSON.stringify(error)).not.toContain('abcdef123456');
    expect((error as Error).message).toContain('token=REDACTED');
  });
});
