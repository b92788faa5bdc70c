import { UpkeepError } from '@upkeep/errors';
import type { SecretValue } from '../security/secret-value.ts';

/** Global settings of discovery, from `versions.yaml` `global:` (already overlaid by environment). */
export interface SourceSettings {
  readonly github: {
    readonly baseUrl: string;
    readonly timeoutSeconds: number;
    readonly cacheTtlSeconds: number;
    /** Below this many remaining requests, answers come from cache. */
    readonly rateLimitThreshold: number;
    readonly token: SecretValue | undefined;
  };
  readonly gitlab: {
    readonly baseUrl: string;
    readonly timeoutSeconds: number;
    readonly cacheTtlSeconds: number;
    readonly rateLimitThreshold: number;
    readonly token: SecretValue | undefined;
  };
  readonly cache: { readonly ttlSeconds: number; readonly maxAgeSeconds: number };
  /** OSV API root. */
  readonly osvUrl: string;
  readonly offline: boolean;
  /**
   * How many components are resolved at once. GitHub's secondary limit starts at 100
   * concurrent requests; 32 leaves room for other clients of the same token while hiding
   * the latency of a fleet's worth of components.
   */
  readonly concurrency: number;
  /** Timeout for URLs that are neither GitHub nor GitLab (direct URLs, registries, OSV, checksums). */
  readonly timeoutSeconds: number;
  /** Retries after the first attempt for network errors, 5xx and short rate-limit waits. */
  readonly retries: number;
  /** First backoff; doubled (GitHub: squared) on each retry. */
  readonly retryBaseMs: number;
  /** A `retry-after` longer than this is not waited for: the answer comes from cache instead. */
  readonly maxRetryAfterSeconds: number;
}

type DeepPartial<T> = { readonly [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };

export type SourceSettingsInput = DeepPartial<Omit<SourceSettings, 'github' | 'gitlab' | 'cache'>> & {
  readonly github?: Partial<SourceSettings['github']>;
  readonly gitlab?: Partial<SourceSettings['gitlab']>;
  readonly cache?: Partial<SourceSettings['cache']>;
};

export const DEFAULT_GITHUB_API = 'https://api.github.com';
export const DEFAULT_GITLAB_API = 'https://gitlab.com';
export const DEFAULT_OSV_API = 'https://api.osv.dev';

function positive(name: string, value: number, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new UpkeepError('CONFIG_INVALID', `${name} must be a positive number, got ${String(value)}`, {
      details: { field: name, value },
      hint: `set ${name} to a number of seconds greater than zero`,
    });
  }
  return value;
}

function baseUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UpkeepError('CONFIG_INVALID', `${name} ${JSON.stringify(value)} is not a URL`, {
      details: { field: name },
      hint: `set ${name} to an https:// URL, for example ${DEFAULT_GITHUB_API}`,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UpkeepError('CONFIG_INVALID', `${name} must be http(s), got ${url.protocol}`, {
      details: { field: name },
      hint: `set ${name} to an https:// URL`,
    });
  }
  if (url.username !== '' || url.password !== '') {
    throw new UpkeepError('CONFIG_INVALID', `${name} must not carry credentials`, {
      details: { field: name },
      hint: 'give the token through GITHUB_TOKEN / GITLAB_TOKEN or a token file',
    });
  }
  return value.replace(/\/+$/, '');
}

/**
 * Fills defaults: GitHub `https://api.github.com`, GitLab `https://gitlab.com`, timeouts 10 s,
 * cache TTL 900 s and max age 86400 s (the seed's), API cache TTLs default to `cache.ttl`,
 * rate-limit threshold 10, OSV `https://api.osv.dev`, concurrency 32, 2 retries from 1 s.
 * @throws UpkeepError CONFIG_INVALID naming the key.
 */
export function resolveSourceSettings(input: SourceSettingsInput = {}): SourceSettings {
  const ttl = positive('cache.ttl', input.cache?.ttlSeconds ?? 900);
  const maxAge = positive('cache.max_age', input.cache?.maxAgeSeconds ?? 86_400);
  if (maxAge < ttl) {
    throw new UpkeepError('CONFIG_INVALID', `cache.max_age (${maxAge}) is shorter than cache.ttl (${ttl})`, {
      details: { field: 'cache.max_age' },
      hint: 'set cache.max_age to at least cache.ttl',
    });
  }
  return {
    github: {
      baseUrl: baseUrl('github_api.base_url', input.github?.baseUrl ?? DEFAULT_GITHUB_API),
      timeoutSeconds: positive('github_api.timeout', input.github?.timeoutSeconds ?? 10),
      cacheTtlSeconds: positive('github_api.cache_ttl', input.github?.cacheTtlSeconds ?? ttl),
      rateLimitThreshold: positive(
        'github_api.rate_limit_threshold',
        input.github?.rateLimitThreshold ?? 10,
        true,
      ),
      token: input.github?.token,
    },
    gitlab: {
      baseUrl: baseUrl('gitlab_api.base_url', input.gitlab?.baseUrl ?? DEFAULT_GITLAB_API),
      timeoutSeconds: positive('gitlab_api.timeout', input.gitlab?.timeoutSeconds ?? 10),
      cacheTtlSeconds: positive('gitlab_api.cache_ttl', input.gitlab?.cacheTtlSeconds ?? ttl),
      rateLimitThreshold: positive(
        'gitlab_api.rate_limit_threshold',
        input.gitlab?.rateLimitThreshold ?? 10,
        true,
      ),
      token: input.gitlab?.token,
    },
    cache: { ttlSeconds: ttl, maxAgeSeconds: maxAge },
    osvUrl: baseUrl('advisories.osv_url', input.osvUrl ?? DEFAULT_OSV_API),
    offline: input.offline ?? false,
    concurrency: Math.floor(positive('concurrency', input.concurrency ?? 32)),
    timeoutSeconds: positive('timeout', input.timeoutSeconds ?? 10),
    retries: Math.floor(positive('retries', input.retries ?? 2, true)),
    retryBaseMs: positive('retry base', input.retryBaseMs ?? 1000, true),
    maxRetryAfterSeconds: positive('max retry-after', input.maxRetryAfterSeconds ?? 60, true),
  };
}
