import { redactUrl } from '@upkeep/errors';
import { parseTag } from '@upkeep/versioning';
import type { CachedResource, LoadResult } from '../cache/resource-cache.ts';
import { conditionalHeaders } from '../http/conditional-headers.ts';
import { expandTemplate } from '../assets/template.ts';
import type { ReleaseAsset } from '../model/release.ts';
import type { SourceSpec } from '../model/source-spec.ts';
import { isLocalLocation, readLocalFile } from './local-file.ts';
import {
  decodeReleaseBatch,
  encodeReleaseBatch,
  normalizeReleases,
  type RawRelease,
  type ReleaseBatch,
} from './release-normalizer.ts';
import type { ReleaseFeed } from './release-source.ts';
import { settingsHttpClient, type SourceContext } from './source-context.ts';
import { parseHtmlIndex, parseVersionsDocument, type ListedVersion } from './versions-document.ts';

const MAX_INDEX_BYTES = 16 * 1024 * 1024;

type DirectSpec = Extract<SourceSpec, { kind: 'direct-url' }>;

function assetsFor(spec: DirectSpec, listed: ListedVersion, ctx: SourceContext): ReleaseAsset[] {
  const parsed = parseTag(listed.tag, spec.tagRules ?? {});
  const version = parsed.ok ? parsed.version.text : listed.tag.replace(/^v/, '');
  const seen = new Set<string>();
  const assets: ReleaseAsset[] = [];
  for (const platform of ctx.platforms) {
    const url = expandTemplate(
      spec.urlTemplate,
      { VERSION: version, TAG: listed.tag, OS: platform.os, ARCH: platform.arch },
      { field: 'direct_url.url_template', encode: true },
    );
    if (seen.has(url)) continue;
    seen.add(url);
    const name = decodeURIComponent(new URL(url).pathname.split('/').at(-1) ?? '');
    assets.push({ name, url, size: null });
  }
  return assets;
}

function toBatch(spec: DirectSpec, listed: readonly ListedVersion[], ctx: SourceContext): ReleaseBatch {
  const raw: RawRelease[] = [];
  const problems: string[] = [];
  for (const entry of listed) {
    try {
      raw.push({ ...entry, assets: assetsFor(spec, entry, ctx) });
    } catch (error) {
      // A listed value the template cannot take is one bad entry, not a bad list.
      problems.push(`skipped version ${JSON.stringify(entry.tag.slice(0, 60))}: ${(error as Error).message}`);
    }
  }
  const batch = normalizeReleases(raw, { source: 'direct-url', tagRules: spec.tagRules });
  return { releases: batch.releases, warnings: [...problems, ...batch.warnings] };
}

function parseListing(spec: DirectSpec, body: Uint8Array, upstream: string): ListedVersion[] {
  return spec.versionsFormat === 'json'
    ? parseVersionsDocument(body, upstream)
    : parseHtmlIndex(new TextDecoder().decode(body), {
        baseUrl: spec.versionsUrl,
        urlTemplate: spec.urlTemplate,
        tagRules: spec.tagRules,
      });
}

/**
 * Releases of a program published at plain URLs: versions from a JSON document or an
 * HTML index, one asset per platform from `url_template`.
 */
export function directUrlFeed(component: string, spec: DirectSpec, ctx: SourceContext): ReleaseFeed {
  const upstream = redactUrl(spec.versionsUrl);
  if (isLocalLocation(spec.versionsUrl)) {
    return {
      mode: 'local',
      kind: 'direct-url',
      upstream,
      read: async () =>
        toBatch(
          spec,
          parseListing(spec, await readLocalFile(spec.versionsUrl, ctx.ports.fs, MAX_INDEX_BYTES), upstream),
          ctx,
        ),
    };
  }
  const { cache } = ctx.settings;
  const http = settingsHttpClient(ctx, upstream);
  const platforms = ctx.platforms.map((p) => `${p.os}-${p.arch}`).join(',');
  const resource: CachedResource<ReleaseBatch> = {
    key: {
      component,
      key: `direct:${spec.versionsUrl}:${spec.versionsFormat}:${spec.urlTemplate}:${platforms}`,
    },
    ttlSeconds: cache.ttlSeconds,
    upstream,
    decode: decodeReleaseBatch,
    async load(validators): Promise<LoadResult<ReleaseBatch>> {
      const response = await http.request({
        url: spec.versionsUrl,
        headers: {
          accept: spec.versionsFormat === 'json' ? 'application/json' : 'text/html',
          ...conditionalHeaders(validators),
        },
        maxBytes: MAX_INDEX_BYTES,
      });
      if (response.status === 304) return { status: 'not-modified' };
      const batch = toBatch(spec, parseListing(spec, response.body, upstream), ctx);
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
  return { mode: 'cached', kind: 'direct-url', resource };
}
