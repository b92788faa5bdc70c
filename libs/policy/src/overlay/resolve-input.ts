import type { ReleaseInput, ResolveInput } from '@upkeep/versioning';
import type { PolicyConfig } from '../config/policy-config.schema.ts';
import { effectiveComponent, excludedVersionsOf } from './effective-config.ts';

/**
 * What `resolveVersion` needs for one component in `env`: its overlaid strategy
 * and settings, tag rules, and the exclusions of upgrade_policies.excluded_versions.
 * `releases: undefined` means no list was consulted (offline).
 * @throws UpkeepError UNKNOWN_ENVIRONMENT / UNKNOWN_COMPONENT.
 */
export function resolveInputFor(
  config: PolicyConfig,
  env: string | undefined,
  name: string,
  options: {
    readonly releases: readonly ReleaseInput[] | undefined;
    readonly lockedVersion?: string | undefined;
  },
): ResolveInput {
  const component = effectiveComponent(config, env, name);
  return {
    strategy: component.strategy,
    releases: options.releases,
    tagRules: { versionPattern: component.constraints.version_pattern, tagPrefix: component.tag_prefix },
    version: component.version,
    ltsSeries: component.lts_series,
    constraint: component.constraint,
    lockedVersion: options.lockedVersion,
    minimumVersion: component.minimum_version,
    fallbackVersion: component.fallback_version,
    excludedVersions: excludedVersionsOf(config, name).map((entry) => ({
      version: entry.version,
      reason: entry.reason,
    })),
    excludePrereleases: component.constraints.exclude_prereleases,
  };
}
