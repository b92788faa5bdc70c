/** A file attached to a release, with its real bytes. */
export interface UpstreamAsset {
  readonly name: string;
  readonly content: string | Uint8Array;
  readonly contentType?: string;
}

/**
 * A release as the upstream holds it. Give releases newest first, as GitHub and GitLab list
 * them. Tags are used as given, hostile ones included.
 */
export interface UpstreamRelease {
  readonly tag: string;
  readonly name?: string;
  readonly body?: string;
  /** Listed to authenticated requests only, as on GitHub. */
  readonly draft?: boolean;
  readonly prerelease?: boolean;
  /** ISO 8601; defaults to a date derived from the position in the list. */
  readonly published_at?: string;
  readonly assets?: readonly UpstreamAsset[];
}

/** A static file: bytes or text, with an optional content type. */
export type UpstreamFile =
  string | Uint8Array | { readonly content: string | Uint8Array; readonly contentType?: string };

/**
 * Something the server does wrong on purpose. `match` limits it to paths starting with a
 * string or matching a RegExp; `times` is how many requests it hits (default: all).
 * - `status`: answer this status (500, 502, 503, 404...) with a JSON message;
 * - `secondary-rate-limit`: 403 or 429 with GitHub's secondary-limit message and `retry-after`;
 * - `rate-limit-exhausted`: the primary limit is spent (remaining 0, 403 on GitHub, 429 on GitLab);
 * - `slow`: wait `delayMs` before answering;
 * - `truncated`: send headers announcing the full length, half the body, then cut the connection;
 * - `malformed`: answer 200 with the first half of the JSON body (a complete but broken document);
 * - `reset`: destroy the connection without answering.
 */
export type UpstreamFault = { readonly match?: string | RegExp; readonly times?: number } & (
  | { readonly kind: 'status'; readonly status: number; readonly retryAfterSeconds?: number }
  | { readonly kind: 'secondary-rate-limit'; readonly status: 403 | 429; readonly retryAfterSeconds: number }
  | { readonly kind: 'rate-limit-exhausted' }
  | { readonly kind: 'slow'; readonly delayMs: number }
  | { readonly kind: 'truncated' }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'reset' }
);

/** One request the server received. */
export interface RecordedRequest {
  readonly method: string;
  /** Path without the query, as sent (percent-encoding kept). */
  readonly path: string;
  readonly query: string;
  /** `github`, `gitlab`, `osv`, `download` or `file`. */
  readonly api: string;
  /** Whether it carried If-None-Match or If-Modified-Since. */
  readonly conditional: boolean;
  /** Whether it carried credentials (Authorization / PRIVATE-TOKEN). The value is never kept. */
  readonly authenticated: boolean;
  /** The status answered; 0 when the connection was cut before any. */
  status: number;
  readonly at: number;
}

export interface UpstreamOptions {
  /** GitHub repositories: `owner/name` → releases, newest first. */
  readonly github?: Readonly<Record<string, readonly UpstreamRelease[]>>;
  /** GitLab projects: `group/name` (or deeper) → releases, newest first. */
  readonly gitlab?: Readonly<Record<string, readonly UpstreamRelease[]>>;
  /** Static files by URL path (`/dl/x/versions.json`): direct URLs, registries, checksum files. */
  readonly files?: Readonly<Record<string, UpstreamFile>>;
  /** OSV records served by `POST /v1/query`, matched on `affected[].package`. */
  readonly osv?: readonly unknown[];
  /** Records per OSV page before `next_page_token` (default 1000). */
  readonly osvPageSize?: number;
  /** Added to every request before it is answered (default 0). */
  readonly latencyMs?: number;
  /** When set, requests with other credentials get 401; requests without are anonymous. */
  readonly token?: string;
  /** Primary rate limit (GitHub and GitLab alike); 304 answers do not spend it, as on GitHub. */
  readonly rateLimit?: {
    readonly limit?: number;
    readonly remaining?: number;
    readonly resetInSeconds?: number;
  };
  readonly faults?: readonly UpstreamFault[];
}
