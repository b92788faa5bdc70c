import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import type { Release } from '../model/release.ts';
import { selectAsset } from './asset-selector.ts';

function release(tag: string, names: string[], version: string | null = tag.replace(/^v/, '')): Release {
  return {
    tag,
    version,
    published_at: null,
    prerelease: false,
    notes: '',
    source: 'github',
    assets: names.map((name) => ({ name, url: `https://example.test/${name}`, size: 1 })),
  };
}

const linuxAmd64 = { os: 'linux', arch: 'amd64' };

function failure(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (isUpkeepError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected an UpkeepError');
}

describe('selectAsset with download.archive_pattern', () => {
  const nodeExporter = release('v1.7.0', [
    'node_exporter-1.7.0.darwin-amd64.tar.gz',
    'node_exporter-1.7.0.linux-amd64.tar.gz',
    'node_exporter-1.7.0.linux-arm64.tar.gz',
    'sha256sums.txt',
  ]);

  it('fills {VERSION} without the v and {OS}/{ARCH} with the host names', () => {
    const chosen = selectAsset(nodeExporter, {
      platform: { os: 'linux', arch: 'arm64' },
      component: 'node_exporter',
      download: { archivePattern: 'node_exporter-{VERSION}.{OS}-{ARCH}.tar.gz' },
    });
    expect(chosen.asset.name).toBe('node_exporter-1.7.0.linux-arm64.tar.gz');
    expect(chosen.matched_by).toBe('archive_pattern');
    expect(chosen.reason).toContain('linux/arm64');
  });

  it('accepts the seed pattern with a literal platform', () => {
    const chosen = selectAsset(nodeExporter, {
      platform: linuxAmd64,
      component: 'node_exporter',
      download: { archivePattern: 'node_exporter-{VERSION}.linux-amd64.tar.gz' },
    });
    expect(chosen.asset.name).toBe('node_exporter-1.7.0.linux-amd64.tar.gz');
  });

  it('tries the tag with its v when the asset name keeps it, and says so', () => {
    const withV = release('v2.0.1', ['tool_v2.0.1_linux_amd64.tar.gz']);
    const chosen = selectAsset(withV, {
      platform: linuxAmd64,
      component: 'tool',
      download: { archivePattern: 'tool_{VERSION}_{OS}_{ARCH}.tar.gz' },
    });
    expect(chosen.asset.name).toBe('tool_v2.0.1_linux_amd64.tar.gz');
    expect(chosen.reason).toContain('{VERSION} as v2.0.1');
  });

  it('tries architecture aliases (x86_64) after the canonical name', () => {
    const rust = release('v14.1.0', ['tool-14.1.0-x86_64-unknown-linux-musl.tar.gz']);
    const chosen = selectAsset(rust, {
      platform: linuxAmd64,
      component: 'tool',
      download: { archivePattern: 'tool-{VERSION}-{ARCH}-unknown-{OS}-musl.tar.gz' },
    });
    expect(chosen.asset.name).toBe('tool-14.1.0-x86_64-unknown-linux-musl.tar.gz');
    expect(chosen.reason).toContain('{ARCH} as x86_64');
  });

  it('fails with ASSET_NOT_FOUND listing what was tried and what exists', () => {
    const error = failure(() =>
      selectAsset(nodeExporter, {
        platform: { os: 'linux', arch: 'armv7' },
        component: 'node_exporter',
        download: { archivePattern: 'node_exporter-{VERSION}.{OS}-{ARCH}.tar.gz' },
      }),
    );
    expect(error.code).toBe('ASSET_NOT_FOUND');
    expect(error.message).toContain('node_exporter-1.7.0.linux-armv7.tar.gz');
    expect(error.message).toContain('node_exporter-1.7.0.linux-arm64.tar.gz');
  });

  it('rejects an unknown placeholder as a config error', () => {
    const error = failure(() =>
      selectAsset(nodeExporter, {
        platform: linuxAmd64,
        component: 'x',
        download: { archivePattern: 'x-{VERSON}' },
      }),
    );
    expect(error.code).toBe('CONFIG_INVALID');
  });
});

describe('selectAsset fallback on platform names', () => {
  it('picks the component archive among several programs of one release (Loki)', () => {
    const loki = release('v2.9.3', [
      'loki-linux-amd64.zip',
      'promtail-linux-amd64.zip',
      'promtail-linux-arm64.zip',
      'promtail-linux-arm.zip',
      'logcli-linux-amd64.zip',
      'promtail_2.9.3_amd64.deb',
      'SHA256SUMS',
    ]);
    const chosen = selectAsset(loki, {
      platform: linuxAmd64,
      component: 'promtail',
      download: { archiveType: 'zip' },
    });
    expect(chosen.asset.name).toBe('promtail-linux-amd64.zip');
    expect(chosen.matched_by).toBe('platform_names');
    expect(chosen.reason).toContain('starts with promtail');
    expect(chosen.alternatives).toEqual(['logcli-linux-amd64.zip', 'loki-linux-amd64.zip']);
  });

  it('matches aarch64 for arm64 and never arm64 for armv7', () => {
    const assets = release('v1.0.0', ['tool-1.0.0-aarch64-linux.tar.gz', 'tool-1.0.0-armv7-linux.tar.gz']);
    expect(
      selectAsset(assets, { platform: { os: 'linux', arch: 'arm64' }, component: 'tool' }).asset.name,
    ).toBe('tool-1.0.0-aarch64-linux.tar.gz');
    expect(
      selectAsset(assets, { platform: { os: 'linux', arch: 'armv7' }, component: 'tool' }).asset.name,
    ).toBe('tool-1.0.0-armv7-linux.tar.gz');
  });

  it('leaves out checksums, signatures and SBOMs that mention the platform', () => {
    const r = release('v1.0.0', [
      'tool-linux-amd64.tar.gz.sha256',
      'tool-linux-amd64.tar.gz.asc',
      'tool-linux-amd64.sbom.json',
      'tool-linux-amd64.tar.gz',
    ]);
    expect(selectAsset(r, { platform: linuxAmd64, component: 'tool' }).asset.name).toBe(
      'tool-linux-amd64.tar.gz',
    );
  });

  it('refuses to guess between equally good assets', () => {
    const r = release('v14.1.0', [
      'rg-14.1.0-x86_64-unknown-linux-gnu.tar.gz',
      'rg-14.1.0-x86_64-unknown-linux-musl.tar.gz',
    ]);
    const error = failure(() => selectAsset(r, { platform: linuxAmd64, component: 'ripgrep' }));
    expect(error.code).toBe('ASSET_NOT_FOUND');
    expect(error.message).toContain('equally well');
  });

  it('reports a release with no asset for the host', () => {
    const r = release('v1.0.0', ['tool-darwin-arm64.tar.gz', 'tool-windows-amd64.zip']);
    const error = failure(() => selectAsset(r, { platform: linuxAmd64, component: 'tool' }));
    expect(error.code).toBe('ASSET_NOT_FOUND');
    expect(error.message).toContain('no asset for linux/amd64');
    expect(error.message).toContain('tool-darwin-arm64.tar.gz');
  });
});
