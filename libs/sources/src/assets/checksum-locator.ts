import { UpkeepError, redactUrl } from '@upkeep/errors';
import type { CachedResource, LoadResult } from '../cache/resource-cache.ts';
import { conditionalHeaders } from '../http/conditional-headers.ts';
import type { HostPlatform } from '../model/host-platform.ts';
import type { Release, ReleaseAsset } from '../model/release.ts';
import type { DownloadSpec } from '../model/source-spec.ts';
import { shown } from '../sources/display.ts';
import { invalidResponse } from '../sources/json-body.ts';
import { isLocalLocation, readLocalFile } from '../sources/local-file.ts';
import { settingsHttpClient, type SourceContext } from '../sources/source-context.ts';
import { checksumFor, parseChecksumFile, type ParsedChecksumFile } from './checksum-file.ts';
import { expandTemplate } from './template.ts';

/** Where an asset's SHA-256 comes from. */
export type ChecksumLocation =
  | { readonly kind: 'inline'; readonly sha256: string }
  | {
      readonly kind: 'file';
      readonly name: string;
      readonly url: string;
      /** A file for this asset alone (`x.tar.gz.sha256`), which may hold a bare hash. */
      readonly perAsset: boolean;
      readonly reason: string;
    };

/** The SHA-256 an asset must have, and where it was read; `sha256: null` when the release publishes none. */
export type ChecksumResult =
  | { readonly sha256: string; readonly source: 'registry-index' }
  | { readonly sha256: string; readonly source: 'checksum-file'; readonly file: string; readonly url: string }
  | { readonly sha256: null; readonly reason: string };

/** Names releases commonly give their checksum file, tried in order when none is configured. */
export const COMMON_CHECKSUM_FILES = [
  'sha256sums.txt',
  'SHA256SUMS',
  'SHA256SUMS.txt',
  'sha256sum.txt',
  'checksums.txt',
  'CHECKSUMS',
  'SHASUMS256.txt',
];
const CHECKSUM_LIKE = /(^|[-_.])(checksums|sha256sums|sha256sum)(\.txt)?$/i;

const MAX_CHECKSUM_FILE_BYTES = 4 * 1024 * 1024;

function templateValues(release: Release, asset: ReleaseAsset, platform: HostPlatform) {
  return {
    VERSION: release.version ?? release.tag.replace(/^v/, ''),
    TAG: release.tag,
    OS: platform.os,
    ARCH: platform.arch,
    ASSET: asset.name,
  };
}

function isAbsoluteUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}

function perAssetName(name: string, asset: ReleaseAsset): boolean {
  return name === `${asset.name}.sha256` || name === `${asset.name}.sha256sum`;
}

/**
 * Finds where the asset's checksum is published: inline in a registry index; the configured
 * `download.checksum_file` (a name among the assets, an absolute URL, or — for direct URLs,
 * whose assets cannot be listed — a name beside the asset); else `<asset>.sha256`,
 * `<asset>.sha256sum`, the common names (`sha256sums.txt`, `SHA256SUMS`, `checksums.txt`…) and
 * any `*_checksums.txt` among the assets. Undefined when the release publishes none.
 * @throws UpkeepError CHECKSUM_NOT_FOUND when the configured file is not in the release.
 */
export function locateChecksum(
  release: Release,
  asset: ReleaseAsset,
  options: { readonly platform: HostPlatform; readonly download?: DownloadSpec },
): ChecksumLocation | undefined {
  if (asset.sha256 !== undefined) return { kind: 'inline', sha256: asset.sha256 };
  const byName = new Map(release.assets.map((a) => [a.name, a]));
  const configured = options.download?.checksumFile;
  if (configured !== undefined && configured !== '') {
    const name = expandTemplate(configured, templateValues(release, asset, options.platform), {
      field: 'download.checksum_file',
    });
    const perAsset = configured.includes('{ASSET}') || perAssetName(name, asset);
    const reason = `download.checksum_file "${configured}"`;
    if (isAbsoluteUrl(name)) {
      return {
        kind: 'file',
        name: new URL(name).pathname.split('/').at(-1) ?? name,
        url: name,
        perAsset,
        reason,
      };
    }
    const listed = byName.get(name);
    if (listed !== undefined) return { kind: 'file', name, url: listed.url, perAsset, reason };
    if (release.source === 'direct-url') {
      return { kind: 'file', name, url: new URL(name, asset.url).toString(), perAsset, reason };
    }
    throw new UpkeepError(
      'CHECKSUM_NOT_FOUND',
      `release ${shown(release.tag)} has no asset ${shown(name)} (download.checksum_file); its assets: ` +
        release.assets
          .map((a) => a.name)
          .slice(0, 12)
          .join(', '),
      {
        details: { tag: release.tag, checksum_file: name },
        hint: 'correct download.checksum_file, or remove it to let Upkeep look for a checksum file',
      },
    );
  }
  for (const name of [`${asset.name}.sha256`, `${asset.name}.sha256sum`]) {
    const listed = byName.get(name);
    if (listed !== undefined) {
      return {
        kind: 'file',
        name,
        url: listed.url,
        perAsset: true,
        reason: `${name} is published beside the asset`,
      };
    }
  }
  for (const name of COMMON_CHECKSUM_FILES) {
    const listed = byName.get(name);
    if (listed !== undefined) {
      return { kind: 'file', name, url: listed.url, perAsset: false, reason: `${name} is among the assets` };
    }
  }
  const like = release.assets
    .filter((a) => CHECKSUM_LIKE.test(a.name))
    .sort((a, b) => a.name.localeCompare(b.name));
  const found = like[0];
  return found === undefined
    ? undefined
    : {
        kind: 'file',
        name: found.name,
        url: found.url,
        perAsset: false,
        reason: `${found.name} is among the assets`,
      };
}

/** A checksum file through the cache: they do not change once published, so the TTL is `cache.max_age`. */
function checksumResource(
  component: string,
  location: Extract<ChecksumLocation, { kind: 'file' }>,
  ctx: SourceContext,
): CachedResource<ParsedChecksumFile> {
  const upstream = redactUrl(location.url);
  const { cache } = ctx.settings;
  const http = settingsHttpClient(ctx, `checksum file ${location.name}`);
  const parse = (text: string): ParsedChecksumFile => {
    const parsed = parseChecksumFile(text);
    if (parsed.entries.length === 0 && parsed.bare === undefined) {
      throw invalidResponse(upstream, `checksum file ${location.name} holds no SHA-256 lines`);
    }
    return parsed;
  };
  return {
    key: { component, key: `checksum:${location.url}` },
    ttlSeconds: cache.maxAgeSeconds,
    upstream,
    decode: (body) => parse(body),
    async load(validators): Promise<LoadResult<ParsedChecksumFile>> {
      const response = await http.request({
        url: location.url,
        headers: conditionalHeaders(validators),
        maxBytes: MAX_CHECKSUM_FILE_BYTES,
      });
      if (response.status === 304) return { status: 'not-modified' };
      const text = new TextDecoder().decode(response.body);
      return {
        status: 'modified',
        value: parse(text),
        body: text,
        validators: {
          etag: response.headers.get('etag'),
          lastModified: response.headers.get('last-modified'),
        },
      };
    },
  };
}

/**
 * The SHA-256 the asset must have: from the registry index, or read from the release's
 * checksum file and matched by exact file name.
 * @throws UpkeepError CHECKSUM_NOT_FOUND when the checksum file does not name the asset.
 */
export async function resolveChecksum(
  component: string,
  release: Release,
  asset: ReleaseAsset,
  options: { readonly platform: HostPlatform; readonly download?: DownloadSpec; readonly offline?: boolean },
  ctx: SourceContext,
): Promise<ChecksumResult> {
  const location = locateChecksum(release, asset, options);
  if (location === undefined) {
    return { sha256: null, reason: `release ${shown(release.tag)} publishes no checksum file` };
  }
  if (location.kind === 'inline') return { sha256: location.sha256, source: 'registry-index' };
  let parsed: ParsedChecksumFile;
  if (isLocalLocation(location.url)) {
    parsed = parseChecksumFile(
      new TextDecoder().decode(await readLocalFile(location.url, ctx.ports.fs, MAX_CHECKSUM_FILE_BYTES)),
    );
  } else {
    const resource = checksumResource(component, location, ctx);
    parsed = (await ctx.cache.read(resource, { offline: options.offline ?? ctx.settings.offline })).value;
  }
  const sha256 = checksumFor(parsed, asset.name, { name: location.name, perAsset: location.perAsset });
  return { sha256, source: 'checksum-file', file: location.name, url: location.url };
}
