import { UpkeepError } from '@upkeep/errors';
import { compareVersions, parseTag, parseVersion, type TagRules, type Version } from '@upkeep/versioning';
import type { Release } from '../model/release.ts';
import { extractBreakingChanges } from './breaking-changes.ts';

export interface ChangelogEntry {
  readonly version: string;
  readonly tag: string;
  readonly published_at: string | null;
  readonly prerelease: boolean;
  readonly notes: string;
  readonly breaking_changes: readonly string[];
}

/** The notes between two versions, oldest first, with breaking changes pulled out for the decision engine. */
export interface Changelog {
  readonly from: string;
  readonly to: string;
  readonly direction: 'upgrade' | 'downgrade' | 'same';
  readonly entries: readonly ChangelogEntry[];
  readonly breaking_changes: readonly { readonly version: string; readonly text: string }[];
}

/**
 * The releases after `from` up to and including `to` (for a downgrade, those being left:
 * after `to` up to `from`), oldest first. Prereleases in between are left out unless
 * `includePrereleases`; an endpoint is always kept.
 * @throws UpkeepError INVALID_VERSION for an unreadable endpoint.
 */
export function changelogBetween(
  releases: readonly Release[],
  fromText: string,
  toText: string,
  options: { readonly tagRules?: TagRules; readonly includePrereleases?: boolean } = {},
): Changelog {
  const from = parseVersion(fromText, 'from version');
  const to = parseVersion(toText, 'to version');
  const order = compareVersions(from, to);
  const [low, high] = order <= 0 ? [from, to] : [to, from];
  const byVersion = new Map<string, { release: Release; version: Version }>();
  for (const release of releases) {
    const parsed = parseTag(release.tag, options.tagRules ?? {});
    if (!parsed.ok || byVersion.has(parsed.version.text)) continue;
    byVersion.set(parsed.version.text, { release, version: parsed.version });
  }
  if (!byVersion.has(high.text)) {
    throw new UpkeepError('UPSTREAM_NOT_FOUND', `no release ${high.text} is listed`, {
      details: { version: high.text },
      hint: 'list the versions with `upkeep versions <component>`',
    });
  }
  const entries = [...byVersion.values()]
    .filter(({ version }) => compareVersions(version, low) > 0 && compareVersions(version, high) <= 0)
    .filter(
      ({ version, release }) =>
        options.includePrereleases === true || !release.prerelease || compareVersions(version, high) === 0,
    )
    .sort((a, b) => compareVersions(a.version, b.version))
    .map(({ release, version }): ChangelogEntry => ({
      version: version.text,
      tag: release.tag,
      published_at: release.published_at,
      prerelease: release.prerelease,
      notes: release.notes,
      breaking_changes: extractBreakingChanges(release.notes),
    }));
  return {
    from: from.text,
    to: to.text,
    direction: order < 0 ? 'upgrade' : order > 0 ? 'downgrade' : 'same',
    entries,
    breaking_changes: entries.flatMap((e) =>
      e.breaking_changes.map((text) => ({ version: e.version, text })),
    ),
  };
}

/** The changelog as Markdown text (the seed's `get_changelog` output). */
export function renderChangelog(changelog: Changelog, component: string): string {
  const lines = [`# ${component} ${changelog.from} → ${changelog.to}`, ''];
  if (changelog.breaking_changes.length > 0) {
    lines.push('## Breaking changes', '');
    for (const b of changelog.breaking_changes) lines.push(`- ${b.version}: ${b.text}`);
    lines.push('');
  }
  for (const entry of [...changelog.entries].reverse()) {
    lines.push(
      `## ${entry.tag}${entry.published_at === null ? '' : ` (${entry.published_at.slice(0, 10)})`}`,
      '',
    );
    lines.push(entry.notes.trim() === '' ? '_No release notes._' : entry.notes.trim(), '');
  }
  if (changelog.entries.length === 0) lines.push('_No releases in between._', '');
  return lines.join('\n');
}
