import { dirname, join } from 'node:path';
import { UpkeepError, isUpkeepError } from '@upkeep/errors';
import { resolveInputFor, type LockFile } from '@upkeep/policy';
import type { Freshness, Release, ReleaseListing } from '@upkeep/sources';
import {
  parseConstraint,
  readCandidates,
  resolveVersion,
  satisfies,
  type Candidate,
  type ReleaseInput,
  type Resolution,
  type SkippedTag,
  type StrategyName,
} from '@upkeep/versioning';
import type { DiscoverySession, DiscoveryTarget } from './discovery-session.ts';

/** A release as the versioning rules read it: the tag is what parses. */
export function releaseInputs(releases: readonly Release[]): ReleaseInput[] {
  return releases.map((r) => ({ version: r.tag, published_at: r.published_at, prerelease: r.prerelease }));
}

/** One listed version (`upkeep versions`, `latest`, `check`). */
export interface VersionEntry {
  readonly version: string;
  readonly tag: string;
  readonly published_at: string | null;
  readonly prerelease: boolean;
}

function entryOf(candidate: Candidate): VersionEntry {
  return {
    version: candidate.version.text,
    tag: candidate.version.raw,
    published_at: candidate.publishedAt,
    prerelease: candidate.prerelease,
  };
}

/** `upkeep versions --json`. */
export interface VersionsView {
  readonly component: string;
  readonly source: Release['source'];
  readonly upstream: string;
  readonly include_prereleases: boolean;
  /** Newest first, one per version. */
  readonly releases: readonly VersionEntry[];
  /** Prereleases left out (without --include-prereleases). */
  readonly prereleases_hidden: number;
  /** Tags that are not versions under the component's tag rules, and duplicates. */
  readonly skipped: readonly SkippedTag[];
  readonly warnings: readonly string[];
  readonly freshness: Freshness;
}

/** Every release of a listing under the component's tag rules, newest first. */
export function versionsView(
  target: DiscoveryTarget,
  listing: ReleaseListing,
  includePrereleases: boolean,
): VersionsView {
  const { candidates, skippedTags } = readCandidates(
    releaseInputs(listing.releases),
    target.sources.tagRules,
  );
  const shown = candidates.filter((c) => includePrereleases || !c.prerelease);
  return {
    component: target.name,
    source: target.source.kind,
    upstream: listing.upstream,
    include_prereleases: includePrereleases,
    releases: shown.map(entryOf),
    prereleases_hidden: candidates.length - shown.length,
    skipped: skippedTags,
    warnings: listing.warnings,
    freshness: listing.freshness,
  };
}

/** `upkeep latest --json`. */
export interface LatestView extends VersionEntry {
  readonly component: string;
  readonly constraint: string | null;
  readonly freshness: Freshness;
}

/**
 * The newest release, optionally within a constraint; prereleases only when asked.
 * @throws UpkeepError INVALID_CONSTRAINT, NO_VERSION_RESOLVED.
 */
export function latestView(
  target: DiscoveryTarget,
  listing: ReleaseListing,
  options: { readonly constraint?: string | undefined; readonly includePrereleases: boolean },
): LatestView {
  const constraint = options.constraint === undefined ? undefined : parseConstraint(options.constraint);
  const { candidates } = readCandidates(releaseInputs(listing.releases), target.sources.tagRules);
  const found = candidates.find(
    (c) =>
      (options.includePrereleases || !c.prerelease) &&
      (constraint === undefined ||
        satisfies(c.version, constraint, { includePrerelease: options.includePrereleases })),
  );
  if (found === undefined) {
    const newest = candidates
      .slice(0, 5)
      .map((c) => c.version.text)
      .join(', ');
    throw new UpkeepError(
      'NO_VERSION_RESOLVED',
      `no release of ${target.name}${options.constraint === undefined ? '' : ` satisfies ${JSON.stringify(options.constraint)}`}${options.includePrereleases ? '' : ' (prereleases left out)'}`,
      {
        details: { component: target.name, constraint: options.constraint ?? null, newest },
        hint:
          newest === ''
            ? `upstream lists no versions; see upkeep versions ${target.name}`
            : `newest releases: ${newest}${options.includePrereleases ? '' : '; add --include-prereleases to consider prereleases'}`,
      },
    );
  }
  return {
    component: target.name,
    ...entryOf(found),
    constraint: options.constraint ?? null,
    freshness: listing.freshness,
  };
}

/** versions.lock beside versions.yaml, unless --lock names another. */
export function lockPathFor(configPath: string, lock: string | undefined): string {
  return lock ?? join(dirname(configPath), 'versions.lock');
}

/**
 * The version `locked` installs: the lock file's entry.
 * @throws UpkeepError LOCK_MISMATCH when the lock has none.
 */
export function lockedVersionOf(name: string, lock: LockFile | undefined, lockPath: string): string {
  const version = lock?.components[name]?.version;
  if (version === undefined) {
    throw new UpkeepError(
      'LOCK_MISMATCH',
      `${name} uses strategy "locked" but ${lockPath} has no entry for it`,
      {
        details: { component: name, lock: lockPath },
        hint: 'run `upkeep lock` to record the versions, or `upkeep lock --update` to change them',
      },
    );
  }
  return version;
}

/** A live resolution: what the strategy picks from the releases upstream lists now. */
export interface LiveResolution {
  readonly resolution: Resolution;
  /** Null when no list could be had and a pin or lock entry was trusted unverified. */
  readonly listing: ReleaseListing | null;
  readonly warnings: readonly string[];
}

/**
 * Resolves a component against its live release list. `pinned` and `locked` name their
 * version, so when no list can be had (offline without cache) the version is trusted
 * unverified, with a warning; the other strategies need the list and fail.
 * `strategy` overrides the component's (lock files resolve `locked` components as `latest`/`range`).
 */
export async function resolveLive(
  session: DiscoverySession,
  target: DiscoveryTarget,
  options: { readonly lockedVersion?: string | undefined; readonly strategy?: StrategyName | undefined },
): Promise<LiveResolution> {
  const strategy = options.strategy ?? target.component.strategy;
  let listing: ReleaseListing | null = null;
  const warnings: string[] = [];
  try {
    listing = await session.list(target);
  } catch (error) {
    const names = strategy === 'pinned' || strategy === 'locked';
    if (!names || !isUpkeepError(error) || error.code !== 'OFFLINE_NO_CACHE') throw error;
    warnings.push(
      `no release list for ${target.name} (${error.message}); the ${strategy === 'pinned' ? 'pinned' : 'locked'} version is taken unverified`,
    );
  }
  const input = resolveInputFor(session.config, session.environment, target.name, {
    releases: listing === null ? undefined : releaseInputs(listing.releases),
    lockedVersion: options.lockedVersion,
  });
  const resolution = resolveVersion({ ...input, strategy });
  return { resolution, listing, warnings: [...(listing?.warnings ?? []), ...warnings] };
}
