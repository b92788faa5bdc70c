import { UpkeepError } from '@upkeep/errors';
import { parseTag } from '@upkeep/versioning';
import { selectAsset, type AssetSelection } from '../assets/asset-selector.ts';
import { locateChecksum, resolveChecksum, type ChecksumResult } from '../assets/checksum-locator.ts';
import { locateSignature, type SignatureRef } from '../assets/signature-locator.ts';
import type { HostPlatform } from '../model/host-platform.ts';
import type { Freshness, Release } from '../model/release.ts';
import type { DownloadSpec } from '../model/source-spec.ts';
import { extractBreakingChanges } from '../notes/breaking-changes.ts';
import { shown } from '../sources/display.ts';
import type { ReleaseSource } from '../sources/release-source.ts';
import type { SourceContext } from '../sources/source-context.ts';

/** Everything needed to install one release on this host (`upkeep release --json`). */
export interface ReleaseDetails {
  readonly component: string;
  readonly tag: string;
  readonly version: string | null;
  readonly published_at: string | null;
  readonly prerelease: boolean;
  readonly notes: string;
  readonly breaking_changes: readonly string[];
  readonly asset: {
    readonly name: string;
    readonly url: string;
    readonly size: number | null;
    readonly matched_by: AssetSelection['matched_by'];
    readonly reason: string;
  };
  readonly checksum: ChecksumResult;
  readonly signature: SignatureRef | null;
  readonly freshness: Freshness;
}

/**
 * The release a version names: by normalised version (`1.7.0` finds tag `v1.7.0`) or by exact tag.
 * @throws UpkeepError UPSTREAM_NOT_FOUND naming the newest releases.
 */
export function findRelease(component: string, releases: readonly Release[], wanted: string): Release {
  const parsed = parseTag(wanted.trim());
  const found = releases.find(
    (r) => r.tag === wanted || (parsed.ok && r.version !== null && r.version === parsed.version.text),
  );
  if (found !== undefined) return found;
  const newest = releases
    .slice(0, 5)
    .map((r) => r.tag)
    .join(', ');
  throw new UpkeepError('UPSTREAM_NOT_FOUND', `${component} has no release ${shown(wanted)}`, {
    details: { component, version: wanted },
    hint:
      newest === ''
        ? 'upstream lists no releases'
        : `newest releases: ${newest}; see upkeep versions ${component}`,
  });
}

/**
 * The asset for this host, its SHA-256 and signature, and the notes of one release.
 * @throws UpkeepError UPSTREAM_NOT_FOUND, ASSET_NOT_FOUND or CHECKSUM_NOT_FOUND.
 */
export async function releaseDetails(
  source: ReleaseSource,
  version: string,
  options: { readonly platform: HostPlatform; readonly download?: DownloadSpec; readonly offline?: boolean },
  ctx: SourceContext,
): Promise<ReleaseDetails> {
  const listing = await source.listReleases(
    options.offline === undefined ? {} : { offline: options.offline },
  );
  const release = findRelease(source.component, listing.releases, version);
  const selection = selectAsset(release, {
    platform: options.platform,
    component: source.component,
    ...(options.download === undefined ? {} : { download: options.download }),
  });
  const checksum = await resolveChecksum(source.component, release, selection.asset, options, ctx);
  const signature = locateSignature(release, selection.asset, {
    ...options,
    checksum: locateChecksum(release, selection.asset, options),
  });
  return {
    component: source.component,
    tag: release.tag,
    version: release.version,
    published_at: release.published_at,
    prerelease: release.prerelease,
    notes: release.notes,
    breaking_changes: extractBreakingChanges(release.notes),
    asset: {
      name: selection.asset.name,
      url: selection.asset.url,
      size: selection.asset.size,
      matched_by: selection.matched_by,
      reason: selection.reason,
    },
    checksum,
    signature: signature ?? null,
    freshness: listing.freshness,
  };
}
