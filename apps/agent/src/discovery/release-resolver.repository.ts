// The agent's release discovery over @upkeep/sources, with a minimal mapping of
// versions.yaml onto it (source spec, download spec, settings). Kept in this one
// file on purpose: the shared config-to-sources adapter replaces the mapping.
import { UpkeepError } from '@upkeep/errors';
import {
  effectiveComponent,
  effectiveGlobal,
  readOsvRecord,
  type EffectiveComponent,
  type OsvRecord,
  type PolicyConfig,
} from '@upkeep/policy';
import {
  SecretValue,
  SqliteCacheStore,
  createReleaseSource,
  createSourceContext,
  globalFetch,
  nodeFileSystem,
  parsePlatform,
  platformFromNode,
  queryOsv,
  releaseDetails,
  resolveSourceSettings,
  systemClock,
  type DownloadSpec,
  type HostPlatform,
  type HttpFetch,
  type ReleaseSource,
  type SourceContext,
  type SourceSpec,
} from '@upkeep/sources';
import type { ReleaseArtifact, ReleaseCatalog, ReleaseResolver } from './release-resolver.port.ts';

export interface ReleaseResolverOptions {
  readonly config: PolicyConfig;
  readonly environment: string | undefined;
  /** The agent's state file: upstream answers are cached in its `version_cache` table. */
  readonly stateDbPath: string;
  /** GITHUB_TOKEN / GITLAB_TOKEN, read at the edge. */
  readonly githubToken?: string | undefined;
  readonly gitlabToken?: string | undefined;
  readonly warn: (message: string) => void;
  readonly fetch?: HttpFetch | undefined;
}

function sourceSpecOf(component: EffectiveComponent): SourceSpec {
  const tagRules = {
    tagPrefix: component.tag_prefix,
    versionPattern: component.constraints.version_pattern,
  };
  if (component.github_repo !== undefined) return { kind: 'github', repo: component.github_repo, tagRules };
  if (component.gitlab_project !== undefined)
    return { kind: 'gitlab', project: component.gitlab_project, tagRules };
  if (component.direct_url !== undefined) {
    const { url_template: urlTemplate, versions_url: versionsUrl } = component.direct_url;
    if (versionsUrl === undefined) {
      throw new UpkeepError(
        'CONFIG_INVALID',
        `components.${component.name}.direct_url has no versions_url: the agent cannot list its releases`,
        { hint: 'set direct_url.versions_url to a JSON list of versions or an HTML index' },
      );
    }
    return {
      kind: 'direct-url',
      urlTemplate,
      versionsUrl,
      versionsFormat: component.direct_url.versions_format ?? 'json',
      tagRules,
    };
  }
  if (component.registry !== undefined) return { kind: 'registry', url: component.registry.url, tagRules };
  throw new UpkeepError('CONFIG_INVALID', `components.${component.name} names no source of releases`, {
    hint: 'set one of github_repo, gitlab_project, direct_url or registry',
  });
}

function downloadSpecOf(component: EffectiveComponent): DownloadSpec {
  const d = component.download ?? {};
  return {
    archiveType: d.archive_type,
    archivePattern: d.archive_pattern,
    binaryName: d.binary_name,
    checksumFile: d.checksum_file,
    gpgSignature: d.gpg_signature,
    signatureFile: d.signature_file,
    signatureKey: d.signature_key,
    maxSizeMb: d.max_size_mb,
  };
}

function platformOf(component: EffectiveComponent): HostPlatform {
  const architecture = component.constraints.architecture;
  return architecture === undefined
    ? platformFromNode(process.platform, process.arch)
    : parsePlatform(architecture);
}

function secret(value: string | undefined): SecretValue | undefined {
  return value === undefined || value === '' ? undefined : new SecretValue(value);
}

/** A `ReleaseResolver` over @upkeep/sources for the components of `config` in `environment`. */
export function createReleaseResolver(options: ReleaseResolverOptions): ReleaseResolver {
  const { config, environment } = options;
  const global = effectiveGlobal(config, environment);
  const settings = resolveSourceSettings({
    github: {
      baseUrl: global.github_api.base_url,
      timeoutSeconds: global.github_api.timeout,
      cacheTtlSeconds: global.github_api.cache_ttl,
      rateLimitThreshold: global.github_api.rate_limit_threshold,
      token: secret(options.githubToken),
    },
    gitlab: {
      baseUrl: global.gitlab_api.base_url,
      timeoutSeconds: global.gitlab_api.timeout,
      cacheTtlSeconds: global.gitlab_api.cache_ttl,
      token: secret(options.gitlabToken),
    },
    cache: { ttlSeconds: global.cache.ttl, maxAgeSeconds: global.cache.max_age },
    osvUrl: global.advisories.osv_url,
    offline: global.offline_mode,
  });
  // Opened on first use: `status` and `history` never touch discovery.
  let store: SqliteCacheStore | null = null;
  let context: SourceContext | null = null;
  const ctx = (): SourceContext => {
    if (context === null) {
      store = SqliteCacheStore.open(options.stateDbPath);
      context = createSourceContext(settings, {
        fetch: options.fetch ?? globalFetch,
        clock: systemClock,
        fs: nodeFileSystem,
        store,
        logger: { warn: options.warn },
      });
    }
    return context;
  };
  const sources = new Map<string, { component: EffectiveComponent; source: ReleaseSource }>();
  const sourceOf = (name: string) => {
    let found = sources.get(name);
    if (found === undefined) {
      const component = effectiveComponent(config, environment, name);
      found = { component, source: createReleaseSource(name, sourceSpecOf(component), ctx()) };
      sources.set(name, found);
    }
    return found;
  };

  return {
    async listReleases(name): Promise<ReleaseCatalog> {
      const listing = await sourceOf(name).source.listReleases();
      return {
        component: name,
        upstream: listing.upstream,
        releases: listing.releases.map((r) => ({
          tag: r.tag,
          version: r.version,
          publishedAt: r.published_at,
          prerelease: r.prerelease,
          notes: r.notes,
        })),
        warnings: listing.warnings,
        staleReason:
          listing.freshness.origin === 'stale'
            ? `${listing.freshness.stale_reason ?? 'stale'}: ${listing.freshness.stale_detail ?? `cached ${String(listing.freshness.age_seconds)} s ago`}`
            : null,
      };
    },

    async releaseDetails(name, version): Promise<ReleaseArtifact> {
      const { component, source } = sourceOf(name);
      const details = await releaseDetails(
        source,
        version,
        { platform: platformOf(component), download: downloadSpecOf(component) },
        ctx(),
      );
      const checksum = details.checksum;
      return {
        component: name,
        tag: details.tag,
        version: details.version ?? version,
        publishedAt: details.published_at,
        notes: details.notes,
        assetUrl: details.asset.url,
        fileName: details.asset.name,
        size: details.asset.size,
        sha256: checksum.sha256,
        checksumSource:
          'source' in checksum
            ? checksum.source === 'checksum-file'
              ? `checksum file ${checksum.file}`
              : 'registry index'
            : checksum.reason,
        signature:
          details.signature === null
            ? null
            : { url: details.signature.url, signs: details.signature.signs, key: details.signature.key },
      };
    },

    async advisories(name): Promise<readonly OsvRecord[] | undefined> {
      const { component } = sourceOf(name);
      const spec = component.advisories;
      if (spec === undefined || !global.advisories.enabled || !global.safety.security_advisory_check)
        return undefined;
      try {
        const listing = await queryOsv(name, { ecosystem: spec.ecosystem, package: spec.package }, ctx());
        const records: OsvRecord[] = [];
        for (const raw of listing.records) {
          try {
            records.push(readOsvRecord(raw, `OSV ${raw.id}`));
          } catch (error) {
            options.warn(`${name}: advisory ${raw.id} ignored: ${String(error)}`);
          }
        }
        return records;
      } catch (error) {
        options.warn(
          `${name}: advisories not consulted: ${error instanceof Error ? error.message : String(error)}`,
        );
        return undefined;
      }
    },

    pruneCache(before): number {
      ctx();
      return store === null ? 0 : store.prune(before.getTime());
    },

    close(): void {
      store?.close();
    },
  };
}
