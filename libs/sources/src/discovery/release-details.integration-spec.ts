import { afterEach, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import {
  checksumFile,
  sha256Hex,
  startUpstream,
  tarGz,
  type Upstream,
} from '../../../../test/support/upstream/index.ts';
import { createReleaseSource } from '../sources/create-release-source.ts';
import { testKit } from '../testing/source-test-kit.ts';
import { releaseDetails } from './release-details.ts';

let upstream: Upstream | undefined;
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

const platform = { os: 'linux', arch: 'amd64' };
const download = {
  archivePattern: 'node_exporter-{VERSION}.{OS}-{ARCH}.tar.gz',
  checksumFile: 'sha256sums.txt',
};

function nodeExporter(sums: string | undefined) {
  const amd64 = tarGz([
    { path: 'node_exporter-1.8.0.linux-amd64/node_exporter', content: '#!/bin/sh\necho 1.8.0\n' },
  ]);
  const arm64 = tarGz([{ path: 'node_exporter-1.8.0.linux-arm64/node_exporter', content: 'arm' }]);
  const assets = [
    { name: 'node_exporter-1.8.0.linux-amd64.tar.gz', content: amd64 },
    { name: 'node_exporter-1.8.0.linux-arm64.tar.gz', content: arm64 },
  ];
  return {
    amd64,
    release: {
      tag: 'v1.8.0',
      body: '* [CHANGE] dropped something\n* [FEATURE] new',
      assets: [...assets, ...(sums === undefined ? [] : [{ name: 'sha256sums.txt', content: sums }])],
    },
    sums: checksumFile(assets),
  };
}

describe('releaseDetails', () => {
  it('gives the host asset, its sha256 from sha256sums.txt, and the breaking changes', async () => {
    const fixture = nodeExporter(undefined);
    upstream = await startUpstream({
      github: {
        'prometheus/node_exporter': [
          {
            ...fixture.release,
            assets: [...fixture.release.assets, { name: 'sha256sums.txt', content: fixture.sums }],
          },
        ],
      },
    });
    const { ctx } = testKit(upstream.url);
    const source = createReleaseSource(
      'node_exporter',
      { kind: 'github', repo: 'prometheus/node_exporter' },
      ctx,
    );
    const details = await releaseDetails(source, '1.8.0', { platform, download }, ctx);
    expect(details).toMatchObject({
      tag: 'v1.8.0',
      version: '1.8.0',
      asset: {
        name: 'node_exporter-1.8.0.linux-amd64.tar.gz',
        size: fixture.amd64.length,
        matched_by: 'archive_pattern',
      },
      checksum: { sha256: sha256Hex(fixture.amd64), source: 'checksum-file', file: 'sha256sums.txt' },
      signature: null,
      breaking_changes: ['[CHANGE] dropped something'],
    });
    const bytes = new Uint8Array(await (await fetch(details.asset.url)).arrayBuffer());
    expect(sha256Hex(bytes)).toBe(details.checksum.sha256);
  });

  it('fails with CHECKSUM_NOT_FOUND when the checksum file lacks the asset', async () => {
    const fixture = nodeExporter(`${'a'.repeat(64)}  node_exporter-1.8.0.linux-amd64.tar.gz.sbom\n`);
    upstream = await startUpstream({ github: { 'prometheus/node_exporter': [fixture.release] } });
    const { ctx } = testKit(upstream.url);
    const source = createReleaseSource(
      'node_exporter',
      { kind: 'github', repo: 'prometheus/node_exporter' },
      ctx,
    );
    const error = await releaseDetails(source, 'v1.8.0', { platform, download }, ctx).catch(
      (e: unknown) => e,
    );
    expect(isUpkeepError(error) && error.code).toBe('CHECKSUM_NOT_FOUND');
    expect((error as Error).message).toContain(
      'sha256sums.txt has no entry for node_exporter-1.8.0.linux-amd64.tar.gz',
    );
  });

  it('fails with ASSET_NOT_FOUND for a release without a host asset, and for an unknown version', async () => {
    const fixture = nodeExporter(undefined);
    upstream = await startUpstream({ github: { 'prometheus/node_exporter': [fixture.release] } });
    const { ctx } = testKit(upstream.url);
    const source = createReleaseSource(
      'node_exporter',
      { kind: 'github', repo: 'prometheus/node_exporter' },
      ctx,
    );
    const noAsset = await releaseDetails(
      source,
      '1.8.0',
      { platform: { os: 'linux', arch: 'armv7' }, download },
      ctx,
    ).catch((e: unknown) => e);
    expect(isUpkeepError(noAsset) && noAsset.code).toBe('ASSET_NOT_FOUND');
    const unknown = await releaseDetails(source, '9.9.9', { platform, download }, ctx).catch(
      (e: unknown) => e,
    );
    expect(isUpkeepError(unknown) && unknown.code).toBe('UPSTREAM_NOT_FOUND');
    expect(isUpkeepError(unknown) && unknown.hint).toContain('v1.8.0');
  });

  it('reports a release that publishes no checksum without failing', async () => {
    const fixture = nodeExporter(undefined);
    upstream = await startUpstream({ github: { 'prometheus/node_exporter': [fixture.release] } });
    const { ctx } = testKit(upstream.url);
    const source = createReleaseSource(
      'node_exporter',
      { kind: 'github', repo: 'prometheus/node_exporter' },
      ctx,
    );
    const details = await releaseDetails(
      source,
      '1.8.0',
      { platform, download: { archivePattern: download.archivePattern } },
      ctx,
    );
    expect(details.checksum).toEqual({ sha256: null, reason: 'release "v1.8.0" publishes no checksum file' });
  });
});
