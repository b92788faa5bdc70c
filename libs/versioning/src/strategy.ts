import { UpkeepError } from '@upkeep/errors';
import { parseConstraint, satisfies, type Constraint } from './constraint.ts';
import {
  compareVersions,
  compileVersionPattern,
  isPrereleaseVersion,
  parseTag,
  parseVersion,
  precedenceKey,
  type TagRules,
  type Version,
} from './version.ts';

export const STRATEGIES = ['latest', 'pinned', 'lts', 'range', 'locked'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

/** A release as an upstream lists it (the shape of `upkeep resolve --releases`). */
export interface ReleaseInput {
  readonly version: string;
  readonly published_at?: string | null | undefined;
  readonly prerelease?: boolean | undefined;
}

/** A release whose tag parsed as a version. */
export interface Candidate {
  readonly version: Version;
  readonly publishedAt: string | null;
  /** Prerelease by its version text or flagged so upstream. */
  readonly prerelease: boolean;
}

export interface ExcludedVersion {
  readonly version: string;
  readonly reason: string;
}

/** Everything a strategy needs, already overlaid for one component and environment. */
export interface ResolveInput {
  readonly strategy: StrategyName;
  /**
   * The releases upstream lists. `undefined` means no list was consulted (an
   * offline host with a pin): `pinned` and `locked` then trust the version given.
   */
  readonly releases: readonly ReleaseInput[] | undefined;
  readonly tagRules?: TagRules | undefined;
  /** `pinned`: the exact version. */
  readonly version?: string | undefined;
  /** `lts`: the LTS lines, such as `["2.53", "3.5"]`. */
  readonly ltsSeries?: readonly string[] | undefined;
  /** `range`: the constraint. */
  readonly constraint?: string | undefined;
  /** `locked`: the version recorded in versions.lock. */
  readonly lockedVersion?: string | undefined;
  readonly minimumVersion?: string | undefined;
  readonly fallbackVersion?: string | undefined;
  readonly excludedVersions?: readonly ExcludedVersion[] | undefined;
  /** Default true. */
  readonly excludePrereleases?: boolean | undefined;
}

export interface PassedOver {
  readonly version: string;
  readonly reason: string;
}

export interface SkippedTag {
  readonly tag: string;
  readonly reason: string;
}

/** The strategy's choice and how it was reached. */
export interface Resolution {
  readonly version: string;
  readonly tag: string;
  readonly strategy: StrategyName;
  /** `fallback` when the strategy found nothing and `fallback_version` was used. */
  readonly source: 'strategy' | 'fallback';
  readonly publishedAt: string | null;
  readonly prerelease: boolean;
  /** Every release newer than the choice, newest first, with why it was not taken. */
  readonly passedOver: readonly PassedOver[];
  /** Tags that are not versions under the component's rules. */
  readonly skippedTags: readonly SkippedTag[];
  readonly explanation: readonly string[];
}

interface Policy {
  readonly excludePrereleases: boolean;
  readonly minimum: Version | undefined;
  readonly excluded: ReadonlyMap<string, string>;
}

/**
 * Reads the release list into unique candidates, newest first, and the tags skipped.
 * Tags that differ only in a `v` or in build metadata are one release: the first listed wins.
 * @throws UpkeepError CONFIG_INVALID when `tagRules.versionPattern` is not a regular expression.
 */
export function readCandidates(
  releases: readonly ReleaseInput[],
  tagRules: TagRules = {},
): { candidates: Candidate[]; skippedTags: SkippedTag[] } {
  // A bad pattern is a config error, not a reason to skip every tag one by one.
  if (tagRules.versionPattern !== undefined) compileVersionPattern(tagRules.versionPattern);
  const skippedTags: SkippedTag[] = [];
  const byVersion = new Map<string, Candidate>();
  for (const release of releases) {
    const parsed = parseTag(release.version, tagRules);
    if (!parsed.ok) {
      skippedTags.push({ tag: parsed.tag, reason: parsed.reason });
      continue;
    }
    const key = precedenceKey(parsed.version);
    const existing = byVersion.get(key);
    if (existing !== undefined) {
      skippedTags.push({ tag: release.version, reason: `duplicate of ${existing.version.raw}` });
      continue;
    }
    byVersion.set(key, {
      version: parsed.version,
      publishedAt: release.published_at ?? null,
      prerelease: release.prerelease === true || isPrereleaseVersion(parsed.version),
    });
  }
  const candidates = [...byVersion.values()].sort((a, b) => compareVersions(b.version, a.version));
  return { candidates, skippedTags };
}

function policyOf(input: ResolveInput): Policy {
  const excluded = new Map<string, string>();
  for (const entry of input.excludedVersions ?? []) {
    excluded.set(precedenceKey(parseVersion(entry.version, 'excluded version')), entry.reason);
  }
  return {
    excludePrereleases: input.excludePrereleases ?? true,
    minimum:
      input.minimumVersion === undefined ? undefined : parseVersion(input.minimumVersion, 'minimum_version'),
    excluded,
  };
}

/**
 * Why policy forbids a version whatever the strategy, or undefined when it allows it.
 * `explicit` versions (a pin, a lock entry, the fallback) were written by the operator:
 * `exclude_prereleases` filters what a strategy picks from a list, not what was named.
 */
function policyVeto(
  policy: Policy,
  version: Version,
  prerelease: boolean,
  explicit = false,
): string | undefined {
  const excludedReason = policy.excluded.get(precedenceKey(version));
  if (excludedReason !== undefined) return `excluded: ${excludedReason}`;
  if (policy.minimum !== undefined && compareVersions(version, policy.minimum) < 0) {
    return `below minimum_version ${policy.minimum.text}`;
  }
  if (prerelease && policy.excludePrereleases && !explicit) return 'prerelease (exclude_prereleases is on)';
  return undefined;
}

type Matcher = { describe: string; test: (c: Candidate) => string | undefined };

function lineOf(series: string): { major: number; minor: number; text: string } {
  const match = /^v?(\d+)\.(\d+)$/.exec(series.trim());
  if (match?.[1] === undefined || match[2] === undefined) {
    throw new UpkeepError(
      'INVALID_VERSION',
      `LTS series ${JSON.stringify(series)} is not a MAJOR.MINOR line`,
      {
        details: { value: series },
        hint: 'write lts_series entries as "2.53" or "3.5"',
      },
    );
  }
  return { major: Number(match[1]), minor: Number(match[2]), text: `${match[1]}.${match[2]}` };
}

function requireField(input: ResolveInput, value: string | undefined, field: string): string {
  if (value === undefined || value.trim() === '') {
    throw new UpkeepError('CONFIG_INVALID', `strategy "${input.strategy}" needs ${field}, and none is set`, {
      details: { strategy: input.strategy, field },
      hint: `set ${field} for the component, or choose another strategy`,
    });
  }
  return value;
}

function exactMatcher(wanted: Version, label: string): Matcher {
  return {
    describe: `${label} ${wanted.text}`,
    test: (c) => (compareVersions(c.version, wanted) === 0 ? undefined : `not the ${label} ${wanted.text}`),
  };
}

function matchersFor(input: ResolveInput, explanation: string[]): Matcher[] {
  switch (input.strategy) {
    case 'latest':
      return [{ describe: 'the newest release', test: () => undefined }];
    case 'pinned':
      return [
        exactMatcher(
          parseVersion(requireField(input, input.version, 'version'), 'pinned version'),
          'pinned version',
        ),
      ];
    case 'locked':
      return [
        exactMatcher(
          parseVersion(requireField(input, input.lockedVersion, 'a versions.lock entry'), 'locked version'),
          'locked version',
        ),
      ];
    case 'range': {
      const constraint: Constraint = parseConstraint(requireField(input, input.constraint, 'constraint'));
      const includePrerelease = !(input.excludePrereleases ?? true);
      return [
        {
          describe: `the newest release satisfying ${constraint.raw}`,
          test: (c) =>
            satisfies(c.version, constraint, { includePrerelease })
              ? undefined
              : `does not satisfy ${constraint.raw}`,
        },
      ];
    }
    case 'lts': {
      const series = input.ltsSeries ?? [];
      if (series.length === 0) {
        throw new UpkeepError('CONFIG_INVALID', 'strategy "lts" needs lts_series, and none is set', {
          hint: 'set lts_series, for example ["2.53", "3.5"]',
        });
      }
      const lines = series.map(lineOf).sort((a, b) => b.major - a.major || b.minor - a.minor);
      const names = lines.map((l) => l.text).join(', ');
      explanation.push(`LTS lines configured: ${names}`);
      // Newest configured line first; an older line is used only when the newer has no eligible release.
      return lines.map((line, index) => ({
        describe: `the newest patch of LTS line ${line.text}${index > 0 ? ' (newer lines have no eligible release)' : ''}`,
        test: (c: Candidate) => {
          const candidateLine = `${c.version.major}.${c.version.minor}`;
          if (candidateLine === line.text) return undefined;
          return lines.some((l) => l.text === candidateLine)
            ? `in LTS line ${candidateLine}, not the newest line ${line.text}`
            : `not in an LTS line (${names})`;
        },
      }));
    }
  }
}

/**
 * Picks the version a strategy selects from the releases, applying
 * `exclude_prereleases` (default on), `excluded_versions`, `minimum_version`
 * and, when nothing qualifies, `fallback_version`.
 * @throws UpkeepError NO_VERSION_RESOLVED with every candidate and why it was passed over.
 */
export function resolveVersion(input: ResolveInput): Resolution {
  const policy = policyOf(input);
  const explanation: string[] = [`strategy ${input.strategy}`];

  if (input.releases === undefined) return resolveUnlisted(input, policy, explanation);

  const { candidates, skippedTags } = readCandidates(input.releases, input.tagRules);
  if (skippedTags.length > 0) explanation.push(`${skippedTags.length} tag(s) skipped as not versions`);
  const matchers = matchersFor(input, explanation);
  const explicit = input.strategy === 'pinned' || input.strategy === 'locked';

  let chosen: { candidate: Candidate; matcher: Matcher } | undefined;
  for (const matcher of matchers) {
    const found = candidates.find(
      (c) =>
        matcher.test(c) === undefined && policyVeto(policy, c.version, c.prerelease, explicit) === undefined,
    );
    if (found !== undefined) {
      chosen = { candidate: found, matcher };
      break;
    }
  }
  const primary = matchers[0];
  // Every reason, not the first: "not the pinned version; excluded: memory leak" loses nothing.
  const reasonFor = (c: Candidate): string => {
    const reasons = [primary?.test(c), policyVeto(policy, c.version, c.prerelease, explicit)].filter(
      (r): r is string => r !== undefined,
    );
    return reasons.length > 0 ? reasons.join('; ') : 'not selected';
  };

  if (chosen !== undefined) {
    const selected = chosen.candidate;
    const passedOver = candidates
      .filter((c) => compareVersions(c.version, selected.version) > 0)
      .map((c) => ({ version: c.version.text, reason: reasonFor(c) }));
    explanation.push(`selected ${selected.version.text}: ${chosen.matcher.describe}`);
    if (passedOver.length > 0) explanation.push(`${passedOver.length} newer release(s) passed over`);
    return {
      version: selected.version.text,
      tag: selected.version.raw,
      strategy: input.strategy,
      source: 'strategy',
      publishedAt: selected.publishedAt,
      prerelease: selected.prerelease,
      passedOver,
      skippedTags,
      explanation,
    };
  }

  const passedOver = candidates.map((c) => ({ version: c.version.text, reason: reasonFor(c) }));
  explanation.push(`no release matched ${primary?.describe ?? input.strategy}`);
  return fallbackOrThrow(input, policy, explanation, passedOver, skippedTags, candidates);
}

function resolveUnlisted(input: ResolveInput, policy: Policy, explanation: string[]): Resolution {
  let wanted: string;
  switch (input.strategy) {
    case 'pinned':
      wanted = requireField(input, input.version, 'version');
      break;
    case 'locked':
      wanted = requireField(input, input.lockedVersion, 'a versions.lock entry');
      break;
    case 'latest':
    case 'lts':
    case 'range':
      explanation.push('no release list was consulted');
      return fallbackOrThrow(input, policy, explanation, [], [], []);
  }
  const version = parseVersion(wanted, `${input.strategy} version`);
  const veto = policyVeto(policy, version, isPrereleaseVersion(version), true);
  if (veto !== undefined) {
    explanation.push(`${input.strategy} version ${version.text} is not allowed: ${veto}`);
    return fallbackOrThrow(input, policy, explanation, [{ version: version.text, reason: veto }], [], []);
  }
  explanation.push(`selected ${version.text}: the ${input.strategy} version (no release list consulted)`);
  return {
    version: version.text,
    tag: version.raw,
    strategy: input.strategy,
    source: 'strategy',
    publishedAt: null,
    prerelease: isPrereleaseVersion(version),
    passedOver: [],
    skippedTags: [],
    explanation,
  };
}

function fallbackOrThrow(
  input: ResolveInput,
  policy: Policy,
  explanation: string[],
  passedOver: PassedOver[],
  skippedTags: SkippedTag[],
  candidates: readonly Candidate[],
): Resolution {
  if (input.fallbackVersion !== undefined) {
    const fallback = parseVersion(input.fallbackVersion, 'fallback_version');
    const known = candidates.find((c) => compareVersions(c.version, fallback) === 0);
    const veto = policyVeto(policy, fallback, known?.prerelease ?? isPrereleaseVersion(fallback), true);
    if (veto === undefined) {
      explanation.push(
        candidates.length > 0 && known === undefined
          ? `using fallback_version ${fallback.text} (not in the release list)`
          : `using fallback_version ${fallback.text}`,
      );
      return {
        version: fallback.text,
        tag: known?.version.raw ?? fallback.raw,
        strategy: input.strategy,
        source: 'fallback',
        publishedAt: known?.publishedAt ?? null,
        prerelease: known?.prerelease ?? isPrereleaseVersion(fallback),
        passedOver: passedOver.filter((p) => compareVersions(parseVersion(p.version), fallback) > 0),
        skippedTags,
        explanation,
      };
    }
    explanation.push(`fallback_version ${fallback.text} is not allowed either: ${veto}`);
  }
  throw new UpkeepError(
    'NO_VERSION_RESOLVED',
    `strategy "${input.strategy}" found no allowed version: ${explanation.slice(1).join('; ')}`,
    {
      details: { strategy: input.strategy, passedOver, skippedTags, explanation },
      hint: 'check the strategy settings, excluded_versions and minimum_version, or set fallback_version',
    },
  );
}

export function isStrategyName(value: string): value is StrategyName {
  return (STRATEGIES as readonly string[]).includes(value);
}
