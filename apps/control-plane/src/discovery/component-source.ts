import { dirname } from 'node:path';
import { effectiveComponent, effectiveGlobal, type PolicyConfig } from '@upkeep/policy';
import {
  componentSourceConfig,
  resolveSourceSettings,
  sourceSettingsFromConfig,
  type AdvisorySpec,
  type DownloadSpec,
  type SecretValue,
  type SourceSettings,
  type SourceSpec,
} from '@upkeep/sources';

/** What discovery needs to know about one component of versions.yaml. */
export interface ComponentSource {
  readonly name: string;
  readonly spec: SourceSpec;
  readonly download: DownloadSpec;
  /** OSV package, when the component names one and advisories are enabled. */
  readonly advisories: AdvisorySpec | undefined;
}

/**
 * Every component of versions.yaml with its validated source, in name order, mapped by
 * `componentSourceConfig` as the agent and the CLI do. The control plane serves every
 * environment, so no environment overlay applies.
 */
export function componentSourcesOf(policy: PolicyConfig, policyPath: string): ComponentSource[] {
  const advisoriesEnabled = effectiveGlobal(policy, undefined).advisories.enabled;
  return Object.keys(policy.components)
    .sort((a, b) => a.localeCompare(b))
    .map((name) => {
      const mapped = componentSourceConfig(effectiveComponent(policy, undefined, name), {
        configDir: dirname(policyPath),
      });
      return {
        name,
        spec: mapped.spec,
        download: mapped.download,
        advisories: advisoriesEnabled ? mapped.advisories : undefined,
      };
    });
}

/** Discovery settings from `global` of versions.yaml (API base URLs, TTLs, OSV URL, offline mode). */
export function sourceSettingsOf(
  policy: PolicyConfig,
  tokens: { readonly github?: SecretValue | undefined; readonly gitlab?: SecretValue | undefined } = {},
): SourceSettings {
  return resolveSourceSettings(
    sourceSettingsFromConfig(effectiveGlobal(policy, undefined), {
      githubToken: tokens.github,
      gitlabToken: tokens.gitlab,
    }),
  );
}
