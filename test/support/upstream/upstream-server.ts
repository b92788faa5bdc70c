import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sha256Hex, toBytes } from './archives.ts';
import type {
  RecordedRequest,
  UpstreamFault,
  UpstreamFile,
  UpstreamOptions,
  UpstreamRelease,
} from './model.ts';
import { RequestLog } from './request-log.ts';

/** A running local upstream. */
export interface Upstream {
  /** `http://127.0.0.1:PORT`: the base URL for GitHub (`github_api.base_url`), GitLab and OSV alike. */
  readonly url: string;
  readonly requests: RequestLog;
  /** Replaces the active faults (`null` clears them). */
  setFault(fault: UpstreamFault | readonly UpstreamFault[] | null): void;
  setLatency(ms: number): void;
  setRateLimit(limit: { limit?: number; remaining?: number; resetInSeconds?: number }): void;
  rateLimit(): { limit: number; remaining: number; reset: number };
  /** Replaces a repository's (or project's) releases; the list's ETag and Last-Modified change. */
  setReleases(api: 'github' | 'gitlab', repo: string, releases: readonly UpstreamRelease[]): void;
  /** Publishes a new release on top of the list. */
  addRelease(api: 'github' | 'gitlab', repo: string, release: UpstreamRelease): void;
  setFile(path: string, file: UpstreamFile | undefined): void;
  setOsv(records: readonly unknown[]): void;
  close(): Promise<void>;
}

interface StoredAsset {
  readonly id: number;
  readonly name: string;
  readonly content: Buffer;
  readonly contentType: string;
  readonly sha256: string;
}

interface StoredRelease {
  readonly id: number;
  readonly tag: string;
  readonly name: string;
  readonly body: string;
  readonly draft: boolean;
  readonly prerelease: boolean;
  readonly publishedAt: string;
  readonly assets: readonly StoredAsset[];
}

interface StoredRepo {
  readonly id: number;
  readonly path: string;
  releases: StoredRelease[];
  lastModified: number;
  /** Rendered list pages, so a 304 costs the upstream what it costs GitHub: next to nothing. */
  readonly rendered: Map<string, Buffer>;
}

interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  readonly base: string;
  readonly entry: RecordedRequest;
  readonly fault: UpstreamFault | undefined;
}

const BASE_DATE = Date.parse('2024-06-01T00:00:00Z');
const SECONDARY_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000.';
const DOCS = 'https://docs.github.com/rest';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function httpDate(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toUTCString();
}

const etags = new WeakMap<Buffer, string>();

function weakEtag(body: Buffer): string {
  let etag = etags.get(body);
  if (etag === undefined) {
    etag = `W/"${createHash('sha1').update(body).digest('hex')}"`;
    etags.set(body, etag);
  }
  return etag;
}

function rendered(repo: StoredRepo, key: string, build: () => unknown): Buffer {
  let body = repo.rendered.get(key);
  if (body === undefined) {
    body = Buffer.from(JSON.stringify(build()));
    repo.rendered.set(key, body);
  }
  return body;
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => t.trim() === '*' || bare(t) === bare(etag));
}

function contentTypeOf(name: string): string {
  if (name.endsWith('.json')) return 'application/json; charset=utf-8';
  if (name.endsWith('.html') || name.endsWith('/')) return 'text/html; charset=utf-8';
  if (name.endsWith('.txt') || /SUMS$/.test(name) || name.endsWith('.sha256'))
    return 'text/plain; charset=utf-8';
  if (name.endsWith('.asc')) return 'application/pgp-signature';
  return 'application/octet-stream';
}

function fileOf(file: UpstreamFile): { content: Buffer; contentType?: string | undefined } {
  if (typeof file === 'string' || file instanceof Uint8Array) return { content: toBytes(file) };
  return { content: toBytes(file.content), contentType: file.contentType };
}

function faultMatches(fault: UpstreamFault, path: string): boolean {
  if (fault.match === undefined) return true;
  return typeof fault.match === 'string' ? path.startsWith(fault.match) : fault.match.test(path);
}

function classify(path: string): string {
  if (path.startsWith('/api/v4/')) return 'gitlab';
  if (path.startsWith('/repos/') || path.startsWith('/repositories/') || path === '/rate_limit')
    return 'github';
  if (path.startsWith('/v1/')) return 'osv';
  if (path.startsWith('/gh-download/') || path.startsWith('/gl-download/')) return 'download';
  return 'file';
}

/**
 * Starts a local server that speaks GitHub's releases API and GitLab's v4 releases API
 * faithfully enough for Upkeep's clients (pagination with `Link`, ETag/304,
 * Last-Modified/If-Modified-Since, rate-limit headers, secondary limits with
 * `retry-after`), serves release assets and static files with Range support, answers OSV
 * queries, records every request, and misbehaves on demand (`setFault`). See README.md.
 */
export async function startUpstream(options: UpstreamOptions = {}): Promise<Upstream> {
  const requests = new RequestLog();
  let latencyMs = options.latencyMs ?? 0;
  let faults: { fault: UpstreamFault; left: number }[] = [];
  const rate = {
    limit: options.rateLimit?.limit ?? 5000,
    remaining: options.rateLimit?.remaining ?? options.rateLimit?.limit ?? 5000,
    reset: Math.floor(Date.now() / 1000) + (options.rateLimit?.resetInSeconds ?? 3600),
  };
  let nextId = 1000;
  const repos = { github: new Map<string, StoredRepo>(), gitlab: new Map<string, StoredRepo>() };
  const files = new Map<string, { content: Buffer; contentType?: string | undefined; modified: number }>();
  let osv: readonly unknown[] = options.osv ?? [];

  const store = (release: UpstreamRelease, index: number): StoredRelease => ({
    id: (nextId += 1),
    tag: release.tag,
    name: release.name ?? release.tag,
    body: release.body ?? '',
    draft: release.draft ?? false,
    prerelease: release.prerelease ?? false,
    publishedAt: release.published_at ?? new Date(BASE_DATE - index * 86_400_000).toISOString(),
    assets: (release.assets ?? []).map((a) => {
      const content = toBytes(a.content);
      return {
        id: (nextId += 1),
        name: a.name,
        content,
        contentType: a.contentType ?? contentTypeOf(a.name),
        sha256: sha256Hex(content),
      };
    }),
  });

  const setReleases = (
    api: 'github' | 'gitlab',
    path: string,
    releases: readonly UpstreamRelease[],
  ): void => {
    const existing = repos[api].get(path);
    repos[api].set(path, {
      id: existing?.id ?? (nextId += 1),
      path,
      releases: releases.map(store),
      lastModified: Math.max(Date.now(), (existing?.lastModified ?? 0) + 1000),
      rendered: new Map(),
    });
  };
  for (const [path, list] of Object.entries(options.github ?? {})) setReleases('github', path, list);
  for (const [path, list] of Object.entries(options.gitlab ?? {})) setReleases('gitlab', path, list);
  for (const [path, file] of Object.entries(options.files ?? {}))
    files.set(path, { ...fileOf(file), modified: Date.now() });
  const setFault = (fault: UpstreamFault | readonly UpstreamFault[] | null): void => {
    const list: readonly UpstreamFault[] =
      fault === null ? [] : Array.isArray(fault) ? fault : [fault as UpstreamFault];
    faults = list.map((f) => ({ fault: f, left: f.times ?? Number.POSITIVE_INFINITY }));
  };
  setFault(options.faults ?? null);

  const takeFault = (path: string): UpstreamFault | undefined => {
    for (const slot of faults) {
      if (slot.left > 0 && faultMatches(slot.fault, path)) {
        slot.left -= 1;
        return slot.fault;
      }
    }
    return undefined;
  };

  const refreshWindow = (): void => {
    const now = Math.floor(Date.now() / 1000);
    if (now >= rate.reset) {
      rate.remaining = rate.limit;
      rate.reset = now + 3600;
    }
  };

  // ---- writing answers -------------------------------------------------------------------

  const write = (x: Exchange, status: number, body: Buffer, headers: OutgoingHttpHeaders): void => {
    const { res } = x;
    if (x.req.method === 'HEAD' || status === 304 || status === 204) {
      res.writeHead(status, { ...headers, ...(status === 304 ? {} : { 'content-length': body.length }) });
      res.end();
      return;
    }
    if (x.fault?.kind === 'truncated' && body.length > 1) {
      res.writeHead(status, { ...headers, 'content-length': body.length });
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
      return;
    }
    const sent =
      x.fault?.kind === 'malformed' && body.length > 1 ? body.subarray(0, Math.floor(body.length / 2)) : body;
    res.writeHead(status, { ...headers, 'content-length': sent.length });
    res.end(sent);
  };

  const json = (x: Exchange, status: number, value: unknown, headers: OutgoingHttpHeaders = {}): void => {
    write(x, status, Buffer.from(JSON.stringify(value)), {
      'content-type': 'application/json; charset=utf-8',
      ...headers,
    });
  };

  /** Answers a cacheable document: 304 when the client's validators still hold. */
  const document = (
    x: Exchange,
    body: Buffer,
    headers: OutgoingHttpHeaders,
    lastModified: number,
    api: 'github' | 'gitlab',
  ): void => {
    const etag = weakEtag(body);
    const inm = x.req.headers['if-none-match'];
    const ims = x.req.headers['if-modified-since'];
    const notModified =
      inm !== undefined
        ? etagMatches(inm, etag)
        : ims !== undefined &&
          Number.isFinite(Date.parse(ims)) &&
          Math.floor(lastModified / 1000) * 1000 <= Date.parse(ims);
    // As on GitHub, a 304 to a conditional request does not spend the rate limit.
    const limitHeaders = notModified ? rateHeaders(api) : spend(api)();
    const all = {
      ...headers,
      ...limitHeaders,
      etag,
      'last-modified': httpDate(lastModified),
      vary: 'Accept, Authorization',
    };
    write(x, notModified ? 304 : 200, body, all);
  };

  const rateHeaders = (api: 'github' | 'gitlab'): OutgoingHttpHeaders =>
    api === 'github'
      ? {
          'x-ratelimit-limit': String(rate.limit),
          'x-ratelimit-remaining': String(rate.remaining),
          'x-ratelimit-reset': String(rate.reset),
          'x-ratelimit-used': String(rate.limit - rate.remaining),
          'x-ratelimit-resource': 'core',
        }
      : {
          'ratelimit-limit': String(rate.limit),
          'ratelimit-observed': String(rate.limit - rate.remaining),
          'ratelimit-remaining': String(rate.remaining),
          'ratelimit-reset': String(rate.reset),
          'ratelimit-resettime': httpDate(rate.reset * 1000),
        };

  const spend = (api: 'github' | 'gitlab') => (): OutgoingHttpHeaders => {
    rate.remaining = Math.max(0, rate.remaining - 1);
    return rateHeaders(api);
  };

  const serveBytes = (
    x: Exchange,
    content: Buffer,
    contentType: string,
    modified: number,
    name?: string,
  ): void => {
    const etag = `"${createHash('sha256').update(content).digest('hex').slice(0, 32)}"`;
    const base: OutgoingHttpHeaders = {
      'content-type': contentType,
      'accept-ranges': 'bytes',
      etag,
      'last-modified': httpDate(modified),
      ...(name === undefined
        ? {}
        : { 'content-disposition': `attachment; filename="${encodeURIComponent(name)}"` }),
    };
    if (etagMatches(x.req.headers['if-none-match'], etag)) {
      write(x, 304, Buffer.alloc(0), base);
      return;
    }
    const range = x.req.headers.range;
    if (range !== undefined) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      let start = m?.[1] === '' || m?.[1] === undefined ? undefined : Number(m[1]);
      let end = m?.[2] === '' || m?.[2] === undefined ? undefined : Number(m[2]);
      if (start === undefined && end !== undefined) {
        start = Math.max(0, content.length - end);
        end = content.length - 1;
      }
      if (
        m === null ||
        start === undefined ||
        start >= content.length ||
        (end !== undefined && end < start)
      ) {
        write(x, 416, Buffer.alloc(0), { ...base, 'content-range': `bytes */${content.length}` });
        return;
      }
      const last = Math.min(end ?? content.length - 1, content.length - 1);
      write(x, 206, content.subarray(start, last + 1), {
        ...base,
        'content-range': `bytes ${start}-${last}/${content.length}`,
      });
      return;
    }
    write(x, 200, content, base);
  };

  // ---- GitHub ------------------------------------------------------------------------------

  const githubAuth = (x: Exchange): 'ok' | 'anonymous' | 'bad' => {
    const header = x.req.headers.authorization;
    if (header === undefined) return 'anonymous';
    const token = header.replace(/^(token|bearer)\s+/i, '');
    if (options.token === undefined) return 'ok';
    return token === options.token ? 'ok' : 'bad';
  };

  const githubAsset = (x: Exchange, repo: StoredRepo, a: StoredAsset, r: StoredRelease) => ({
    url: `${x.base}/repos/${repo.path}/releases/assets/${a.id}`,
    id: a.id,
    node_id: `RA_${a.id}`,
    name: a.name,
    label: '',
    uploader: { login: 'release-bot', id: 1, type: 'Bot' },
    content_type: a.contentType,
    state: 'uploaded',
    size: a.content.length,
    digest: `sha256:${a.sha256}`,
    download_count: 0,
    created_at: r.publishedAt,
    updated_at: r.publishedAt,
    browser_download_url: `${x.base}/gh-download/${repo.path}/${encodeURIComponent(r.tag)}/${encodeURIComponent(a.name)}`,
  });

  const githubRelease = (x: Exchange, repo: StoredRepo, r: StoredRelease) => ({
    url: `${x.base}/repos/${repo.path}/releases/${r.id}`,
    assets_url: `${x.base}/repos/${repo.path}/releases/${r.id}/assets`,
    upload_url: `${x.base}/repos/${repo.path}/releases/${r.id}/assets{?name,label}`,
    html_url: `${x.base}/${repo.path}/releases/tag/${encodeURIComponent(r.tag)}`,
    id: r.id,
    author: { login: 'release-bot', id: 1, type: 'Bot' },
    node_id: `RE_${r.id}`,
    tag_name: r.tag,
    target_commitish: 'main',
    name: r.name,
    draft: r.draft,
    immutable: false,
    prerelease: r.prerelease,
    created_at: r.publishedAt,
    updated_at: r.publishedAt,
    published_at: r.draft ? null : r.publishedAt,
    assets: r.assets.map((a) => githubAsset(x, repo, a, r)),
    tarball_url: `${x.base}/repos/${repo.path}/tarball/${encodeURIComponent(r.tag)}`,
    zipball_url: `${x.base}/repos/${repo.path}/zipball/${encodeURIComponent(r.tag)}`,
    body: r.body,
  });

  const github = (x: Exchange): void => {
    const [head, ...rest] = x.segments;
    if (head === 'rate_limit') {
      refreshWindow();
      const core = {
        limit: rate.limit,
        remaining: rate.remaining,
        reset: rate.reset,
        used: rate.limit - rate.remaining,
      };
      json(x, 200, { resources: { core }, rate: core }, rateHeaders('github'));
      return;
    }
    const auth = githubAuth(x);
    if (auth === 'bad') {
      json(x, 401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
      return;
    }
    refreshWindow();
    if (rate.remaining <= 0) {
      json(
        x,
        403,
        {
          message: 'API rate limit exceeded for 127.0.0.1.',
          documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`,
        },
        rateHeaders('github'),
      );
      return;
    }
    let repo: StoredRepo | undefined;
    let tail: readonly string[];
    if (head === 'repositories') {
      repo = [...repos.github.values()].find((r) => String(r.id) === rest[0]);
      tail = rest.slice(1);
    } else {
      repo = repos.github.get(`${rest[0] ?? ''}/${rest[1] ?? ''}`);
      tail = rest.slice(2);
    }
    const notFound = (): void => {
      json(
        x,
        404,
        { message: 'Not Found', documentation_url: `${DOCS}/releases/releases`, status: '404' },
        spend('github')(),
      );
    };
    if (repo === undefined || tail[0] !== 'releases') {
      notFound();
      return;
    }
    const visible = repo.releases.filter((r) => !r.draft || auth === 'ok');
    if (tail.length === 1) {
      const perPage = Math.min(100, Math.max(1, Number(x.query.get('per_page') ?? 30) || 30));
      const page = Math.max(1, Number(x.query.get('page') ?? 1) || 1);
      const last = Math.max(1, Math.ceil(visible.length / perPage));
      const link = (n: number) =>
        `<${x.base}/repositories/${repo.id}/releases?per_page=${perPage}&page=${n}>`;
      const links: string[] = [];
      if (page > 1) links.push(`${link(Math.min(page - 1, last))}; rel="prev"`);
      if (page < last) links.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
      if (page > 1) links.push(`${link(1)}; rel="first"`);
      const body = rendered(repo, `github ${x.base} ${auth} ${perPage} ${page}`, () =>
        visible.slice((page - 1) * perPage, page * perPage).map((r) => githubRelease(x, repo, r)),
      );
      document(
        x,
        body,
        {
          'content-type': 'application/json; charset=utf-8',
          ...(links.length > 0 ? { link: links.join(', ') } : {}),
        },
        repo.lastModified,
        'github',
      );
      return;
    }
    let release: StoredRelease | undefined;
    if (tail[1] === 'latest' && tail.length === 2) {
      release = visible.find((r) => !r.draft && !r.prerelease);
    } else if (tail[1] === 'tags' && tail.length >= 3) {
      const tag = tail.slice(2).join('/');
      release = visible.find((r) => r.tag === tag && !r.draft);
    } else if (tail[1] === 'assets' && tail.length === 3) {
      for (const r of visible) {
        const asset = r.assets.find((a) => String(a.id) === tail[2]);
        if (asset === undefined) continue;
        const body = githubAsset(x, repo, asset, r);
        if ((x.req.headers.accept ?? '').includes('application/octet-stream')) {
          write(x, 302, Buffer.alloc(0), { location: body.browser_download_url, ...spend('github')() });
        } else {
          document(
            x,
            Buffer.from(JSON.stringify(body)),
            { 'content-type': 'application/json; charset=utf-8' },
            repo.lastModified,
            'github',
          );
        }
        return;
      }
    } else if (tail.length === 2) {
      release = visible.find((r) => String(r.id) === tail[1]);
    }
    if (release === undefined) {
      notFound();
      return;
    }
    document(
      x,
      Buffer.from(JSON.stringify(githubRelease(x, repo, release))),
      { 'content-type': 'application/json; charset=utf-8' },
      repo.lastModified,
      'github',
    );
  };

  const download = (x: Exchange, api: 'github' | 'gitlab'): void => {
    // /gh-download/owner/repo/tag/name or /gl-download/<encoded project>/tag/name
    const parts = x.segments.slice(1);
    const name = parts.at(-1) ?? '';
    const tag = parts.at(-2) ?? '';
    const path = parts.slice(0, -2).join('/');
    const repo = repos[api].get(path);
    const release = repo?.releases.find((r) => r.tag === tag);
    const asset = release?.assets.find((a) => a.name === name);
    if (repo === undefined || asset === undefined) {
      write(x, 404, Buffer.from('Not Found'), { 'content-type': 'text/plain' });
      return;
    }
    serveBytes(x, asset.content, 'application/octet-stream', repo.lastModified, asset.name);
  };

  // ---- GitLab ------------------------------------------------------------------------------

  const gitlab = (x: Exchange): void => {
    // /api/v4/projects/:id/releases[/:tag]
    const [, , projects, id, releases, ...tagParts] = x.segments;
    const header = x.req.headers['private-token'] ?? x.req.headers.authorization?.replace(/^bearer\s+/i, '');
    const token = Array.isArray(header) ? header[0] : header;
    if (token !== undefined && options.token !== undefined && token !== options.token) {
      json(x, 401, { message: '401 Unauthorized' });
      return;
    }
    refreshWindow();
    if (rate.remaining <= 0) {
      json(
        x,
        429,
        { message: 'Retry later' },
        {
          ...rateHeaders('gitlab'),
          'retry-after': String(Math.max(1, rate.reset - Math.floor(Date.now() / 1000))),
        },
      );
      return;
    }
    const repo =
      projects === 'projects' && id !== undefined
        ? (repos.gitlab.get(id) ?? [...repos.gitlab.values()].find((r) => String(r.id) === id))
        : undefined;
    if (repo === undefined || releases !== 'releases') {
      json(x, 404, { message: '404 Project Not Found' }, spend('gitlab')());
      return;
    }
    const encodedId = encodeURIComponent(repo.path);
    const visible = repo.releases.filter((r) => !r.draft);
    const toJson = (r: StoredRelease) => ({
      name: r.name,
      tag_name: r.tag,
      description: r.body,
      created_at: r.publishedAt,
      released_at: r.publishedAt,
      upcoming_release: Date.parse(r.publishedAt) > Date.now(),
      author: { id: 1, username: 'release-bot', name: 'Release Bot', state: 'active' },
      commit: { id: createHash('sha1').update(r.tag).digest('hex'), title: r.name },
      assets: {
        count: r.assets.length + 2,
        sources: ['zip', 'tar.gz'].map((format) => ({
          format,
          url: `${x.base}/${repo.path}/-/archive/${encodeURIComponent(r.tag)}/source.${format}`,
        })),
        links: r.assets.map((a) => {
          const url = `${x.base}/gl-download/${encodedId}/${encodeURIComponent(r.tag)}/${encodeURIComponent(a.name)}`;
          return { id: a.id, name: a.name, url, direct_asset_url: url, link_type: 'package' };
        }),
      },
      evidences: [],
      _links: { self: `${x.base}/${repo.path}/-/releases/${encodeURIComponent(r.tag)}` },
    });
    if (tagParts.length > 0) {
      const release = visible.find((r) => r.tag === tagParts.join('/'));
      if (release === undefined) {
        json(x, 404, { message: '404 Not found' }, spend('gitlab')());
        return;
      }
      document(
        x,
        Buffer.from(JSON.stringify(toJson(release))),
        { 'content-type': 'application/json' },
        repo.lastModified,
        'gitlab',
      );
      return;
    }
    const perPage = Math.min(100, Math.max(1, Number(x.query.get('per_page') ?? 20) || 20));
    const page = Math.max(1, Number(x.query.get('page') ?? 1) || 1);
    const totalPages = Math.max(1, Math.ceil(visible.length / perPage));
    const link = (n: number) =>
      `<${x.base}/api/v4/projects/${encodedId}/releases?id=${encodedId}&page=${n}&per_page=${perPage}>`;
    const links = [
      ...(page > 1 ? [`${link(page - 1)}; rel="prev"`] : []),
      ...(page < totalPages ? [`${link(page + 1)}; rel="next"`] : []),
      `${link(1)}; rel="first"`,
      `${link(totalPages)}; rel="last"`,
    ];
    const body = rendered(repo, `gitlab ${x.base} ${perPage} ${page}`, () =>
      visible.slice((page - 1) * perPage, page * perPage).map(toJson),
    );
    document(
      x,
      body,
      {
        'content-type': 'application/json',
        link: links.join(', '),
        'x-page': String(page),
        'x-per-page': String(perPage),
        'x-total': String(visible.length),
        'x-total-pages': String(totalPages),
        'x-next-page': page < totalPages ? String(page + 1) : '',
        'x-prev-page': page > 1 ? String(page - 1) : '',
      },
      repo.lastModified,
      'gitlab',
    );
  };

  // ---- OSV ---------------------------------------------------------------------------------

  const readBody = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };

  const osvApi = async (x: Exchange): Promise<void> => {
    if (x.segments[1] === 'vulns' && x.req.method === 'GET') {
      const record = osv.find((r) => (r as { id?: unknown }).id === x.segments[2]);
      if (record === undefined) json(x, 404, { code: 5, message: 'Bug not found.' });
      else json(x, 200, record);
      return;
    }
    if (x.segments[1] !== 'query' || x.req.method !== 'POST') {
      json(x, 404, { code: 5, message: 'Not found' });
      return;
    }
    let query: { package?: { ecosystem?: unknown; name?: unknown }; page_token?: unknown };
    try {
      query = JSON.parse(await readBody(x.req)) as typeof query;
    } catch {
      json(x, 400, { code: 3, message: 'Invalid query.' });
      return;
    }
    const ecosystem = query.package?.ecosystem;
    const name = query.package?.name;
    if (typeof ecosystem !== 'string' || typeof name !== 'string') {
      json(x, 400, { code: 3, message: 'Invalid query.' });
      return;
    }
    const matching = osv.filter((record) => {
      const affected =
        (record as { affected?: { package?: { ecosystem?: string; name?: string } }[] }).affected ?? [];
      return affected.some((a) => a.package?.ecosystem === ecosystem && a.package.name === name);
    });
    const size = options.osvPageSize ?? 1000;
    const offset =
      typeof query.page_token === 'string'
        ? Number(Buffer.from(query.page_token, 'base64url').toString())
        : 0;
    if (!Number.isInteger(offset) || offset < 0) {
      json(x, 400, { code: 3, message: 'Invalid page token.' });
      return;
    }
    const vulns = matching.slice(offset, offset + size);
    const next =
      offset + size < matching.length ? Buffer.from(String(offset + size)).toString('base64url') : undefined;
    json(
      x,
      200,
      vulns.length === 0 ? {} : { vulns, ...(next === undefined ? {} : { next_page_token: next }) },
    );
  };

  // ---- dispatch ----------------------------------------------------------------------------

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q === -1 ? raw : raw.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : raw.slice(q + 1));
    const entry = requests.record({
      method: req.method ?? 'GET',
      path,
      query: q === -1 ? '' : raw.slice(q + 1),
      api: classify(path),
      conditional:
        req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined,
      authenticated: req.headers.authorization !== undefined || req.headers['private-token'] !== undefined,
      status: 0,
      at: Date.now(),
    });
    const writeHead = res.writeHead.bind(res);
    res.writeHead = (status: number, ...rest: never[]) => {
      entry.status = status;
      return writeHead(status, ...rest);
    };
    if (latencyMs > 0) await sleep(latencyMs);
    let segments: string[];
    try {
      segments = path
        .split('/')
        .slice(1)
        .map((s) => decodeURIComponent(s));
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('bad path encoding');
      return;
    }
    let fault = takeFault(path);
    const x0 = { req, res, segments, query, base: `http://${req.headers.host ?? '127.0.0.1'}`, entry, fault };
    if (fault !== undefined) {
      switch (fault.kind) {
        case 'reset':
          req.socket.destroy();
          return;
        case 'slow':
          await sleep(fault.delayMs);
          fault = undefined;
          break;
        case 'status':
          json(
            x0,
            fault.status,
            { message: `injected ${fault.status}` },
            fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) },
          );
          return;
        case 'secondary-rate-limit':
          json(
            x0,
            fault.status,
            {
              message: SECONDARY_MESSAGE,
              documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
            },
            { 'retry-after': String(fault.retryAfterSeconds), ...rateHeaders('github') },
          );
          return;
        case 'rate-limit-exhausted':
          rate.remaining = 0;
          fault = undefined;
          break;
        case 'truncated':
        case 'malformed':
          break;
      }
    }
    const x: Exchange = { ...x0, fault };
    const file = files.get(path);
    if (file !== undefined && (req.method === 'GET' || req.method === 'HEAD')) {
      serveBytes(x, file.content, file.contentType ?? contentTypeOf(path), file.modified);
      return;
    }
    switch (entry.api) {
      case 'github':
        github(x);
        return;
      case 'gitlab':
        gitlab(x);
        return;
      case 'osv':
        await osvApi(x);
        return;
      case 'download':
        download(x, path.startsWith('/gh-') ? 'github' : 'gitlab');
        return;
      default:
        write(x, 404, Buffer.from('Not Found'), { 'content-type': 'text/plain' });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      } else {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setFault,
    setLatency: (ms) => {
      latencyMs = ms;
    },
    setRateLimit: (limit) => {
      if (limit.limit !== undefined) rate.limit = limit.limit;
      if (limit.remaining !== undefined) rate.remaining = limit.remaining;
      if (limit.resetInSeconds !== undefined)
        rate.reset = Math.floor(Date.now() / 1000) + limit.resetInSeconds;
    },
    rateLimit: () => ({ ...rate }),
    setReleases,
    addRelease: (api, path, release) => {
      const existing = repos[api].get(path);
      const current = existing?.releases ?? [];
      setReleases(api, path, []);
      const repo = repos[api].get(path);
      if (repo !== undefined)
        repo.releases = [store({ published_at: new Date().toISOString(), ...release }, 0), ...current];
    },
    setFile: (path, file) => {
      if (file === undefined) files.delete(path);
      else files.set(path, { ...fileOf(file), modified: Date.now() });
    },
    setOsv: (records) => {
      osv = records;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
        server.closeAllConnections();
      }),
  };
}
