import { describe, expect, it } from 'vitest';
import type { Release } from '../model/release.ts';
import { locateChecksum } from './checksum-locator.ts';
import { locateSignature } from './signature-locator.ts';

const platform = { os: 'linux', arch: 'amd64' };

function release(names: string[], source: Release['source'] = 'github'): Release {
  return {
    tag: 'v1.7.0',
    version: '1.7.0',
    published_at: null,
    prerelease: false,
    notes: '',
    source,
    assets: names.map((name) => ({ name, url: `https://dl.test/v1.7.0/${name}`, size: 1 })),
  };
}

const ASSET = 'tool-1.7.0.linux-amd64.tar.gz';

describe('locateChecksum', () => {
  it('uses the configured checksum_file among the assets', () => {
    const r = release([ASSET, 'sha256sums.txt', 'tool_1.7.0_checksums.txt']);
    expect(
      locateChecksum(r, r.assets[0]!, {
        platform,
        download: { checksumFile: 'tool_{VERSION}_checksums.txt' },
      }),
    ).toMatchObject({ kind: 'file', name: 'tool_1.7.0_checksums.txt', perAsset: false });
  });

  it('fails when the configured file is not in the release', () => {
    const r = release([ASSET]);
    expect(() =>
      locateChecksum(r, r.assets[0]!, { platform, download: { checksumFile: 'SHA256SUMS' } }),
    ).toThrow(/has no asset "SHA256SUMS"/);
  });

  it('resolves a configured name beside the asset for direct URLs', () => {
    const r = release([ASSET], 'direct-url');
    expect(
      locateChecksum(r, r.assets[0]!, { platform, download: { checksumFile: '{ASSET}.sha256' } }),
    ).toEqual({
      kind: 'file',
      name: `${ASSET}.sha256`,
      url: `https://dl.test/v1.7.0/${ASSET}.sha256`,
      perAsset: true,
      reason: 'download.checksum_file "{ASSET}.sha256"',
    });
  });

  it('looks for <asset>.sha256, then common names, then *_checksums.txt', () => {
    const perAsset = release([ASSET, `${ASSET}.sha256`, 'SHA256SUMS']);
    expect(locateChecksum(perAsset, perAsset.assets[0]!, { platform })).toMatchObject({
      name: `${ASSET}.sha256`,
    });
    const common = release([ASSET, 'SHA256SUMS']);
    expect(locateChecksum(common, common.assets[0]!, { platform })).toMatchObject({ name: 'SHA256SUMS' });
    const goreleaser = release([ASSET, 'tool_1.7.0_checksums.txt']);
    expect(locateChecksum(goreleaser, goreleaser.assets[0]!, { platform })).toMatchObject({
      name: 'tool_1.7.0_checksums.txt',
    });
    const none = release([ASSET]);
    expect(locateChecksum(none, none.assets[0]!, { platform })).toBeUndefined();
  });

  it('uses the registry hash when the asset carries one', () => {
    const r: Release = {
      ...release([]),
      assets: [{ name: ASSET, url: 'file:///m/x', size: 1, sha256: 'f'.repeat(64) }],
    };
    expect(locateChecksum(r, r.assets[0]!, { platform })).toEqual({ kind: 'inline', sha256: 'f'.repeat(64) });
  });
});

describe('locateSignature', () => {
  it('is silent unless asked for', () => {
    const r = release([ASSET, `${ASSET}.asc`]);
    expect(locateSignature(r, r.assets[0]!, { platform })).toBeUndefined();
  });

  it('finds <asset>.asc with gpg_signature and passes the key through', () => {
    const r = release([ASSET, `${ASSET}.asc`]);
    expect(
      locateSignature(r, r.assets[0]!, {
        platform,
        download: { gpgSignature: true, signatureKey: '/etc/keys/tool.asc' },
      }),
    ).toMatchObject({ name: `${ASSET}.asc`, signs: 'asset', key: '/etc/keys/tool.asc' });
  });

  it('falls back to a signed checksum file', () => {
    const r = release([ASSET, 'SHA256SUMS', 'SHA256SUMS.sig']);
    const checksum = locateChecksum(r, r.assets[0]!, { platform });
    expect(
      locateSignature(r, r.assets[0]!, { platform, download: { gpgSignature: true }, checksum }),
    ).toMatchObject({
      name: 'SHA256SUMS.sig',
      signs: 'checksum-file',
    });
  });

  it('fails when a signature is required and none is published', () => {
    const r = release([ASSET]);
    expect(() => locateSignature(r, r.assets[0]!, { platform, download: { gpgSignature: true } })).toThrow(
      /has no signature/,
    );
    expect(() =>
      locateSignature(r, r.assets[0]!, { platform, download: { signatureFile: '{ASSET}.minisig' } }),
    ).toThrow(/\.minisig/);
  });
});
