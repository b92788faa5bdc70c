import { UpkeepError, isUpkeepError } from '@upkeep/errors';
import type { CachedResource } from '../cache/resource-cache.ts';
import type { ReleaseListing, SourceKind } from '../model/release.ts';
import type { ReleaseBatch } from './release-normalizer.ts';
import type { SourceContext } from './source-context.ts';

/** Lists a component's releases, from whichever upstream its config names. */
export interface ReleaseSource {
  readonly component: string;
  readonly kind: SourceKind;
  /** The upstream, redacted, for messages. */
  readonly upstream: string;
  /** Newest first; answers from cache follow the TTL, offline and rate-limit rules of `ResourceCache`. */
  listReleases(options?: { readonly offline?: boolean }): Promise<ReleaseListing>;
}

/** How a source gets its releases: over the network through the cache, or from local files. */
export type ReleaseFeed =
  | { readonly mode: 'cached'; readonly kind: SourceKind; readonly resource: CachedResource<ReleaseBatch> }
  | {
      readonly mode: 'local';
      readonly kind: SourceKind;
      readonly upstream: string;
      read(): Promise<ReleaseBatch>;
    };

/** A `ReleaseSource` over a feed. */
export function releaseSourceFor(component: string, feed: ReleaseFeed, ctx: SourceContext): ReleaseSource {
  const upstream = feed.mode === 'cached' ? feed.resource.upstream : feed.upstream;
  return {
    component,
    kind: feed.kind,
    upstream,
    async listReleases(options = {}) {
      if (feed.mode === 'local') {
        const batch = await feed.read();
        const now = ctx.ports.clock.now();
        return {
          component,
          upstream,
          ...batch,
          freshness: { origin: 'local', fetched_at: new Date(now).toISOString(), age_seconds: 0 },
        };
      }
      const { value, freshness } = await ctx.cache.read(feed.resource, {
        offline: options.offline ?? ctx.settings.offline,
      });
      return { component, upstream, ...value, freshness };
    },
  };
}

export type ListingOutcome =
  | { readonly component: string; readonly ok: true; readonly listing: ReleaseListing }
  | { readonly component: string; readonly ok: false; readonly error: UpkeepError };

/**
 * Lists many components in parallel, at most `settings.concurrency` at once. One
 * component's failure does not stop the others; each outcome says which.
 */
export function listAllReleases(
  sources: readonly ReleaseSource[],
  ctx: SourceContext,
  options: { readonly offline?: boolean } = {},
): Promise<ListingOutcome[]> {
  return Promise.all(
    sources.map((source) =>
      ctx.limit(async (): Promise<ListingOutcome> => {
        try {
          return { component: source.component, ok: true, listing: await source.listReleases(options) };
        } catch (error) {
          const failure = isUpkeepError(error)
            ? error
            : new UpkeepError('INTERNAL', `listing ${source.component} failed unexpectedly`, {
                cause: error,
              });
          return { component: source.component, ok: false, error: failure };
        }
      }),
    ),
  );
}
