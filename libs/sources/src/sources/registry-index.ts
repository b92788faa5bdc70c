import { UpkeepError } from '@upkeep/errors';
import { parseTag } from '@upkeep/versioning';
import type { ReleaseAsset } from '../model/release.ts';
import { shown } from './display.ts';
import { asRecord, invalidResponse, parseJsonBody } from './json-body.ts';
import { unsafeAssetNameReason, type RawRelease } from './release-normalizer.ts';

/** The index format version this code reads and writes. */
export const REGISTRY_INDEX_SCHEMA = 1;
/** The index's file name inside a registry directory. */
export const REGISTRY_INDEX_FILE = 'index.json';

/**
 * A custom registry: one JSON index per component, served over HTTP(S) or read from a
 * directory (`upkeep mirror` writes them). Example:
 *
 * ```json
 * { "schema": 1,
 *   "component": "node_exporter",
 *   "generated_at": "2024-06-01T00:00:00.000Z",
 *   "releases": [
 *     { "version": "v1.8.0",
 *       "published_at": "2024-05-01T00:00:00Z",
 *       "prerelease": false,
 *       "notes": "## Changes ...",
 *       "assets": [
 *         { "name": "node_exporter-1.8.0.linux-amd64.tar.gz",
 *           "url": "v1.8.0/node_exporter-1.8.0.linux-amd64.tar.gz",
 *           "size": 10485760,
 *           "sha256": "<64 hex digits>",
 *           "signature": "v1.8.0/node_exporter-1.8.0.linux-amd64.tar.gz.asc" } ] } ] }
 * ```
 *
 * - `version`: the release's tag; unique within the index.
 * - `url` and `signature`: absolute (`https://`, `http://`, `file://`) or relative to the
 *   index; a relative one may not climb out of the index's directory (`..`).
 * - `sha256` is required for every asset: a registry is trusted only as far as its hashes.
 * - `published_at` (ISO 8601 or null), `prerelease` (default false), `notes` (default "")
 *   are optional; unknown fields are ignored so later versions can add some.
 */
export interface RegistryIndex {
  readonly schema: typeof REGISTRY_INDEX_SCHEMA;
  readonly component: string;
  readonly generated_at?: string;
  readonly releases: readonly RegistryRelease[];
}

export interface RegistryRelease {
  readonly version: string;
  readonly published_at: string | null;
  readonly prerelease: boolean;
  readonly notes: string;
  readonly assets: readonly RegistryAsset[];
}

export interface RegistryAsset {
  readonly name: string;
  readonly url: string;
  readonly size: number;
  readonly sha256: string;
  readonly signature?: string;
}

/** Where the index of a registry location is: the location itself when it ends in `.json`. */
export function registryIndexLocation(location: string): string {
  if (/\.json$/i.test(new URL(location, 'file:///').pathname)) return location;
  return location.endsWith('/') ? `${location}${REGISTRY_INDEX_FILE}` : `${location}/${REGISTRY_INDEX_FILE}`;
}

function resolveReference(reference: string, indexUrl: string, upstream: string, where: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(reference)) {
    const scheme = reference.slice(0, reference.indexOf(':') + 1).toLowerCase();
    if (!['https:', 'http:', 'file:'].includes(scheme)) {
      throw invalidResponse(upstream, `${where}: URL scheme ${scheme} is not allowed`);
    }
    return new URL(reference).toString();
  }
  const segments = reference.split(/[/\\]/);
  if (reference.startsWith('/') || segments.some((s) => decodeURIComponentSafe(s) === '..')) {
    throw invalidResponse(
      upstream,
      `${where}: relative URL ${shown(reference)} leaves the registry directory`,
    );
  }
  return new URL(reference, indexUrl).toString();
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Reads and checks a registry index strictly, resolving asset URLs against `indexUrl`.
 * @throws UpkeepError UPSTREAM_INVALID_RESPONSE naming the first problem.
 */
export function parseRegistryIndex(
  body: Uint8Array | string,
  options: { readonly indexUrl: string; readonly component: string; readonly upstream: string },
): RawRelease[] {
  const { upstream } = options;
  const data = asRecord(parseJsonBody(body, upstream, 'registry index'));
  if (data === undefined) throw invalidResponse(upstream, 'registry index is not a JSON object');
  if (data['schema'] !== REGISTRY_INDEX_SCHEMA) {
    throw new UpkeepError(
      'UPSTREAM_INVALID_RESPONSE',
      `${upstream}: registry index schema ${JSON.stringify(data['schema'] ?? null)} is not ${REGISTRY_INDEX_SCHEMA}`,
      {
        details: { upstream, schema: data['schema'] ?? null },
        hint: 'regenerate the mirror with this Upkeep version (upkeep mirror), or upgrade Upkeep',
      },
    );
  }
  if (data['component'] !== options.component) {
    throw invalidResponse(
      upstream,
      `registry index is for component ${shown(String(data['component']))}, not ${shown(options.component)}`,
    );
  }
  const releases = data['releases'];
  if (!Array.isArray(releases)) throw invalidResponse(upstream, 'registry index has no "releases" list');
  const seen = new Set<string>();
  return releases.map((item: unknown, index): RawRelease => {
    const r = asRecord(item);
    const where = `release ${index + 1}`;
    const version = r?.['version'];
    if (r === undefined || typeof version !== 'string' || version === '') {
      throw invalidResponse(upstream, `${where} has no "version"`);
    }
    const parsed = parseTag(version);
    const identity = parsed.ok ? parsed.version.text : version;
    if (seen.has(identity)) throw invalidResponse(upstream, `version ${shown(version)} is listed twice`);
    seen.add(identity);
    const published = r['published_at'];
    if (published !== undefined && published !== null && typeof published !== 'string') {
      throw invalidResponse(upstream, `${where}: published_at is not a string`);
    }
    if (r['prerelease'] !== undefined && typeof r['prerelease'] !== 'boolean') {
      throw invalidResponse(upstream, `${where}: prerelease is not true or false`);
    }
    if (r['notes'] !== undefined && typeof r['notes'] !== 'string') {
      throw invalidResponse(upstream, `${where}: notes is not a string`);
    }
    const assets = r['assets'];
    if (!Array.isArray(assets)) throw invalidResponse(upstream, `${where} has no "assets" list`);
    return {
      tag: version,
      published_at: typeof published === 'string' ? published : null,
      prerelease: r['prerelease'] === true,
      notes: typeof r['notes'] === 'string' ? r['notes'] : '',
      assets: assets.map((value: unknown, n): ReleaseAsset => {
        const a = asRecord(value);
        const at = `${where} (${version}), asset ${n + 1}`;
        const name = a?.['name'];
        if (a === undefined || typeof name !== 'string') throw invalidResponse(upstream, `${at} has no name`);
        const nameProblem = unsafeAssetNameReason(name);
        if (nameProblem !== undefined)
          throw invalidResponse(upstream, `${at}: ${shown(name)}: ${nameProblem}`);
        const size = a['size'];
        if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
          throw invalidResponse(upstream, `${at} (${name}) has no valid size`);
        }
        const sha256 = a['sha256'];
        if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(sha256)) {
          throw invalidResponse(upstream, `${at} (${name}) has no valid sha256`);
        }
        if (typeof a['url'] !== 'string' || a['url'] === '')
          throw invalidResponse(upstream, `${at} (${name}) has no url`);
        const signature = a['signature'];
        if (signature !== undefined && typeof signature !== 'string') {
          throw invalidResponse(upstream, `${at} (${name}): signature is not a URL`);
        }
        return {
          name,
          url: resolveReference(a['url'], options.indexUrl, upstream, at),
          size,
          sha256: sha256.toLowerCase(),
          ...(signature === undefined
            ? {}
            : { signature_url: resolveReference(signature, options.indexUrl, upstream, at) }),
        };
      }),
    };
  });
}
