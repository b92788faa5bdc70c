// Model
export {
  SOURCE_KINDS,
  STALE_REASONS,
  type Freshness,
  type Release,
  type ReleaseAsset,
  type ReleaseListing,
  type SourceKind,
  type StaleReason,
} from './model/release.ts';
export { validateSourceSpec, type DownloadSpec, type SourceSpec } from './model/source-spec.ts';
export {
  DEFAULT_GITHUB_API,
  DEFAULT_GITLAB_API,
  DEFAULT_OSV_API,
  resolveSourceSettings,
  type SourceSettings,
  type SourceSettingsInput,
} from './model/source-settings.ts';
export {
  ARCH_ALIASES,
  OS_ALIASES,
  archAliases,
  osAliases,
  parsePlatform,
  platformFromNode,
  type HostPlatform,
} from './model/host-platform.ts';

// From versions.yaml
export { componentSourceConfig, type ComponentSourceConfig } from './config/component-source-config.ts';
export { sourceSettingsFromConfig } from './config/source-settings-config.ts';

// Ports
export { systemClock, type Clock } from './ports/clock.port.ts';
export { globalFetch, type HttpFetch } from './ports/http.port.ts';
export {
  NO_SOURCE_OBSERVER,
  type CacheTier,
  type SourceObserver,
  type UpstreamResult,
} from './ports/source-observer.port.ts';
export type { FileStat, FileSystemPort } from './ports/file-system.port.ts';
export { nodeFileSystem } from './ports/file-system.repository.ts';

// Secrets
export { SecretValue } from './security/secret-value.ts';
export { readTokenFile, resolveToken } from './security/token-file.ts';

// Cache
export { cacheKeyText, type CacheEntry, type CacheKey, type CacheStore } from './cache/cache-store.ts';
export { MemoryCacheStore } from './cache/memory-cache-store.ts';
export { SqliteCacheStore, ensureVersionCacheTable } from './cache/sqlite-cache-store.repository.ts';
export {
  ResourceCache,
  type CachedResource,
  type CachedValue,
  type LoadResult,
  type Validators,
} from './cache/resource-cache.ts';
export { RateLimitGate, type GateDecision, type RateLimitSnapshot } from './http/rate-limit-gate.ts';

// Sources
export { createSourceContext, type SourceContext, type SourcePorts } from './sources/source-context.ts';
export { createReleaseSource } from './sources/create-release-source.ts';
export { listAllReleases, type ListingOutcome, type ReleaseSource } from './sources/release-source.ts';
export {
  REGISTRY_INDEX_FILE,
  REGISTRY_INDEX_SCHEMA,
  parseRegistryIndex,
  registryIndexLocation,
  type RegistryAsset,
  type RegistryIndex,
  type RegistryRelease,
} from './sources/registry-index.ts';
export { parseHtmlIndex, parseVersionsDocument, type ListedVersion } from './sources/versions-document.ts';
export { unsafeAssetNameReason, unsafeTagReason } from './sources/release-normalizer.ts';

// What a release yields
export { expandTemplate, type TemplateValues } from './assets/template.ts';
export { selectAsset, type AssetSelection } from './assets/asset-selector.ts';
export {
  checksumFor,
  parseChecksumFile,
  type ChecksumEntry,
  type ParsedChecksumFile,
} from './assets/checksum-file.ts';
export {
  COMMON_CHECKSUM_FILES,
  locateChecksum,
  resolveChecksum,
  type ChecksumLocation,
  type ChecksumResult,
} from './assets/checksum-locator.ts';
export { locateSignature, type SignatureRef } from './assets/signature-locator.ts';
export { extractBreakingChanges } from './notes/breaking-changes.ts';
export { changelogBetween, renderChangelog, type Changelog, type ChangelogEntry } from './notes/changelog.ts';
export { findRelease, releaseDetails, type ReleaseDetails } from './discovery/release-details.ts';

// Advisories
export { affectsPackage, isOsvRecord, type AdvisorySpec, type OsvRecord } from './advisories/osv-record.ts';
export { queryOsv, type AdvisoryListing } from './advisories/osv-client.ts';
export { importOsvFiles, type OsvImport } from './advisories/osv-import.ts';

// Mirrors and downloads
export { downloadArtifact, hashFile, type DownloadedArtifact } from './mirror/artifact-download.ts';
export {
  mirrorComponent,
  type MirroredAsset,
  type MirrorOptions,
  type MirrorReport,
} from './mirror/mirror-component.ts';
