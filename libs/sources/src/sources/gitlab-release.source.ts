import { redactUrl } from '@upkeep/errors';
import type { CachedResource, LoadResult } from '../cache/resource-cache.ts';
import { conditionalHeaders } from '../http/conditional-headers.ts';
import { HttpClient, type HttpResponse } from '../http/http-client.ts';
import { parseLinkHeader } from '../http/link-header.ts';
import type { ReleaseAsset } from '../model/release.ts';
import type { SourceSpec } from '../model/source-spec.ts';
import { asRecord, invalidResponse, parseJsonBody } from './json-body.ts';
import {
  decodeReleaseBatch,
  encodeReleaseBatch,
  normalizeReleases,
  type RawRelease,
  type ReleaseBatch,
} from './release-normalizer.ts';
import type { ReleaseFeed } from './release-source.ts';
import type { SourceContext } from './source-context.ts';

const PER_PAGE = 100;
/** 100,000 releases: far beyond any real project, short of an endless pagination loop. */
const MAX_PAGES = 1000;

/** Reads one page of GitLab's `GET /projects/:id/releases`. */
export function readGitlabReleasesPage(data: unknown, page: number, upstream: string): RawRelease[] {
  if (!Array.isArray(data)) throw invalidResponse(upstream, `page ${page} of releases is not a JSON array`);
  return data.map((item: unknown, index): RawRelease => {
    const r = asRecord(item);
    const where = `page ${page}, release ${index + 1}`;
    if (r === undefined || typeof r['tag_name'] !== 'string')
      throw invalidResponse(upstream, `${where} has no tag_name`);
    const links = asRecord(r['assets'])?.['links'] ?? [];
    if (!Array.isArray(links))
      throw invalidResponse(upstream, `${where} has assets.links that is not a list`);
    const assets: ReleaseAsset[] = links.map((value: unknown, n) => {
      const link = asRecord(value);
      const url = link?.['direct_asset_url'] ?? link?.['url'];
      if (link === undefined || typeof link['name'] !== 'string' || typeof url !== 'string') {
        throw invalidResponse(upstream, `${where}, asset link ${n + 1} has no name or url`);
      }
      return { name: link['name'], url, size: null };
    });
    const released = r['released_at'] ?? r['created_at'];
    return {
      tag: r['tag_name'],
      published_at: typeof released === 'string' ? released : null,
      // GitLab has no prerelease flag; an upcoming release is not released yet.
      prerelease: r['upcoming_release'] === true,
      notes: typeof r['description'] === 'string' ? r['description'] : '',
      assets,
    };
  });
}

/** The releases of one GitLab project (API v4), following `Link` or `X-Next-Page`. */
export function gitlabFeed(
  component: string,
  spec: Extract<SourceSpec, { kind: 'gitlab' }>,
  ctx: SourceContext,
): ReleaseFeed {
  const { gitlab, retries, retryBaseMs, maxRetryAfterSeconds } = ctx.settings;
  const gate = ctx.gates.for(gitlab.baseUrl, gitlab.rateLimitThreshold);
  const token = gitlab.token?.reveal();
  const http = new HttpClient({
    fetch: ctx.ports.fetch,
    clock: ctx.ports.clock,
    label: 'GitLab',
    timeoutMs: gitlab.timeoutSeconds * 1000,
    retries,
    retryBaseMs,
    maxRetryAfterSeconds,
    gate,
    secrets: token === undefined ? [] : [token],
  });
  const listUrl = `${gitlab.baseUrl}/api/v4/projects/${encodeURIComponent(spec.project)}/releases`;
  const upstream = `${gitlab.baseUrl} project ${spec.project}`;
  const origin = new URL(gitlab.baseUrl).origin;
  const auth: Record<string, string> = token === undefined ? {} : { 'private-token': token };

  const nextUrl = (response: HttpResponse, page: number): string | undefined => {
    const link = parseLinkHeader(response.headers.get('link')).get('next');
    if (link !== undefined) {
      if (new URL(link, listUrl).origin !== origin) {
        throw invalidResponse(
          upstream,
          `pagination pointed at another host (${redactUrl(link)}); refusing to follow it`,
        );
      }
      return new URL(link, listUrl).toString();
    }
    const next = response.headers.get('x-next-page');
    if (next !== null && /^\d+$/.test(next) && Number(next) > page) {
      return `${listUrl}?per_page=${PER_PAGE}&page=${next}`;
    }
    return undefined;
  };

  const resource: CachedResource<ReleaseBatch> = {
    key: { component, key: `gitlab:${gitlab.baseUrl}:${spec.project}:releases` },
    ttlSeconds: gitlab.cacheTtlSeconds,
    upstream,
    gate,
    decode: decodeReleaseBatch,
    async load(validators): Promise<LoadResult<ReleaseBatch>> {
      const first = await http.request({
        url: `${listUrl}?per_page=${PER_PAGE}&page=1`,
        headers: { accept: 'application/json', ...auth, ...conditionalHeaders(validators) },
      });
      if (first.status === 304) return { status: 'not-modified' };
      const raw = readGitlabReleasesPage(
        parseJsonBody(first.body, upstream, 'page 1 of releases'),
        1,
        upstream,
      );
      let page = 1;
      let next = nextUrl(first, page);
      while (next !== undefined) {
        page += 1;
        if (page > MAX_PAGES) throw invalidResponse(upstream, `more than ${MAX_PAGES} pages of releases`);
        const response = await http.request({ url: next, headers: { accept: 'application/json', ...auth } });
        if (response.status !== 200)
          throw invalidResponse(upstream, `page ${page} answered ${response.status}`);
        raw.push(
          ...readGitlabReleasesPage(
            parseJsonBody(response.body, upstream, `page ${page} of releases`),
            page,
            upstream,
          ),
        );
        next = nextUrl(response, page);
      }
      const batch = normalizeReleases(raw, { source: 'gitlab', tagRules: spec.tagRules });
      return {
        status: 'modified',
        value: batch,
        body: encodeReleaseBatch(batch),
        validators: { etag: first.headers.get('etag'), lastModified: first.headers.get('last-modified') },
      };
    },
  };
  return { mode: 'cached', kind: 'gitlab', resource };
}
