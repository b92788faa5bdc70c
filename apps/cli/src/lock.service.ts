import { UpkeepError, isUpkeepError } from '@upkeep/errors';
import { LOCK_FILE_VERSION, type LockedArtifact, type LockedComponent, type LockFile } from '@upkeep/policy';
import { releaseDetails, type Freshness, type HostPlatform } from '@upkeep/sources';
import type { StrategyName } from '@upkeep/versioning';
import type { DiscoverySession, DiscoveryTarget } from './discovery-session.ts';
import { resolveLive } from './discovery.service.ts';

/**
 * What happened to one component's entry:
 * - `added`: it had none; `updated`: --update moved it; `unchanged`: it matches;
 * - `drift`: it differs from what the component resolves to now, and was kept (no --update);
 * - `removed`: --update dropped an entry of a component no longer in the config;
 * - `not-in-config`: such an entry, kept (no --update);
 * - `failed`: the component could not be resolved; its entry, if any, is kept.
 */
export type LockStatus = 'added' | 'updated' | 'unchanged' | 'drift' | 'removed' | 'not-in-config' | 'failed';

export interface LockOutcome {
  readonly component: string;
  readonly status: LockStatus;
  /** The entry before this run. */
  readonly locked: LockedComponent | null;
  /** What the component resolves to now (null when not resolved). */
  readonly resolved: {
    readonly version: string;
    readonly tag: string;
    readonly strategy: StrategyName;
  } | null;
  /** The entry after this run (null when there is none). */
  readonly entry: LockedComponent | null;
  readonly freshness: Freshness | null;
  readonly error?: UpkeepError;
}

/**
 * The strategy a lock entry is resolved with: the component's own, except `locked`, whose
 * version is what is being recorded: it takes its `constraint` as a range when it has one,
 * else the newest release its policy allows.
 */
function lockingStrategy(target: DiscoveryTarget): StrategyName {
  if (target.component.strategy !== 'locked') return target.component.strategy;
  return target.component.constraint === undefined ? 'latest' : 'range';
}

async function artifactsFor(
  session: DiscoverySession,
  target: DiscoveryTarget,
  tag: string,
  platforms: readonly HostPlatform[],
): Promise<LockedArtifact[]> {
  const artifacts: LockedArtifact[] = [];
  for (const platform of platforms) {
    const details = await releaseDetails(
      target.source,
      tag,
      { platform, download: target.sources.download, offline: target.offline },
      session.ctx,
    );
    if (details.checksum.sha256 === null) {
      throw new UpkeepError(
        'CHECKSUM_NOT_FOUND',
        `cannot lock ${target.name} ${details.tag}: ${details.asset.name} has no published SHA-256 (${details.checksum.reason})`,
        {
          details: { component: target.name, tag: details.tag, asset: details.asset.name },
          hint: "set download.checksum_file to the release's checksum file, or mirror the component (upkeep mirror) and lock from the mirror",
        },
      );
    }
    if (!artifacts.some((a) => a.name === details.asset.name)) {
      artifacts.push({ name: details.asset.name, url: details.asset.url, sha256: details.checksum.sha256 });
    }
  }
  return artifacts;
}

function sameEntry(a: LockedComponent, b: LockedComponent): boolean {
  return (
    a.version === b.version && a.tag === b.tag && JSON.stringify(a.artifacts) === JSON.stringify(b.artifacts)
  );
}

/**
 * One component of `upkeep lock`. Without `update` an existing entry is never changed:
 * a different resolution is reported as drift. Artifacts (name, URL, SHA-256 from the
 * checksum file or registry) are fetched only for entries being written.
 */
export async function lockComponent(
  session: DiscoverySession,
  name: string,
  options: {
    readonly existing: LockedComponent | undefined;
    readonly update: boolean;
    readonly platforms: readonly HostPlatform[] | undefined;
  },
): Promise<LockOutcome> {
  const locked = options.existing ?? null;
  try {
    const target = session.target(name);
    const strategy = lockingStrategy(target);
    const live = await resolveLive(session, target, { strategy });
    const r = live.resolution;
    const resolved = { version: r.version, tag: r.tag, strategy };
    const freshness = live.listing?.freshness ?? null;
    if (locked !== null && !options.update) {
      return {
        component: name,
        status: locked.version === r.version ? 'unchanged' : 'drift',
        locked,
        resolved,
        entry: locked,
        freshness,
      };
    }
    const entry: LockedComponent = {
      version: r.version,
      tag: r.tag,
      artifacts: await artifactsFor(session, target, r.tag, options.platforms ?? [target.platform]),
    };
    const status: LockStatus = locked === null ? 'added' : sameEntry(locked, entry) ? 'unchanged' : 'updated';
    return { component: name, status, locked, resolved, entry, freshness };
  } catch (error) {
    if (!isUpkeepError(error)) throw error;
    return {
      component: name,
      status: 'failed',
      locked,
      resolved: null,
      entry: locked,
      freshness: null,
      error,
    };
  }
}

/**
 * Locks the named components (default: all) in parallel, at most `settings.concurrency` at
 * once, and returns the new lock (or undefined when nothing changed) with every outcome.
 */
export async function lockAll(
  session: DiscoverySession,
  options: {
    readonly existing: LockFile | undefined;
    readonly names: readonly string[] | undefined;
    readonly update: boolean;
    readonly platforms: readonly HostPlatform[] | undefined;
    readonly now: Date;
    readonly progress: { started(name: string): void; finished(name: string): void };
  },
): Promise<{ lock: LockFile | undefined; outcomes: LockOutcome[] }> {
  const configured = Object.keys(session.config.components);
  const names = options.names === undefined ? configured : [...new Set(options.names)];
  // An unknown name is a typo: refuse before asking any upstream.
  for (const name of names) if (!configured.includes(name)) session.target(name);
  const existing = options.existing?.components ?? {};
  const outcomes = await Promise.all(
    names.map((name) =>
      session.ctx.limit(async () => {
        options.progress.started(name);
        try {
          return await lockComponent(session, name, {
            existing: Object.hasOwn(existing, name) ? existing[name] : undefined,
            update: options.update,
            platforms: options.platforms,
          });
        } finally {
          options.progress.finished(name);
        }
      }),
    ),
  );
  if (options.names === undefined) {
    for (const [name, entry] of Object.entries(existing)) {
      if (configured.includes(name)) continue;
      outcomes.push({
        component: name,
        status: options.update ? 'removed' : 'not-in-config',
        locked: entry,
        resolved: null,
        entry: options.update ? null : entry,
        freshness: null,
      });
    }
  }
  const entries = new Map(Object.entries(existing));
  for (const o of outcomes) {
    if (o.entry === null) entries.delete(o.component);
    else entries.set(o.component, o.entry);
  }
  const components: Record<string, LockedComponent> = Object.fromEntries(entries);
  const changed = outcomes.some((o) => ['added', 'updated', 'removed'].includes(o.status));
  return {
    lock: changed
      ? {
          lock_version: LOCK_FILE_VERSION,
          generated_at: options.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          components,
        }
      : undefined,
    outcomes,
  };
}
