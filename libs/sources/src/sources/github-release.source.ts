import { Octokit } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { UpkeepError, isUpkeepError, redactText, redactUrl } from '@upkeep/errors';
import type { CachedResource, LoadResult } from '../cache/resource-cache.ts';
import { conditionalHeaders } from '../http/conditional-headers.ts';
import { bufferedFetch } from '../http/buffered-fetch.ts';
import { parseLinkHeader } from '../http/link-header.ts';
import type { ReleaseAsset } from '../model/release.ts';
import type { SourceSpec } from '../model/source-spec.ts';
import {
  decodeReleaseBatch,
  encodeReleaseBatch,
  normalizeReleases,
  type RawRelease,
  type ReleaseBatch,
} from './release-normalizer.ts';
import { parseJsonBody } from './json-body.ts';
import type { ReleaseFeed } from './release-source.ts';
import type { SourceContext } from './source-context.ts';

const UpkeepOctokit = Octokit.plugin(retry, throttling);
type UpkeepOctokitClient = InstanceType<typeof UpkeepOctokit>;

/** GitHub's largest page. */
const PER_PAGE = 100;
/** 100,000 releases: far beyond any real project, short of an endless pagination loop. */
const MAX_PAGES = 1000;
/** Secondary-limit waits tried before the answer falls back to cache. */
const MAX_SECONDARY_RETRIES = 2;

// Statuses the throttling plugin handles (403, 429 with rate-limit headers) are kept away
// from the retry plugin, so one refusal is not retried twice over.
const DO_NOT_RETRY = [400, 401, 403, 404, 410, 422, 429, 451];

interface RequestErrorLike {
  readonly status: number;
  readonly message: string;
  readonly response?:
    { readonly headers?: Readonly<Record<string, string | number | undefined>> } | undefined;
  readonly cause?: unknown;
}

function isRequestError(error: unknown): error is RequestErrorLike & Error {
  return error instanceof Error && typeof (error as { status?: unknown }).status === 'number';
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function invalid(upstream: string, message: string): UpkeepError {
  return new UpkeepError('UPSTREAM_INVALID_RESPONSE', `${upstream}: ${message}`, {
    details: { upstream },
    hint: 'retry later; nothing from this answer was cached',
  });
}

/** Reads one page of `GET /repos/{owner}/{repo}/releases`; drafts are left out. */
export function readGithubReleasesPage(data: unknown, page: number, upstream: string): RawRelease[] {
  if (!Array.isArray(data)) {
    const what =
      typeof data === 'string' ? (data === '' ? 'an empty body' : 'text that is not JSON') : typeof data;
    throw invalid(upstream, `page ${page} of releases is ${what}, not a JSON array`);
  }
  const out: RawRelease[] = [];
  data.forEach((item: unknown, index) => {
    const r = record(item);
    const where = `page ${page}, release ${index + 1}`;
    if (r === undefined || typeof r['tag_name'] !== 'string' || !Array.isArray(r['assets'])) {
      throw invalid(upstream, `${where} has no tag_name or assets`);
    }
    if (r['draft'] === true) return;
    const assets: ReleaseAsset[] = (r['assets'] as unknown[]).map((value, n) => {
      const a = record(value);
      if (a === undefined || typeof a['name'] !== 'string' || typeof a['browser_download_url'] !== 'string') {
        throw invalid(upstream, `${where}, asset ${n + 1} has no name or browser_download_url`);
      }
      return {
        name: a['name'],
        url: a['browser_download_url'],
        size: typeof a['size'] === 'number' ? a['size'] : null,
      };
    });
    out.push({
      tag: r['tag_name'],
      published_at: typeof r['published_at'] === 'string' ? r['published_at'] : null,
      prerelease: r['prerelease'] === true,
      notes: typeof r['body'] === 'string' ? r['body'] : '',
      assets,
    });
  });
  return out;
}

// Octokit parses JSON with a BigInt-safe parser written in JavaScript, ten times slower than
// JSON.parse; release ids fit a double, so pages are read raw and parsed natively.
const RAW_BODY = { parseSuccessResponseBody: false };

async function bodyJson(data: unknown, upstream: string, page: number): Promise<unknown> {
  const text =
    data instanceof ReadableStream ? await new Response(data as ReadableStream<Uint8Array>).text() : '';
  return parseJsonBody(text, upstream, `page ${page} of releases`);
}

function header(headers: Readonly<Record<string, string | number | undefined>> | undefined, name: string) {
  const value = headers?.[name];
  return value === undefined ? undefined : String(value);
}

/** Turns whatever octokit threw into an UpkeepError that names the repository, never the token. */
function translate(error: unknown, repo: string, upstream: string, secrets: readonly string[]): UpkeepError {
  if (isUpkeepError(error)) return error;
  if (isRequestError(error)) {
    if (isUpkeepError(error.cause)) return error.cause;
    const status = error.status;
    const headers = error.response?.headers;
    const message = redactText(error.message, secrets);
    const details = { upstream, repo, status };
    if (status === 401) {
      return new UpkeepError('UPSTREAM_AUTH', `GitHub refused the token for ${repo} (401)`, {
        details,
        hint: 'check GITHUB_TOKEN or the token file; the token may have expired',
      });
    }
    if (
      status === 429 ||
      (status === 403 && (header(headers, 'x-ratelimit-remaining') === '0' || /rate limit/i.test(message)))
    ) {
      const reset = Number(header(headers, 'x-ratelimit-reset'));
      return new UpkeepError(
        'UPSTREAM_RATE_LIMITED',
        `GitHub rate limit refused the request for ${repo} (${status}): ${message}`,
        {
          details: {
            ...details,
            ...(Number.isFinite(reset) ? { reset_at: new Date(reset * 1000).toISOString() } : {}),
          },
          hint: 'wait for the reset, or give a token (GITHUB_TOKEN) for a larger budget',
        },
      );
    }
    if (status === 403) {
      return new UpkeepError('UPSTREAM_AUTH', `GitHub refused access to ${repo} (403): ${message}`, {
        details,
        hint: 'check that the token may read this repository',
      });
    }
    if (status === 404) {
      return new UpkeepError('UPSTREAM_NOT_FOUND', `GitHub has no repository ${repo} at ${upstream}`, {
        details,
        hint: 'check github_repo in versions.yaml; a private repository also needs a token',
      });
    }
    if (status >= 500) {
      const cause = error.cause instanceof Error ? redactText(error.cause.message, secrets) : undefined;
      const what = error.response === undefined ? 'could not be reached' : `answered ${status}`;
      return new UpkeepError(
        'UPSTREAM_UNREACHABLE',
        `GitHub ${what} for ${repo}: ${message}${cause === undefined || cause === message ? '' : ` (${cause})`}`,
        { details, hint: 'check network access to the GitHub API, or use a local registry mirror' },
      );
    }
    return invalid(upstream, `answered ${status} for ${repo}: ${message}`);
  }
  const text = error instanceof Error ? error.message : String(error);
  return new UpkeepError(
    'UPSTREAM_UNREACHABLE',
    `GitHub request for ${repo} failed: ${redactText(text, secrets)}`,
    {
      details: { upstream, repo },
    },
  );
}

let clientsCreated = 0;

function createClient(component: string, ctx: SourceContext): UpkeepOctokitClient {
  const { github, retries, retryBaseMs, maxRetryAfterSeconds } = ctx.settings;
  const gate = ctx.gates.for(github.baseUrl, github.rateLimitThreshold);
  const secrets = github.token === undefined ? [] : [github.token.reveal()];
  const warn = (message: string): void => ctx.ports.logger?.warn(redactText(message, secrets));
  const client = new UpkeepOctokit({
    baseUrl: github.baseUrl,
    ...(github.token === undefined ? {} : { auth: github.token.reveal() }),
    userAgent: 'upkeep',
    log: { debug: () => undefined, info: () => undefined, warn, error: warn },
    request: {
      fetch: bufferedFetch(ctx.ports.fetch, {
        timeoutMs: github.timeoutSeconds * 1000,
        observe: (headers) => {
          gate.observe(headers);
        },
      }),
    },
    retry: { retries, doNotRetry: DO_NOT_RETRY, retryAfterBaseValue: retryBaseMs },
    throttle: {
      // Requests of one component queue behind each other only; p-limit bounds components.
      id: `upkeep:${component}:${String((clientsCreated += 1))}`,
      onRateLimit: (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) =>
        retryCount < 1 && retryAfter <= maxRetryAfterSeconds,
      onSecondaryRateLimit: (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) =>
        retryCount < MAX_SECONDARY_RETRIES && retryAfter <= maxRetryAfterSeconds,
    },
  });
  const origin = new URL(github.baseUrl).origin;
  client.hook.before('request', (options) => {
    // A Link header naming another host must not receive the token.
    if (/^https?:\/\//i.test(options.url) && new URL(options.url).origin !== origin) {
      throw new UpkeepError(
        'UPSTREAM_INVALID_RESPONSE',
        `GitHub pagination pointed at another host (${redactUrl(options.url)}); refusing to follow it`,
        { details: { upstream: github.baseUrl } },
      );
    }
  });
  return client;
}

/** The GitHub releases of one repository, through octokit (retries, throttling), every page. */
export function githubFeed(
  component: string,
  spec: Extract<SourceSpec, { kind: 'github' }>,
  ctx: SourceContext,
): ReleaseFeed {
  const { github } = ctx.settings;
  const [owner = '', repo = ''] = spec.repo.split('/');
  const upstream = `${github.baseUrl}/repos/${spec.repo}`;
  const secrets = github.token === undefined ? [] : [github.token.reveal()];
  let client: UpkeepOctokitClient | undefined;

  const resource: CachedResource<ReleaseBatch> = {
    key: { component, key: `github:${github.baseUrl}:${spec.repo}:releases` },
    ttlSeconds: github.cacheTtlSeconds,
    upstream,
    gate: ctx.gates.for(github.baseUrl, github.rateLimitThreshold),
    decode: decodeReleaseBatch,
    async load(validators): Promise<LoadResult<ReleaseBatch>> {
      client ??= createClient(component, ctx);
      const octokit = client;
      // Page 1 carries the validators: releases are listed newest first, so any new or edited
      // recent release changes page 1 and its ETag. Older pages are refetched past max_age.
      let first;
      try {
        first = await octokit.request('GET /repos/{owner}/{repo}/releases', {
          owner,
          repo,
          per_page: PER_PAGE,
          headers: conditionalHeaders(validators),
          request: RAW_BODY,
        });
      } catch (error) {
        if (isRequestError(error) && error.status === 304) return { status: 'not-modified' };
        throw translate(error, spec.repo, upstream, secrets);
      }
      const raw = readGithubReleasesPage(await bodyJson(first.data, upstream, 1), 1, upstream);
      // Pages are followed by their Link header, as GitHub asks. Not through the paginate
      // plugin: it inspects each page before we can, and a malformed page makes it throw a
      // TypeError that reads as a network failure instead of an invalid answer.
      let next = parseLinkHeader(first.headers.link).get('next');
      for (let page = 2; next !== undefined; page += 1) {
        if (page > MAX_PAGES) throw invalid(upstream, `more than ${MAX_PAGES} pages of releases`);
        let response;
        try {
          response = await octokit.request(`GET ${next}`, { request: RAW_BODY });
        } catch (error) {
          throw translate(error, spec.repo, upstream, secrets);
        }
        raw.push(...readGithubReleasesPage(await bodyJson(response.data, upstream, page), page, upstream));
        next = parseLinkHeader(response.headers.link).get('next');
      }
      const batch = normalizeReleases(raw, { source: 'github', tagRules: spec.tagRules });
      return {
        status: 'modified',
        value: batch,
        body: encodeReleaseBatch(batch),
        validators: {
          etag: first.headers.etag ?? null,
          lastModified: first.headers['last-modified'] ?? null,
        },
      };
    },
  };
  return { mode: 'cached', kind: 'github', resource };
}
