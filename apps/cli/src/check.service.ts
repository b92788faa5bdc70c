import { UpkeepError, isUpkeepError } from '@upkeep/errors';
import {
  decideUpgrade,
  decisionInputFor,
  readOsvRecord,
  type LockFile,
  type OsvRecord,
  type UpgradeDecision,
} from '@upkeep/policy';
import { queryOsv, type Freshness } from '@upkeep/sources';
import { compareVersions, parseVersion, readCandidates, type StrategyName } from '@upkeep/versioning';
import { NOT_INSTALLED } from './commands/host-options.ts';
import type { DiscoverySession, DiscoveryTarget } from './discovery-session.ts';
import { lockedVersionOf, releaseInputs, resolveLive, type VersionEntry } from './discovery.service.ts';

/** Where the current version of a component was read. */
export type CurrentFrom = 'installed' | 'lock' | 'none';

/** What the advisory check consulted. */
export interface AdvisoryStatus {
  /** False when the component names no package, advisories are off, or none could be had. */
  readonly consulted: boolean;
  readonly records: number;
  readonly freshness: Freshness | null;
}

/** One component of `upkeep check --json`. */
export interface CheckedComponent {
  readonly component: string;
  readonly ok: true;
  readonly strategy: StrategyName;
  /** `version` for pinned, `constraint` for range, `lts_series` for lts, the lock entry for locked. */
  readonly pin: string | null;
  readonly current_version: string | null;
  readonly current_from: CurrentFrom;
  readonly target: {
    readonly version: string;
    readonly tag: string;
    readonly published_at: string | null;
    readonly source: 'strategy' | 'fallback';
  };
  /** The newest release upstream (prereleases as the component allows), or null without a list. */
  readonly newest: VersionEntry | null;
  /** The target differs from the current version. */
  readonly update_available: boolean;
  /** Upstream has a release newer than the target (held back by strategy or policy). */
  readonly newer_than_target: boolean;
  readonly decision: UpgradeDecision;
  readonly advisories: AdvisoryStatus;
  readonly freshness: Freshness | null;
  readonly warnings: readonly string[];
}

export interface FailedComponent {
  readonly component: string;
  readonly ok: false;
  readonly error: UpkeepError;
}

export type CheckOutcome = CheckedComponent | FailedComponent;

/** What `check` knows of the host. */
export interface CheckInputs {
  /** `--installed NAME=VERSION`. */
  readonly installed: Readonly<Record<string, string>>;
  readonly lock: LockFile | undefined;
  readonly lockPath: string;
  readonly now: Date;
}

function pinOf(target: DiscoveryTarget, lockedVersion: string | undefined): string | null {
  const c = target.component;
  switch (c.strategy) {
    case 'pinned':
      return c.version ?? null;
    case 'range':
      return c.constraint ?? null;
    case 'lts':
      return c.lts_series === undefined ? null : c.lts_series.join(', ');
    case 'locked':
      return lockedVersion ?? null;
    case 'latest':
      return null;
  }
}

async function advisoriesFor(
  session: DiscoverySession,
  target: DiscoveryTarget,
  warnings: string[],
): Promise<{ records: OsvRecord[] | undefined; status: AdvisoryStatus }> {
  const spec = target.sources.advisories;
  const none = { records: undefined, status: { consulted: false, records: 0, freshness: null } };
  if (spec === undefined || !session.global.advisories.enabled) return none;
  try {
    const listing = await queryOsv(target.name, spec, session.ctx, { offline: session.ctx.settings.offline });
    const records: OsvRecord[] = [];
    for (const raw of listing.records) {
      try {
        records.push(readOsvRecord(raw, `OSV ${raw.id}`));
      } catch (error) {
        warnings.push(`advisory ${raw.id} left out: ${(error as Error).message}`);
      }
    }
    return { records, status: { consulted: true, records: records.length, freshness: listing.freshness } };
  } catch (error) {
    if (!isUpkeepError(error)) throw error;
    // Advisories inform the decision; without them it says so rather than failing the check.
    warnings.push(`advisories for ${target.name} not consulted: ${error.message}`);
    return none;
  }
}

/**
 * One component of `upkeep check`: the current version (`--installed`, else the lock
 * file, else none), what its strategy resolves to from the live list, the newest release,
 * OSV advisories when the component names a package, and the upgrade decision.
 */
export async function checkComponent(
  session: DiscoverySession,
  name: string,
  inputs: CheckInputs,
): Promise<CheckedComponent> {
  const target = session.target(name);
  const lockEntry = inputs.lock?.components[name];
  const given = Object.hasOwn(inputs.installed, name) ? inputs.installed[name] : undefined;
  // `--installed name=none` says the component is not on this host, whatever the lock records.
  const installed = given === undefined ? undefined : NOT_INSTALLED.has(given.toLowerCase()) ? null : given;
  const current = installed === undefined ? (lockEntry?.version ?? null) : installed;
  const currentFrom: CurrentFrom =
    installed !== undefined ? 'installed' : lockEntry !== undefined ? 'lock' : 'none';
  if (current !== null) parseVersion(current, `current version of ${name}`);
  const lockedVersion =
    target.component.strategy === 'locked' ? lockedVersionOf(name, inputs.lock, inputs.lockPath) : undefined;

  const live = await resolveLive(session, target, { lockedVersion });
  const warnings = [...live.warnings];
  const { resolution, listing } = live;
  let newest: VersionEntry | null = null;
  if (listing !== null) {
    const { candidates } = readCandidates(releaseInputs(listing.releases), target.sources.tagRules);
    const allowPrereleases = !target.component.constraints.exclude_prereleases;
    const top = candidates.find((c) => allowPrereleases || !c.prerelease);
    if (top !== undefined) {
      newest = {
        version: top.version.text,
        tag: top.version.raw,
        published_at: top.publishedAt,
        prerelease: top.prerelease,
      };
    }
  }
  const advisories = await advisoriesFor(session, target, warnings);

  // Every component's current version, so compatible_with and sync_version_with see the host.
  const installedVersions = new Map<string, string>();
  for (const [other, entry] of Object.entries(inputs.lock?.components ?? {}))
    installedVersions.set(other, entry.version);
  for (const [other, version] of Object.entries(inputs.installed)) {
    if (NOT_INSTALLED.has(version.toLowerCase())) installedVersions.delete(other);
    else installedVersions.set(other, version);
  }

  const decision = decideUpgrade(
    decisionInputFor(session.config, {
      environment: session.environment,
      component: name,
      currentVersion: current,
      targetVersion: resolution.version,
      installedVersions: Object.fromEntries(installedVersions),
      advisories: advisories.records,
      releaseNotes: listing?.releases
        .filter((r) => r.version !== null)
        .map((r) => ({ version: r.version ?? r.tag, body: r.notes })),
      knownVersions: listing?.releases.map((r) => r.tag),
      targetPublishedAt: resolution.publishedAt,
      now: inputs.now,
    }),
  );
  return {
    component: name,
    ok: true,
    strategy: target.component.strategy,
    pin: pinOf(target, lockedVersion),
    current_version: current,
    current_from: currentFrom,
    target: {
      version: resolution.version,
      tag: resolution.tag,
      published_at: resolution.publishedAt,
      source: resolution.source,
    },
    newest,
    update_available:
      current === null || compareVersions(parseVersion(current), parseVersion(resolution.version)) !== 0,
    newer_than_target:
      newest !== null && compareVersions(parseVersion(newest.version), parseVersion(resolution.version)) > 0,
    decision,
    advisories: advisories.status,
    freshness: listing?.freshness ?? null,
    warnings,
  };
}

/** Checks every component, at most `settings.concurrency` at once; one failure does not stop the others. */
export function checkAll(
  session: DiscoverySession,
  names: readonly string[],
  inputs: CheckInputs,
  progress: { started(name: string): void; finished(name: string): void },
): Promise<CheckOutcome[]> {
  return Promise.all(
    names.map((name) =>
      session.ctx.limit(async (): Promise<CheckOutcome> => {
        progress.started(name);
        try {
          return await checkComponent(session, name, inputs);
        } catch (error) {
          // Anything but an UpkeepError is a bug: it stops the run and is reported with an error id.
          if (!isUpkeepError(error)) throw error;
          return { component: name, ok: false, error };
        } finally {
          progress.finished(name);
        }
      }),
    ),
  );
}
