/** Where a release list came from. */
export const SOURCE_KINDS = ['github', 'gitlab', 'direct-url', 'registry'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** A file attached to a release. */
export interface ReleaseAsset {
  readonly name: string;
  /** Absolute URL (`https://`, `http://` or `file://`). */
  readonly url: string;
  /** Bytes, or null when the upstream does not say (GitLab links, direct URLs). */
  readonly size: number | null;
  /** Lowercase hex SHA-256, when the upstream publishes it per asset (custom registries). */
  readonly sha256?: string;
  /** Absolute URL of a detached signature of this asset, when the upstream publishes one. */
  readonly signature_url?: string;
}

/** One release as every source reports it. Field names are the JSON output's. */
export interface Release {
  readonly tag: string;
  /** Normalised semver text (`1.7.0`) when the tag reads as a version under the component's tag rules. */
  readonly version: string | null;
  readonly published_at: string | null;
  /** Flagged so upstream, or a prerelease by its version text. */
  readonly prerelease: boolean;
  readonly notes: string;
  readonly assets: readonly ReleaseAsset[];
  readonly source: SourceKind;
}

/** Why an answer came from the cache rather than from upstream. */
export const STALE_REASONS = ['offline', 'rate-limited', 'unreachable', 'invalid-response'] as const;
export type StaleReason = (typeof STALE_REASONS)[number];

/**
 * How current an answer is.
 * - `network`: fetched from upstream now;
 * - `revalidated`: upstream answered 304 to a conditional request, the cached body stands;
 * - `cache`: served from cache inside its TTL, no request made;
 * - `stale`: served from cache past its TTL because upstream could not or should not be asked;
 * - `local`: read from a local directory (a mirror), no cache involved.
 */
export interface Freshness {
  readonly origin: 'network' | 'revalidated' | 'cache' | 'stale' | 'local';
  /** When upstream last confirmed the data (ISO 8601). */
  readonly fetched_at: string;
  readonly age_seconds: number;
  readonly stale_reason?: StaleReason;
  /** A sentence on why, for stale answers. */
  readonly stale_detail?: string;
}

/** The answer of `ReleaseSource.listReleases`. */
export interface ReleaseListing {
  readonly component: string;
  /** The upstream, as a redacted URL or path, for messages. */
  readonly upstream: string;
  /** Newest first as upstream orders them; drafts and unreadable entries left out. */
  readonly releases: readonly Release[];
  /** Entries left out or repaired, one sentence each (hostile tags, duplicates). */
  readonly warnings: readonly string[];
  readonly freshness: Freshness;
}
