import semver from 'semver';
import { UpkeepError } from '@upkeep/errors';

/** A parsed release version. `raw` is the text it came from (a tag such as `v1.7.0`). */
export interface Version {
  readonly raw: string;
  /** Normalised semver text without a `v`: `1.7.0`, `2.9.3-rc.1+build.5`. */
  readonly text: string;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: readonly (string | number)[];
  readonly build: readonly string[];
}

/** Rules a component gives for which of its tags count as releases. */
export interface TagRules {
  /**
   * A regular expression the tag must match (the seed's `version_pattern`), tested
   * against the full tag, prefix included. Anchor it (`^...$`) to match the whole tag.
   */
  readonly versionPattern?: string | undefined;
  /** A prefix stripped before parsing (`helm-loki-`, `promtail-`); tags without it are skipped. */
  readonly tagPrefix?: string | undefined;
}

export type TagParseResult =
  | { readonly ok: true; readonly version: Version }
  | { readonly ok: false; readonly tag: string; readonly reason: string };

/** Longest tag we try to read; longer text is not a version and may be hostile. */
export const MAX_TAG_LENGTH = 256;

const STRICT_VERSION = /^[vV]?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$/;

/** Longest `version_pattern` we compile; a pattern is config, not data, and this is generous. */
export const MAX_VERSION_PATTERN_LENGTH = 1024;

const compiledPatterns = new Map<string, RegExp>();

/**
 * Compiles a `version_pattern` once (tags are tested by the thousand).
 * @throws UpkeepError CONFIG_INVALID naming the pattern and the regex engine's complaint.
 */
export function compileVersionPattern(pattern: string): RegExp {
  const cached = compiledPatterns.get(pattern);
  if (cached !== undefined) return cached;
  let problem: string | undefined;
  let compiled: RegExp | undefined;
  if (pattern.length > MAX_VERSION_PATTERN_LENGTH) {
    problem = `longer than ${MAX_VERSION_PATTERN_LENGTH} characters`;
  } else {
    try {
      compiled = new RegExp(pattern);
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
  }
  if (compiled === undefined) {
    throw new UpkeepError(
      'CONFIG_INVALID',
      `version_pattern ${describe(pattern)} is not a valid regular expression: ${problem ?? 'unknown error'}`,
      {
        details: { value: pattern.slice(0, 200) },
        hint: 'write a JavaScript regular expression such as "^v?[0-9]+\\.[0-9]+\\.[0-9]+$"',
      },
    );
  }
  // A handful of patterns per config: the cache stays tiny, but bound it anyway.
  if (compiledPatterns.size >= 256) compiledPatterns.clear();
  compiledPatterns.set(pattern, compiled);
  return compiled;
}

function toVersion(raw: string, parsed: semver.SemVer): Version {
  const build = parsed.build.length > 0 ? `+${parsed.build.join('.')}` : '';
  return {
    raw,
    text: `${parsed.version}${build}`,
    major: parsed.major,
    minor: parsed.minor,
    patch: parsed.patch,
    prerelease: parsed.prerelease,
    build: parsed.build,
  };
}

function describe(text: string): string {
  const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return JSON.stringify(shown);
}

/**
 * Reads a release tag as a version, or says why it is not one. Never throws:
 * upstreams publish tags like `latest`, `helm-loki-5.0.0` or `weekly-k123`
 * next to real releases, and those are skipped, not fatal.
 */
export function parseTag(tag: string, rules: TagRules = {}): TagParseResult {
  if (tag.length === 0) return { ok: false, tag, reason: 'empty tag' };
  if (tag.length > MAX_TAG_LENGTH) {
    return { ok: false, tag: tag.slice(0, 60), reason: `tag longer than ${MAX_TAG_LENGTH} characters` };
  }
  if (rules.versionPattern !== undefined) {
    let pattern: RegExp;
    try {
      pattern = compileVersionPattern(rules.versionPattern);
    } catch (error) {
      return { ok: false, tag, reason: error instanceof Error ? error.message : String(error) };
    }
    if (!pattern.test(tag)) {
      return { ok: false, tag, reason: `does not match version_pattern ${rules.versionPattern}` };
    }
  }
  let candidate = tag;
  if (rules.tagPrefix !== undefined && rules.tagPrefix !== '') {
    if (!tag.startsWith(rules.tagPrefix)) {
      return { ok: false, tag, reason: `does not start with tag prefix ${JSON.stringify(rules.tagPrefix)}` };
    }
    candidate = tag.slice(rules.tagPrefix.length);
  }
  const match = STRICT_VERSION.exec(candidate);
  const parsed = match?.[1] === undefined ? null : semver.parse(match[1]);
  if (parsed === null) {
    return {
      ok: false,
      tag,
      reason: `${describe(tag)} is not a semantic version (expected 1.2.3 or v1.2.3)`,
    };
  }
  return { ok: true, version: toVersion(tag, parsed) };
}

/**
 * Parses a version an operator wrote (`1.7.0`, `v1.7.0`, `2.9.3-rc.1`).
 * @throws UpkeepError INVALID_VERSION naming the value.
 */
export function parseVersion(input: string, what = 'version'): Version {
  const result = parseTag(input.trim());
  if (!result.ok) {
    throw new UpkeepError(
      'INVALID_VERSION',
      `${what} ${describe(input)} is not a valid version: ${result.reason}`,
      {
        details: { value: input },
        hint: 'write a semantic version such as 1.7.0, v1.7.0 or 2.9.3-rc.1',
      },
    );
  }
  return result.version;
}

/** Whether the text parses as a version (for validation messages). */
export function isValidVersion(input: string): boolean {
  return parseTag(input.trim()).ok;
}

/** Orders two versions by semver precedence (build metadata ignored): -1, 0 or 1. */
export function compareVersions(a: Version, b: Version): -1 | 0 | 1 {
  return semver.compare(a.text, b.text);
}

/** Sorts versions oldest first (or newest first with `'desc'`), without mutating the input. */
export function sortVersions<T extends Version>(versions: readonly T[], order: 'asc' | 'desc' = 'asc'): T[] {
  const sorted = [...versions].sort(compareVersions);
  return order === 'asc' ? sorted : sorted.reverse();
}

/**
 * The version without build metadata (`1.7.0+build.5` -> `1.7.0`): two versions
 * with the same key have the same precedence and are the same release.
 */
export function precedenceKey(version: Version): string {
  const plus = version.text.indexOf('+');
  return plus === -1 ? version.text : version.text.slice(0, plus);
}

export function isPrereleaseVersion(version: Version): boolean {
  return version.prerelease.length > 0;
}

export function versionsEqual(a: Version, b: Version): boolean {
  return compareVersions(a, b) === 0;
}
