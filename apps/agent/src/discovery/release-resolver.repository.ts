// The agent's release discovery over @upkeep/sources; versions.yaml is mapped onto it by
// the shared adapter (componentSourceConfig, sourceSettingsFromConfig), as in the CLI.
import {
  effectiveComponent,
  effectiveGlobal,
  readOsvRecord,
  type OsvRecord,
  type PolicyConfig,
} from '@upkeep/policy';
import {
  SecretValue,
  SqliteCacheStore,
  componentSourceConfig,
  createReleaseSource,
  createSourceContext,
  globalFetch,
  nodeFileSystem,
  platformFromNode,
  queryOsv,
  releaseDetails,
  resolveSourceSettings,
  sourceSettingsFromConfig,
  systemClock,
  type ComponentSourceConfig,
  type HostPlatform,
  type HttpFetch,
  type ReleaseSource,
  type SourceContext,
} from '@upkeep/sources';
import type { ReleaseArtifact, ReleaseCatalog, ReleaseResolver } from './release-resolver.port.ts';

export interface ReleaseResolverOptions {
  readonly config: PolicyConfig;
  readonly environment: string | undefined;
  /** The folder of versions.yaml: a relative `registry.url` is resolved against it. */
  readonly configDir: string;
  /** The agent's state file: upstream answers are cached in its `version_cache` table. */
  readonly stateDbPath: string;
  /** GITHUB_TOKEN / GITLAB_TOKEN, read at the edge. */
  readonly githubToken?: string | undefined;
  readonly gitlabToken?: string | undefined;
  readonly warn: (message: string) => void;
  readonly fetch?: HttpFetch | undefined;
}

/** Where the release assets are for `mapped`: `constraints.architecture`, else this host. */
export function platformOf(mapped: ComponentSourceConfig): HostPlatform {
  return mapped.platform ?? platformFromNode(process.platform, process.arch);
}

function secret(value: string | undefined): SecretValue | undefined {
  return value === undefined || value === '' ? undefined : new SecretValue(value);
}

/** A `ReleaseResolver` over @upkeep/sources for the components of `config` in `environment`. */
export function createReleaseResolver(options: ReleaseResolverOptions): ReleaseResolver {
  const { config, environment } = options;
  const global = effectiveGlobal(config, environment);
  const settings = resolveSourceSettings(
    sourceSettingsFromConfig(global, {
      githubToken: secret(options.githubToken),
      gitlabToken: secret(options.gitlabToken),
    }),
  );
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
  const sources = new Map<string, { mapped: ComponentSourceConfig; source: ReleaseSource }>();
  const sourceOf = (name: string) => {
    let found = sources.get(name);
    if (found === undefined) {
      const mapped = componentSourceConfig(effectiveComponent(config, environment, name), {
        configDir: options.configDir,
      });
      found = { mapped, source: createReleaseSource(name, mapped.spec, ctx()) };
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
      const { mapped, source } = sourceOf(name);
      const details = await releaseDetails(
        source,
        version,
        { platform: platformOf(mapped), download: mapped.download },
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
      const spec = sourceOf(name).mapped.advisories;
      if (spec === undefined || !global.advisories.enabled || !global.safety.security_advisory_check)
        return undefined;
      try {
        const listing = await queryOsv(name, spec, ctx());
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
