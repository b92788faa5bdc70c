import type { OsvRecord } from '@upkeep/policy';

/** One release as the agent needs it to resolve and decide. */
export interface ReleaseEntry {
  readonly tag: string;
  /** Normalised version text, or null when the tag is not a version under the component's rules. */
  readonly version: string | null;
  readonly publishedAt: string | null;
  readonly prerelease: boolean;
  readonly notes: string;
}

/** A component's releases, newest first. */
export interface ReleaseCatalog {
  readonly component: string;
  /** The upstream, redacted, for messages. */
  readonly upstream: string;
  readonly releases: readonly ReleaseEntry[];
  /** Entries left out or repaired upstream, one sentence each. */
  readonly warnings: readonly string[];
  /** Null when fresh; else why the answer came from the cache (offline, rate limited...). */
  readonly staleReason: string | null;
}

/** Where a detached signature is and what it signs. */
export interface ReleaseSignature {
  readonly url: string;
  readonly signs: 'asset' | 'checksum-file';
  /** `download.signature_key`: a path or URL of the armored public key. */
  readonly key: string | null;
}

/** What installing one release needs: the asset for this host and how to check it. */
export interface ReleaseArtifact {
  readonly component: string;
  readonly tag: string;
  readonly version: string;
  readonly publishedAt: string | null;
  readonly notes: string;
  readonly assetUrl: string;
  readonly fileName: string;
  readonly size: number | null;
  /** From the checksum file (or the registry); null when the release publishes none. */
  readonly sha256: string | null;
  /** Where the sha256 came from, or why there is none. */
  readonly checksumSource: string;
  readonly signature: ReleaseSignature | null;
}

/**
 * The agent's view of release discovery: list a component's releases, and the
 * details of one version. Behind a port so the agent's flow does not depend on
 * how `versions.yaml` is mapped onto the discovery library.
 */
export interface ReleaseResolver {
  listReleases(component: string): Promise<ReleaseCatalog>;
  releaseDetails(component: string, version: string): Promise<ReleaseArtifact>;
  /**
   * The component's advisories, or undefined when none are configured, advisories
   * are off, or the host is offline with nothing cached (the decision then says
   * no advisory source was consulted).
   */
  advisories(component: string): Promise<readonly OsvRecord[] | undefined>;
  /** Drops cached upstream answers not confirmed since `before`; returns how many. */
  pruneCache(before: Date): number;
  close(): void;
}
