import { parseTag, isPrereleaseVersion, MAX_TAG_LENGTH, type TagRules } from '@upkeep/versioning';
import { UpkeepError } from '@upkeep/errors';
import type { Release, ReleaseAsset, SourceKind } from '../model/release.ts';
import { shown } from './display.ts';

/** A release as a source read it, before the shared checks. */
export interface RawRelease {
  readonly tag: string;
  readonly published_at: string | null;
  readonly prerelease: boolean;
  readonly notes: string;
  readonly assets: readonly ReleaseAsset[];
}

/** What a source yields: releases plus one sentence for each entry it left out. */
export interface ReleaseBatch {
  readonly releases: readonly Release[];
  readonly warnings: readonly string[];
}

// Control characters (C0, DEL, C1) and bidi overrides that reorder what a terminal shows.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/u;
// git check-ref-format refuses these in tag names.
const GIT_REFUSED = /[\s~^:?*[\\]|\.\.|@\{|\/\/|\.lock$|\/$|^\/|\.$/;

/** Why a tag cannot be used (it ends up in paths, URLs and terminals), or undefined. */
export function unsafeTagReason(tag: string): string | undefined {
  if (tag === '') return 'empty tag';
  if (tag.length > MAX_TAG_LENGTH) return `tag longer than ${MAX_TAG_LENGTH} characters`;
  if (INVISIBLE.test(tag)) return 'tag contains control or invisible characters';
  if (GIT_REFUSED.test(tag)) return 'tag is not a valid git tag name';
  if (tag.startsWith('-')) return 'tag starts with "-"';
  return undefined;
}

/** Why an asset name cannot be a file name on disk, or undefined. */
export function unsafeAssetNameReason(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return 'not a file name';
  if (name.length > 255) return 'name longer than 255 characters';
  if (name.includes('/') || name.includes('\\')) return 'name contains a path separator';
  if (INVISIBLE.test(name)) return 'name contains control or invisible characters';
  if (name.startsWith('-')) return 'name starts with "-"';
  return undefined;
}

function assetUrlProblem(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (!['https:', 'http:', 'file:'].includes(parsed.protocol))
      return `URL scheme ${parsed.protocol} is not allowed`;
    return undefined;
  } catch {
    return 'URL is not absolute';
  }
}

function dateOrNull(value: string | null): string | null {
  if (value === null || !Number.isFinite(Date.parse(value))) return null;
  return new Date(value).toISOString();
}

/**
 * The checks every source shares: unusable tags and asset names are left out with a
 * warning, duplicate tags keep their first (newest) entry, versions are read under the
 * component's tag rules.
 */
export function normalizeReleases(
  raw: readonly RawRelease[],
  options: { readonly source: SourceKind; readonly tagRules?: TagRules | undefined },
): ReleaseBatch {
  const warnings: string[] = [];
  const releases: Release[] = [];
  const seen = new Set<string>();
  for (const entry of raw) {
    const tagProblem = unsafeTagReason(entry.tag);
    if (tagProblem !== undefined) {
      warnings.push(`skipped release with tag ${shown(entry.tag)}: ${tagProblem}`);
      continue;
    }
    if (seen.has(entry.tag)) {
      warnings.push(`tag ${shown(entry.tag)} is listed more than once; kept the first entry`);
      continue;
    }
    seen.add(entry.tag);
    const assets: ReleaseAsset[] = [];
    const names = new Set<string>();
    for (const asset of entry.assets) {
      const problem = unsafeAssetNameReason(asset.name) ?? assetUrlProblem(asset.url);
      if (problem !== undefined) {
        warnings.push(`release ${shown(entry.tag)}: skipped asset ${shown(asset.name)}: ${problem}`);
        continue;
      }
      if (names.has(asset.name)) {
        warnings.push(
          `release ${shown(entry.tag)}: asset ${shown(asset.name)} is listed twice; kept the first`,
        );
        continue;
      }
      names.add(asset.name);
      assets.push(asset);
    }
    const parsed = parseTag(entry.tag, options.tagRules ?? {});
    releases.push({
      tag: entry.tag,
      version: parsed.ok ? parsed.version.text : null,
      published_at: dateOrNull(entry.published_at),
      prerelease: entry.prerelease || (parsed.ok && isPrereleaseVersion(parsed.version)),
      notes: entry.notes,
      assets,
      source: options.source,
    });
  }
  return { releases, warnings };
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function isAsset(value: unknown): value is ReleaseAsset {
  if (typeof value !== 'object' || value === null) return false;
  const a = value as Record<string, unknown>;
  return (
    isString(a['name']) &&
    isString(a['url']) &&
    (a['size'] === null || typeof a['size'] === 'number') &&
    (a['sha256'] === undefined || isString(a['sha256'])) &&
    (a['signature_url'] === undefined || isString(a['signature_url']))
  );
}

function isRelease(value: unknown): value is Release {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    isString(r['tag']) &&
    (r['version'] === null || isString(r['version'])) &&
    (r['published_at'] === null || isString(r['published_at'])) &&
    typeof r['prerelease'] === 'boolean' &&
    isString(r['notes']) &&
    isString(r['source']) &&
    Array.isArray(r['assets']) &&
    r['assets'].every(isAsset)
  );
}

export function encodeReleaseBatch(batch: ReleaseBatch): string {
  return JSON.stringify(batch);
}

/** Reads a cached batch back; throws when the body is not one (an old format, a foreign row). */
export function decodeReleaseBatch(body: string): ReleaseBatch {
  const value: unknown = JSON.parse(body);
  if (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as Record<string, unknown>)['releases']) &&
    Array.isArray((value as Record<string, unknown>)['warnings'])
  ) {
    const batch = value as { releases: unknown[]; warnings: unknown[] };
    if (batch.releases.every(isRelease) && batch.warnings.every(isString)) {
      return { releases: batch.releases, warnings: batch.warnings };
    }
  }
  throw new UpkeepError('STATE_CORRUPT', 'cached release list is not in the expected format');
}
