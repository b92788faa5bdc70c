import { parseTag, sortVersions, type TagRules, type Version } from '@upkeep/versioning';
import { templateMatcher } from '../assets/template.ts';
import { asRecord, invalidResponse, parseJsonBody } from './json-body.ts';

/** One entry of a direct-URL versions list. */
export interface ListedVersion {
  /** As listed (becomes the release tag). */
  readonly tag: string;
  readonly published_at: string | null;
  readonly prerelease: boolean;
  readonly notes: string;
}

/**
 * Reads the JSON versions document of a direct-URL source. Two shapes are accepted:
 *
 *   ["1.8.0", "1.7.0"]
 *
 *   { "versions": [ "1.8.0",
 *                   { "version": "1.7.0", "published_at": "2024-01-15T00:00:00Z",
 *                     "prerelease": false, "notes": "..." } ] }
 *
 * Order is kept (newest first is expected); repeated versions keep their first entry.
 * @throws UpkeepError UPSTREAM_INVALID_RESPONSE for any other shape.
 */
export function parseVersionsDocument(body: Uint8Array | string, upstream: string): ListedVersion[] {
  const data = parseJsonBody(body, upstream, 'versions document');
  const list = Array.isArray(data) ? data : asRecord(data)?.['versions'];
  if (!Array.isArray(list)) {
    throw invalidResponse(
      upstream,
      'versions document is neither a JSON array nor an object with a "versions" array',
    );
  }
  const seen = new Set<string>();
  const out: ListedVersion[] = [];
  list.forEach((item: unknown, index) => {
    const entry = typeof item === 'string' ? { version: item } : asRecord(item);
    const version = entry?.['version'];
    if (entry === undefined || typeof version !== 'string' || version.trim() === '') {
      throw invalidResponse(upstream, `versions document entry ${index + 1} has no "version" string`);
    }
    const published = entry['published_at'];
    const notes = entry['notes'];
    if (
      (published !== undefined && published !== null && typeof published !== 'string') ||
      (entry['prerelease'] !== undefined && typeof entry['prerelease'] !== 'boolean') ||
      (notes !== undefined && typeof notes !== 'string')
    ) {
      throw invalidResponse(upstream, `versions document entry ${index + 1} has a field of the wrong type`);
    }
    const tag = version.trim();
    if (seen.has(tag)) return;
    seen.add(tag);
    out.push({
      tag,
      published_at: typeof published === 'string' ? published : null,
      prerelease: entry['prerelease'] === true,
      notes: typeof notes === 'string' ? notes : '',
    });
  });
  return out;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (match, body: string) => {
    if (body.startsWith('#x') || body.startsWith('#X'))
      return String.fromCodePoint(parseInt(body.slice(2), 16));
    if (body.startsWith('#')) return String.fromCodePoint(parseInt(body.slice(1), 10));
    return ENTITIES[body.toLowerCase()] ?? match;
  });
}

function lastSegment(href: string, base: string): string | undefined {
  try {
    const url = new URL(href, base);
    const segments = url.pathname.split('/').filter((s) => s !== '');
    const last = segments.at(-1);
    return last === undefined ? undefined : decodeURIComponent(last);
  } catch {
    return undefined;
  }
}

/**
 * Reads versions from an HTML index page (a directory listing or a downloads page). Each
 * link's last path segment is matched against the URL template's file name (capturing
 * `{VERSION}`), and otherwise read as a version itself (`1.7.0/`, `v1.7.0`, or with the
 * tag prefix). Versions come out newest first.
 */
export function parseHtmlIndex(
  html: string,
  options: {
    readonly baseUrl: string;
    readonly urlTemplate: string;
    readonly tagRules?: TagRules | undefined;
  },
): ListedVersion[] {
  const templateName = options.urlTemplate.split('/').at(-1) ?? '';
  const matcher = templateMatcher(templateName);
  const found = new Map<string, Version>();
  const skipped = new Map<string, string>();
  for (const match of html.matchAll(/<a\s[^>]*?href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))/gi)) {
    const href = decodeEntities(match[1] ?? match[2] ?? match[3] ?? '');
    const segment = lastSegment(href, options.baseUrl);
    if (segment === undefined) continue;
    const candidate = matcher?.exec(segment)?.groups?.['version'] ?? segment;
    if (found.has(candidate) || skipped.has(candidate)) continue;
    const parsed = parseTag(candidate, options.tagRules ?? {});
    if (parsed.ok) found.set(candidate, parsed.version);
    else skipped.set(candidate, parsed.reason);
  }
  return sortVersions([...found.values()], 'desc').map((v) => ({
    tag: v.raw,
    published_at: null,
    prerelease: v.prerelease.length > 0,
    notes: '',
  }));
}
