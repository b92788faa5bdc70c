import type { EffectiveGlobal } from '@upkeep/policy';
import type { SourceSettingsInput } from '../model/source-settings.ts';
import type { SecretValue } from '../security/secret-value.ts';

/**
 * Maps the effective `global:` of versions.yaml to discovery settings: `github_api`
 * (`base_url`, `timeout`, `cache_ttl`, `rate_limit_threshold`), `gitlab_api` (`base_url`,
 * `timeout`, `cache_ttl`), `cache.ttl` / `cache.max_age`, `advisories.osv_url` and
 * `offline_mode` (or `offline` from the caller, such as `--offline`). Tokens come from the
 * caller, which reads them from the environment or a token file. Pure; pass the result to
 * `resolveSourceSettings`, which checks it.
 */
export function sourceSettingsFromConfig(
  global: EffectiveGlobal,
  options: {
    readonly githubToken?: SecretValue | undefined;
    readonly gitlabToken?: SecretValue | undefined;
    readonly offline?: boolean | undefined;
    readonly concurrency?: number | undefined;
  } = {},
): SourceSettingsInput {
  return {
    github: {
      baseUrl: global.github_api.base_url,
      timeoutSeconds: global.github_api.timeout,
      cacheTtlSeconds: global.github_api.cache_ttl,
      rateLimitThreshold: global.github_api.rate_limit_threshold,
      token: options.githubToken,
    },
    gitlab: {
      baseUrl: global.gitlab_api.base_url,
      timeoutSeconds: global.gitlab_api.timeout,
      cacheTtlSeconds: global.gitlab_api.cache_ttl,
      token: options.gitlabToken,
    },
    cache: { ttlSeconds: global.cache.ttl, maxAgeSeconds: global.cache.max_age },
    osvUrl: global.advisories.osv_url,
    offline: options.offline === true || global.offline_mode,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
  };
}
