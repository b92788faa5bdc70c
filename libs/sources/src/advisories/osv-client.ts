import type { CachedResource, LoadResult } from '../cache/resource-cache.ts';
import type { Freshness } from '../model/release.ts';
import { asRecord, invalidResponse, parseJsonBody } from '../sources/json-body.ts';
import { settingsHttpClient, type SourceContext } from '../sources/source-context.ts';
import { dedupeOsvRecords, isOsvRecord, type AdvisorySpec, type OsvRecord } from './osv-record.ts';

/** OSV's answer for one component's package, with how current it is. */
export interface AdvisoryListing {
  readonly component: string;
  readonly package: AdvisorySpec;
  readonly records: readonly OsvRecord[];
  readonly freshness: Freshness;
}

/** A bound on `next_page_token` loops. */
const MAX_PAGES = 200;

function decodeRecords(body: string): OsvRecord[] {
  const value: unknown = JSON.parse(body);
  if (!Array.isArray(value) || !value.every(isOsvRecord)) throw new Error('not a list of OSV records');
  return value;
}

/**
 * The advisories OSV lists for a component's package: `POST /v1/query` with
 * `{package: {ecosystem, name}}`, following `next_page_token`. Answers are cached like
 * release lists (`cache.ttl`), so an offline or rate-limited run gets them marked stale.
 */
export async function queryOsv(
  component: string,
  spec: AdvisorySpec,
  ctx: SourceContext,
  options: { readonly offline?: boolean } = {},
): Promise<AdvisoryListing> {
  const { osvUrl, cache } = ctx.settings;
  const upstream = `${osvUrl} (${spec.ecosystem} ${spec.package})`;
  const http = settingsHttpClient(ctx, 'OSV');
  const resource: CachedResource<OsvRecord[]> = {
    key: { component, key: `osv:${osvUrl}:${spec.ecosystem}:${spec.package}` },
    ttlSeconds: cache.ttlSeconds,
    upstream,
    decode: decodeRecords,
    async load(): Promise<LoadResult<OsvRecord[]>> {
      const records: OsvRecord[] = [];
      const tokens = new Set<string>();
      let token: string | undefined;
      for (let page = 1; ; page += 1) {
        if (page > MAX_PAGES) throw invalidResponse(upstream, `more than ${MAX_PAGES} pages of advisories`);
        const response = await http.request({
          method: 'POST',
          url: `${osvUrl}/v1/query`,
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({
            package: { ecosystem: spec.ecosystem, name: spec.package },
            ...(token === undefined ? {} : { page_token: token }),
          }),
        });
        const data = asRecord(parseJsonBody(response.body, upstream, `page ${page} of advisories`));
        if (data === undefined)
          throw invalidResponse(upstream, `page ${page} of advisories is not a JSON object`);
        const vulns = data['vulns'] ?? [];
        if (!Array.isArray(vulns)) throw invalidResponse(upstream, `page ${page}: "vulns" is not a list`);
        vulns.forEach((record: unknown, index) => {
          if (!isOsvRecord(record))
            throw invalidResponse(upstream, `page ${page}, advisory ${index + 1} has no id`);
          records.push(record);
        });
        const next = data['next_page_token'];
        if (next === undefined || next === null || next === '') break;
        if (typeof next !== 'string' || tokens.has(next)) {
          throw invalidResponse(upstream, `page ${page} has a next_page_token that is not new`);
        }
        tokens.add(next);
        token = next;
      }
      const value = dedupeOsvRecords(records);
      return {
        status: 'modified',
        value,
        body: JSON.stringify(value),
        validators: { etag: null, lastModified: null },
      };
    },
  };
  const { value, freshness } = await ctx.cache.read(resource, {
    offline: options.offline ?? ctx.settings.offline,
  });
  return { component, package: spec, records: value, freshness };
}
