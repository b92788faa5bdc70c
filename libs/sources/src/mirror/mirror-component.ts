import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UpkeepError, isUpkeepError } from '@upkeep/errors';
import { compareVersions, parseTag } from '@upkeep/versioning';
import { selectAsset } from '../assets/asset-selector.ts';
import { locateChecksum, resolveChecksum } from '../assets/checksum-locator.ts';
import { locateSignature } from '../assets/signature-locator.ts';
import { findRelease } from '../discovery/release-details.ts';
import type { HostPlatform } from '../model/host-platform.ts';
import type { Release, ReleaseAsset } from '../model/release.ts';
import type { DownloadSpec } from '../model/source-spec.ts';
import {
  parseRegistryIndex,
  REGISTRY_INDEX_FILE,
  REGISTRY_INDEX_SCHEMA,
  type RegistryAsset,
  type RegistryIndex,
  type RegistryRelease,
} from '../sources/registry-index.ts';
import type { ReleaseSource } from '../sources/release-source.ts';
import type { SourceContext } from '../sources/source-context.ts';
import { downloadArtifact, hashFile } from './artifact-download.ts';

export interface MirrorOptions {
  readonly source: ReleaseSource;
  /** Root directory; the component's registry goes to `<to>/<component>/`. */
  readonly to: string;
  /** Releases to mirror by version or tag; default all (see `latest`, `includePrereleases`). */
  readonly versions?: readonly string[];
  /** Only the N newest releases (after the prerelease filter). */
  readonly latest?: number;
  /** Default false. */
  readonly includePrereleases?: boolean;
  /**
   * With `download`, only each platform's asset (by `archive_pattern` or the name fallback),
   * its checksum file and signature are mirrored; without, every asset of each release.
   */
  readonly platforms?: readonly HostPlatform[];
  readonly download?: DownloadSpec;
  readonly offline?: boolean;
}

export interface MirroredAsset {
  readonly name: string;
  readonly sha256: string;
  readonly size: number;
  /** What the bytes were checked against before they were kept. */
  readonly verified_by: 'registry-index' | 'checksum-file' | 'none';
  /** Already in the mirror with the same hash: not downloaded again. */
  readonly reused: boolean;
}

export interface MirrorReport {
  readonly component: string;
  readonly directory: string;
  /** The `registry.url` to configure at the offline site (before copying: adjust the path). */
  readonly registry_url: string;
  readonly releases: readonly { readonly tag: string; readonly assets: readonly MirroredAsset[] }[];
  readonly skipped: readonly { readonly tag: string; readonly reason: string }[];
}

const DEFAULT_MAX_MB = 2048;
const DOWNLOAD_TIMEOUT_MS = 30 * 60 * 1000;
const SIGNATURE = /\.(asc|sig|gpg|minisig)$/i;
const SUMS = /\.(sha256|sha256sum|sha512|sha512sum)$/i;

/** A directory name for a tag: tags may hold `/`, directory names may not. */
function directoryFor(tag: string): string {
  return tag.replace(/[^A-Za-z0-9._+-]/g, '_');
}

function chooseReleases(releases: readonly Release[], options: MirrorOptions): Release[] {
  if (options.versions !== undefined && options.versions.length > 0) {
    return options.versions.map((v) => findRelease(options.source.component, releases, v));
  }
  const eligible = releases.filter(
    (r) => r.version !== null && (options.includePrereleases === true || !r.prerelease),
  );
  return options.latest === undefined ? eligible : eligible.slice(0, Math.max(0, options.latest));
}

/** The assets to copy for one release: everything, or per platform the installable asset with its checksum and signature. */
function chooseAssets(release: Release, options: MirrorOptions): ReleaseAsset[] {
  if (options.download === undefined || options.platforms === undefined) return [...release.assets];
  const download = options.download;
  const wanted = new Map<string, ReleaseAsset>();
  for (const platform of options.platforms) {
    const { asset } = selectAsset(release, { platform, download, component: options.source.component });
    wanted.set(asset.name, asset);
    const checksum = locateChecksum(release, asset, { platform, download });
    const byName = new Map(release.assets.map((a) => [a.name, a]));
    if (checksum?.kind === 'file') {
      const listed = byName.get(checksum.name);
      if (listed !== undefined) wanted.set(listed.name, listed);
    }
    const signature = locateSignature(release, asset, { platform, download, checksum });
    const listed = signature === undefined ? undefined : byName.get(signature.name);
    if (listed !== undefined) wanted.set(listed.name, listed);
  }
  return [...wanted.values()];
}

/** Checksum files and signatures: published to vouch for the others, so not checked against themselves. */
function sidecarNames(
  release: Release,
  assets: readonly ReleaseAsset[],
  platform: HostPlatform,
  download: DownloadSpec | undefined,
): Set<string> {
  const names = new Set(assets.filter((a) => SIGNATURE.test(a.name) || SUMS.test(a.name)).map((a) => a.name));
  for (const asset of assets) {
    try {
      const location = locateChecksum(release, asset, {
        platform,
        ...(download === undefined ? {} : { download }),
      });
      if (location?.kind === 'file') names.add(location.name);
    } catch (error) {
      if (!isUpkeepError(error) || error.code !== 'CHECKSUM_NOT_FOUND') throw error;
    }
  }
  return names;
}

async function readExisting(
  indexPath: string,
  component: string,
  ctx: SourceContext,
): Promise<RegistryIndex | undefined> {
  if ((await ctx.ports.fs.stat(indexPath)) === undefined) return undefined;
  const text = new TextDecoder().decode(await ctx.ports.fs.readFile(indexPath));
  try {
    parseRegistryIndex(text, {
      indexUrl: pathToFileURL(indexPath).toString(),
      component,
      upstream: indexPath,
    });
  } catch (error) {
    throw new UpkeepError('STATE_CORRUPT', `the existing mirror index ${indexPath} is not valid`, {
      details: { path: indexPath },
      hint: 'move it away and mirror again',
      cause: error,
    });
  }
  return JSON.parse(text) as RegistryIndex;
}

function sortReleases(releases: RegistryRelease[]): RegistryRelease[] {
  return releases.sort((a, b) => {
    const va = parseTag(a.version);
    const vb = parseTag(b.version);
    if (va.ok && vb.ok) return compareVersions(vb.version, va.version);
    if (va.ok !== vb.ok) return va.ok ? -1 : 1;
    return a.version.localeCompare(b.version);
  });
}

/**
 * Writes a custom-registry mirror of a component (see `registry-index.ts`) from any source,
 * so an offline site is fed by copying one folder: `<to>/<component>/index.json` and
 * `<to>/<component>/<tag>/<asset>`. Each asset is checked against its published SHA-256
 * (registry hash or checksum file) before it is kept; files already mirrored with the same
 * hash are not downloaded again; releases mirrored earlier stay in the index. The index is
 * written last, atomically, so an interrupted mirror leaves the previous index intact.
 * @throws UpkeepError CHECKSUM_MISMATCH (nothing of that asset is written), DOWNLOAD_FAILED, ASSET_NOT_FOUND.
 */
export async function mirrorComponent(options: MirrorOptions, ctx: SourceContext): Promise<MirrorReport> {
  const { fs, fetch, clock } = ctx.ports;
  const component = options.source.component;
  const directory = join(options.to, component);
  const indexPath = join(directory, REGISTRY_INDEX_FILE);
  const listing = await options.source.listReleases(
    options.offline === undefined ? {} : { offline: options.offline },
  );
  const releases = chooseReleases(listing.releases, options);
  await fs.mkdirp(directory);
  const existing = await readExisting(indexPath, component, ctx);
  const maxBytes = (options.download?.maxSizeMb ?? DEFAULT_MAX_MB) * 1024 * 1024;
  const platform = options.platforms?.[0] ?? ctx.platforms[0] ?? { os: 'linux', arch: 'amd64' };

  const mirrored: RegistryRelease[] = [];
  const report: { tag: string; assets: MirroredAsset[] }[] = [];
  const skipped: { tag: string; reason: string }[] = [];
  for (const release of releases) {
    let assets: ReleaseAsset[];
    try {
      assets = chooseAssets(release, options);
    } catch (error) {
      if (!isUpkeepError(error) || error.code !== 'ASSET_NOT_FOUND') throw error;
      skipped.push({ tag: release.tag, reason: error.message });
      continue;
    }
    const folder = directoryFor(release.tag);
    await fs.mkdirp(join(directory, folder));
    const entries: RegistryAsset[] = [];
    const done: MirroredAsset[] = [];
    const names = new Set(assets.map((a) => a.name));
    const sidecars = sidecarNames(release, assets, platform, options.download);
    for (const asset of assets) {
      let expected: string | undefined = asset.sha256;
      let verifiedBy: MirroredAsset['verified_by'] = expected === undefined ? 'none' : 'registry-index';
      if (expected === undefined && !sidecars.has(asset.name)) {
        try {
          const checksum = await resolveChecksum(
            component,
            release,
            asset,
            {
              platform,
              ...(options.download === undefined ? {} : { download: options.download }),
              ...(options.offline === undefined ? {} : { offline: options.offline }),
            },
            ctx,
          );
          if (checksum.sha256 !== null) {
            expected = checksum.sha256;
            verifiedBy = 'checksum-file';
          }
        } catch (error) {
          // A checksum file that does not cover every asset (SBOMs, packages) leaves those unverified.
          if (!isUpkeepError(error) || error.code !== 'CHECKSUM_NOT_FOUND') throw error;
        }
      }
      const target = join(directory, folder, asset.name);
      const present = await hashFile(target, fs);
      let result: { sha256: string; size: number };
      let reused = false;
      if (
        present !== undefined &&
        (expected === undefined ? present.size === asset.size : present.sha256 === expected)
      ) {
        result = present;
        reused = true;
      } else {
        result = await downloadArtifact(
          asset.url,
          target,
          { expectedSha256: expected, maxBytes, timeoutMs: DOWNLOAD_TIMEOUT_MS },
          { fetch, fs },
        );
      }
      const signatureName = [`${asset.name}.asc`, `${asset.name}.sig`].find((n) => names.has(n));
      entries.push({
        name: asset.name,
        url: `${encodeURIComponent(folder)}/${encodeURIComponent(asset.name)}`,
        size: result.size,
        sha256: result.sha256,
        ...(signatureName === undefined
          ? {}
          : { signature: `${encodeURIComponent(folder)}/${encodeURIComponent(signatureName)}` }),
      });
      done.push({
        name: asset.name,
        sha256: result.sha256,
        size: result.size,
        verified_by: verifiedBy,
        reused,
      });
    }
    mirrored.push({
      version: release.tag,
      published_at: release.published_at,
      prerelease: release.prerelease,
      notes: release.notes,
      assets: entries,
    });
    report.push({ tag: release.tag, assets: done });
  }

  const fresh = new Set(mirrored.map((r) => r.version));
  const kept = (existing?.releases ?? []).filter((r) => !fresh.has(r.version));
  const index: RegistryIndex = {
    schema: REGISTRY_INDEX_SCHEMA,
    component,
    generated_at: new Date(clock.now()).toISOString(),
    releases: sortReleases([...mirrored, ...kept]),
  };
  await fs.writeFileAtomic(indexPath, `${JSON.stringify(index, null, 2)}\n`);
  return {
    component,
    directory,
    registry_url: pathToFileURL(directory).toString(),
    releases: report,
    skipped,
  };
}
