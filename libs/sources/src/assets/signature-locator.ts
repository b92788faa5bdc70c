import { UpkeepError } from '@upkeep/errors';
import type { HostPlatform } from '../model/host-platform.ts';
import type { Release, ReleaseAsset } from '../model/release.ts';
import type { DownloadSpec } from '../model/source-spec.ts';
import { shown } from '../sources/display.ts';
import type { ChecksumLocation } from './checksum-locator.ts';
import { expandTemplate } from './template.ts';

/** A detached signature to verify before installing. */
export interface SignatureRef {
  readonly name: string;
  readonly url: string;
  /** What it signs: the asset itself, or the checksum file (which then vouches for the asset). */
  readonly signs: 'asset' | 'checksum-file';
  /** `download.signature_key`, passed through for the verifier. */
  readonly key: string | null;
  readonly reason: string;
}

/**
 * Finds the detached signature (`.asc`, `.sig`) when one is configured: the registry's
 * per-asset signature, `download.signature_file` (placeholders allowed, `{ASSET}` included),
 * or with `download.gpg_signature: true` `<asset>.asc`, `<asset>.sig`, then the checksum
 * file's `.asc`/`.sig`. Undefined when no signature is asked for nor published in a registry.
 * @throws UpkeepError ASSET_NOT_FOUND when a signature is asked for and the release has none.
 */
export function locateSignature(
  release: Release,
  asset: ReleaseAsset,
  options: {
    readonly platform: HostPlatform;
    readonly download?: DownloadSpec;
    readonly checksum?: ChecksumLocation | undefined;
  },
): SignatureRef | undefined {
  const download = options.download ?? {};
  const key = download.signatureKey ?? null;
  const byName = new Map(release.assets.map((a) => [a.name, a]));
  const checksumName = options.checksum?.kind === 'file' ? options.checksum.name : undefined;
  const missing = (what: string): UpkeepError =>
    new UpkeepError('ASSET_NOT_FOUND', `release ${shown(release.tag)} has no signature ${what}`, {
      details: { tag: release.tag, assets: release.assets.map((a) => a.name) },
      hint: 'correct download.signature_file, or turn download.gpg_signature off for this component',
    });

  if (download.signatureFile !== undefined && download.signatureFile !== '') {
    const name = expandTemplate(
      download.signatureFile,
      {
        VERSION: release.version ?? release.tag.replace(/^v/, ''),
        TAG: release.tag,
        OS: options.platform.os,
        ARCH: options.platform.arch,
        ASSET: asset.name,
      },
      { field: 'download.signature_file' },
    );
    const signs = checksumName !== undefined && name.startsWith(checksumName) ? 'checksum-file' : 'asset';
    const reason = `download.signature_file "${download.signatureFile}"`;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(name)) {
      return { name: new URL(name).pathname.split('/').at(-1) ?? name, url: name, signs, key, reason };
    }
    const listed = byName.get(name);
    if (listed !== undefined) return { name, url: listed.url, signs, key, reason };
    if (release.source === 'direct-url')
      return { name, url: new URL(name, asset.url).toString(), signs, key, reason };
    throw missing(`${shown(name)} (download.signature_file)`);
  }
  if (asset.signature_url !== undefined) {
    const name = new URL(asset.signature_url).pathname.split('/').at(-1) ?? `${asset.name}.asc`;
    return { name, url: asset.signature_url, signs: 'asset', key, reason: 'the registry index lists it' };
  }
  if (download.gpgSignature !== true) return undefined;
  for (const ext of ['.asc', '.sig']) {
    const listed = byName.get(`${asset.name}${ext}`);
    if (listed !== undefined) {
      return {
        name: listed.name,
        url: listed.url,
        signs: 'asset',
        key,
        reason: `${listed.name} is among the assets`,
      };
    }
  }
  if (checksumName !== undefined) {
    for (const ext of ['.asc', '.sig', '.gpg']) {
      const listed = byName.get(`${checksumName}${ext}`);
      if (listed !== undefined) {
        return {
          name: listed.name,
          url: listed.url,
          signs: 'checksum-file',
          key,
          reason: `${listed.name} signs the checksum file`,
        };
      }
    }
  }
  throw missing(`for ${asset.name} (looked for ${asset.name}.asc, ${asset.name}.sig)`);
}
