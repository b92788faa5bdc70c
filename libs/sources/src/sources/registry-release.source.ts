import { redactUrl } from '@upkeep/errors';
import { pathToFileURL } from 'node:url';
import type { CachedResource, LoadResult } from '../cache/resource-cache.ts';
import { conditionalHeaders } from '../http/conditional-headers.ts';
import type { SourceSpec } from '../model/source-spec.ts';
import { isLocalLocation, localPath, readLocalFile } from './local-file.ts';
import { parseRegistryIndex, registryIndexLocation } from './registry-index.ts';
import {
  decodeReleaseBatch,
  encodeReleaseBatch,
  normalizeReleases,
  type ReleaseBatch,
} from './release-normalizer.ts';
import type { ReleaseFeed } from './release-source.ts';
import { settingsHttpClient, type SourceContext } from './source-context.ts';

const MAX_INDEX_BYTES = 64 * 1024 * 1024;

type RegistrySpec = Extract<SourceSpec, { kind: 'registry' }>;

/** Releases from a custom registry index (see `registry-index.ts`), remote or local. */
export function registryFeed(component: string, spec: RegistrySpec, ctx: SourceContext): ReleaseFeed {
  const location = registryIndexLocation(spec.url);
  if (isLocalLocation(location)) {
    const path = localPath(location);
    return {
      mode: 'local',
      kind: 'registry',
      upstream: path,
      read: async () => {
        const raw = parseRegistryIndex(await readLocalFile(path, ctx.ports.fs, MAX_INDEX_BYTES), {
          indexUrl: pathToFileURL(path).toString(),
          component,
          upstream: path,
        });
        return normalizeReleases(raw, { source: 'registry', tagRules: spec.tagRules });
      },
    };
  }
  const upstream = redactUrl(location);
  const { cache } = ctx.settings;
  const http = settingsHttpClient(ctx, upstream);
  const resource: CachedResource<ReleaseBatch> = {
    key: { component, key: `registry:${location}` },
    ttlSeconds: cache.ttlSeconds,
    upstream,
    decode: decodeReleaseBatch,
    async load(validators): Promise<LoadResult<ReleaseBatch>> {
      const headers = { accept: 'application/json', ...conditionalHeaders(validators) };
      const response = await http.request({ url: location, headers, maxBytes: MAX_INDEX_BYTES });
      if (response.status === 304) return { status: 'not-modified' };
      const raw = parseRegistryIndex(response.body, {
        indexUrl: response.url || location,
        component,
        upstream,
      });
      const batch = normalizeReleases(raw, { source: 'registry', tagRules: spec.tagRules });
      return {
        status: 'modified',
        value: batch,
        body: encodeReleaseBatch(batch),
        validators: {
          etag: response.headers.get('etag'),
          lastModified: response.headers.get('last-modified'),
        },
      };
    },
  };
  return { mode: 'cached', kind: 'registry', resource };
}
