import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import {
  checksumFile,
  sha256Hex,
  startUpstream,
  tarGz,
  type Upstream,
  type UpstreamRelease,
} from '../../../../test/support/upstream/index.ts';
import { releaseDetails } from '../discovery/release-details.ts';
import { createReleaseSource } from '../sources/create-release-source.ts';
import { testKit } from '../testing/source-test-kit.ts';
import { downloadArtifact } from './artifact-download.ts';
import { mirrorComponent } from './mirror-component.ts';
import { nodeFileSystem } from '../ports/file-system.repository.ts';
import { globalFetch } from '../ports/http.port.ts';

let upstream: Upstream | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'upkeep-mirror-'));
  dirs.push(dir);
  return dir;
}

function release(version: string, options: { prerelease?: boolean; tamper?: boolean } = {}): UpstreamRelease {
  const archives = ['amd64', 'arm64'].map((arch) => ({
    name: `node_exporter-${version}.linux-${arch}.tar.gz`,
    content: tarGz([
      { path: `node_exporter-${version}.linux-${arch}/node_exporter`, content: `binary ${version} ${arch}` },
    ]),
  }));
  const sums =
    options.tamper === true
      ? checksumFile(archives.map((a) => ({ ...a, content: 'something else' })))
      : checksumFile(archives);
  return {
    tag: `v${version}`,
    body: `* [CHANGE] change in ${version}`,
    prerelease: options.prerelease ?? false,
    assets: [
      ...archives,
      { name: 'sha256sums.txt', content: sums },
      {
        name: `node_exporter-${version}.linux-amd64.tar.gz.asc`,
        content: `-----BEGIN PGP SIGNATURE-----\n${version}\n`,
      },
    ],
  };
}

const REPO = 'prometheus/node_exporter';
const github = { kind: 'github', repo: REPO } as const;
const download = {
  archivePattern: 'node_exporter-{VERSION}.{OS}-{ARCH}.tar.gz',
  checksumFile: 'sha256sums.txt',
  gpgSignature: true,
};

describe('mirrorComponent', () => {
  it('round-trips: a GitHub component mirrored to a directory reads back as a registry', async () => {
    upstream = await startUpstream({
      github: { [REPO]: [release('1.8.1-rc.1', { prerelease: true }), release('1.8.0'), release('1.7.0')] },
    });
    const to = tempDir();
    const { ctx } = testKit(upstream.url);
    const source = createReleaseSource('node_exporter', github, ctx);

    const report = await mirrorComponent({ source, to, latest: 2 }, ctx);
    expect(report.releases.map((r) => r.tag)).toEqual(['v1.8.0', 'v1.7.0']);
    expect(report.releases[0]?.assets.map((a) => [a.name, a.verified_by, a.reused])).toEqual([
      ['node_exporter-1.8.0.linux-amd64.tar.gz', 'checksum-file', false],
      ['node_exporter-1.8.0.linux-arm64.tar.gz', 'checksum-file', false],
      ['sha256sums.txt', 'none', false],
      ['node_exporter-1.8.0.linux-amd64.tar.gz.asc', 'none', false],
    ]);
    expect(readdirSync(join(to, 'node_exporter')).sort()).toEqual(['index.json', 'v1.7.0', 'v1.8.0']);

    const offline = testKit('http://127.0.0.1:9', { offline: true });
    const mirror = createReleaseSource(
      'node_exporter',
      { kind: 'registry', url: report.registry_url },
      offline.ctx,
    );
    const listing = await mirror.listReleases();
    const original = await source.listReleases();
    expect(listing.releases.map((r) => r.tag)).toEqual(['v1.8.0', 'v1.7.0']);
    expect(listing.releases[0]?.assets.map((a) => [a.name, a.size])).toEqual(
      original.releases.find((r) => r.tag === 'v1.8.0')?.assets.map((a) => [a.name, a.size]),
    );
    expect(listing.releases[0]?.notes).toBe('* [CHANGE] change in 1.8.0');

    const platform = { os: 'linux', arch: 'amd64' };
    const fromMirror = await releaseDetails(mirror, '1.8.0', { platform, download }, offline.ctx);
    const fromGithub = await releaseDetails(source, '1.8.0', { platform, download }, ctx);
    expect(fromMirror.checksum).toEqual({ sha256: fromGithub.checksum.sha256, source: 'registry-index' });
    expect(fromMirror.signature).toMatchObject({
      name: 'node_exporter-1.8.0.linux-amd64.tar.gz.asc',
      signs: 'asset',
    });
    const copy = join(tempDir(), 'copy.tar.gz');
    const fetched = await downloadArtifact(
      fromMirror.asset.url,
      copy,
      { expectedSha256: fromMirror.checksum.sha256 ?? undefined, maxBytes: 1 << 20, timeoutMs: 5000 },
      { fetch: globalFetch, fs: nodeFileSystem },
    );
    expect(fetched.sha256).toBe(fromGithub.checksum.sha256);

    upstream.requests.clear();
    const again = await mirrorComponent({ source, to, versions: ['1.8.1-rc.1', 'v1.8.0'] }, ctx);
    expect(again.releases.find((r) => r.tag === 'v1.8.0')?.assets.every((a) => a.reused)).toBe(true);
    expect(upstream.requests.count(`/gh-download/${REPO}/v1.8.0/`)).toBe(0);
    // The four assets of the prerelease, and its checksum file read once more to verify them.
    expect(upstream.requests.count(`/gh-download/${REPO}/v1.8.1-rc.1/`)).toBe(5);
    const index = JSON.parse(readFileSync(join(to, 'node_exporter', 'index.json'), 'utf8')) as {
      releases: { version: string }[];
    };
    expect(index.releases.map((r) => r.version)).toEqual(['v1.8.1-rc.1', 'v1.8.0', 'v1.7.0']);
  });

  it('mirrors only the platforms asked for, with checksum file and signature', async () => {
    upstream = await startUpstream({ github: { [REPO]: [release('1.8.0')] } });
    const to = tempDir();
    const { ctx } = testKit(upstream.url);
    const report = await mirrorComponent(
      {
        source: createReleaseSource('node_exporter', github, ctx),
        to,
        platforms: [{ os: 'linux', arch: 'amd64' }],
        download,
      },
      ctx,
    );
    expect(report.releases[0]?.assets.map((a) => a.name)).toEqual([
      'node_exporter-1.8.0.linux-amd64.tar.gz',
      'sha256sums.txt',
      'node_exporter-1.8.0.linux-amd64.tar.gz.asc',
    ]);
  });

  it('refuses an asset whose bytes do not match the published checksum and writes nothing', async () => {
    upstream = await startUpstream({ github: { [REPO]: [release('1.8.0', { tamper: true })] } });
    const to = tempDir();
    const { ctx } = testKit(upstream.url);
    const error = await mirrorComponent(
      { source: createReleaseSource('node_exporter', github, ctx), to },
      ctx,
    ).catch((e: unknown) => e);
    expect(isUpkeepError(error) && error.code).toBe('CHECKSUM_MISMATCH');
    expect(existsSync(join(to, 'node_exporter', 'index.json'))).toBe(false);
    expect(readdirSync(join(to, 'node_exporter', 'v1.8.0'))).toEqual([]);
  });

  it('checks a downloaded artifact against the expected hash before it appears', async () => {
    upstream = await startUpstream({ files: { '/f.bin': 'payload' } });
    const target = join(tempDir(), 'f.bin');
    const io = { fetch: globalFetch, fs: nodeFileSystem };
    const wrong = await downloadArtifact(
      `${upstream.url}/f.bin`,
      target,
      { expectedSha256: 'a'.repeat(64), maxBytes: 100, timeoutMs: 5000 },
      io,
    ).catch((e: unknown) => e);
    expect(isUpkeepError(wrong) && wrong.code).toBe('CHECKSUM_MISMATCH');
    expect(existsSync(target)).toBe(false);
    const big = await downloadArtifact(
      `${upstream.url}/f.bin`,
      target,
      { maxBytes: 3, timeoutMs: 5000 },
      io,
    ).catch((e: unknown) => e);
    expect(isUpkeepError(big) && big.code).toBe('INPUT_TOO_LARGE');
    const ok = await downloadArtifact(
      `${upstream.url}/f.bin`,
      target,
      { expectedSha256: sha256Hex('payload'), maxBytes: 100, timeoutMs: 5000 },
      io,
    );
    expect(ok.size).toBe(7);
    expect(readFileSync(target, 'utf8')).toBe('payload');
  });
});
