import { dirname, isAbsolute, resolve } from 'node:path';
import { UpkeepError } from '@upkeep/errors';
import type { ComponentConfig, PolicyConfig } from '@upkeep/policy';
import {
  resolveSourceSettings,
  validateSourceSpec,
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
  readonly download: DownloadSpec | undefined;
  /** OSV package, when the component names one and advisories are enabled. */
  readonly advisories: AdvisorySpec | undefined;
}

function tagRulesOf(component: ComponentConfig): SourceSpec['tagRules'] {
  const versionPattern = component.constraints?.version_pattern;
  const tagPrefix = component.tag_prefix;
  if (versionPattern === undefined && tagPrefix === undefined) return undefined;
  return {
    ...(versionPattern === undefined ? {} : { versionPattern }),
    ...(tagPrefix === undefined ? {} : { tagPrefix }),
  };
}

function specOf(name: string, component: ComponentConfig, policyPath: string): SourceSpec {
  const tagRules = tagRulesOf(component);
  const rules = tagRules === undefined ? {} : { tagRules };
  if (component.github_repo !== undefined) return { kind: 'github', repo: component.github_repo, ...rules };
  if (component.gitlab_project !== undefined)
    return { kind: 'gitlab', project: component.gitlab_project, ...rules };
  if (component.direct_url !== undefined) {
    const { url_template: urlTemplate, versions_url: versionsUrl, versions_format } = component.direct_url;
    if (versionsUrl === undefined) {
      throw new UpkeepError('CONFIG_INVALID', `components.${name}.direct_url has no versions_url`, {
        hint: 'the control plane lists versions from versions_url (a JSON list or an HTML index)',
      });
    }
    return {
      kind: 'direct-url',
      urlTemplate,
      versionsUrl,
      versionsFormat: versions_format ?? 'json',
      ...rules,
    };
  }
  if (component.registry !== undefined) {
    const url = component.registry.url;
    const local = !/^[a-z][a-z0-9+.-]*:/i.test(url) && !isAbsolute(url);
    return { kind: 'registry', url: local ? resolve(dirname(policyPath), url) : url, ...rules };
  }
  throw new UpkeepError('CONFIG_INVALID', `components.${name} names no release source`, {
    hint: 'set one of github_repo, gitlab_project, direct_url or registry',
  });
}

function downloadOf(component: ComponentConfig): DownloadSpec | undefined {
  const d = component.download;
  if (d === undefined) return undefined;
  return {
    ...(d.archive_type === undefined ? {} : { archiveType: d.archive_type }),
    ...(d.archive_pattern === undefined ? {} : { archivePattern: d.archive_pattern }),
    ...(d.binary_name === undefined ? {} : { binaryName: d.binary_name }),
    ...(d.checksum_file === undefined ? {} : { checksumFile: d.checksum_file }),
    ...(d.gpg_signature === undefined ? {} : { gpgSignature: d.gpg_signature }),
    ...(d.signature_file === undefined ? {} : { signatureFile: d.signature_file }),
    ...(d.signature_key === undefined ? {} : { signatureKey: d.signature_key }),
    ...(d.max_size_mb === undefined ? {} : { maxSizeMb: d.max_size_mb }),
  };
}

/** Every component of versions.yaml with its validated source, in name order. */
export function componentSourcesOf(policy: PolicyConfig, policyPath: string): ComponentSource[] {
  const advisoriesEnabled = policy.global.advisories?.enabled !== false;
  return Object.entries(policy.components)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, component]) => ({
      name,
      spec: validateSourceSpec(specOf(name, component, policyPath)),
      download: downloadOf(component),
      advisories:
        advisoriesEnabled && component.advisories !== undefined
          ? { ecosystem: component.advisories.ecosystem, package: component.advisories.package }
          : undefined,
    }));
}

/** Discovery settings from `global` of versions.yaml (API base URLs, TTLs, OSV URL, offline mode). */
export function sourceSettingsOf(
  policy: PolicyConfig,
  tokens: { readonly github?: SecretValue | undefined; readonly gitlab?: SecretValue | undefined } = {},
): SourceSettings {
  const global = policy.global;
  const ttl = global.cache?.ttl;
  const maxAge = global.cache?.max_age;
  return resolveSourceSettings({
    github: {
      token: tokens.github,
      ...(global.github_api?.base_url === undefined ? {} : { baseUrl: global.github_api.base_url }),
      ...(global.github_api?.timeout === undefined ? {} : { timeoutSeconds: global.github_api.timeout }),
      ...(global.github_api?.cache_ttl === undefined ? {} : { cacheTtlSeconds: global.github_api.cache_ttl }),
      ...(global.github_api?.rate_limit_threshold === undefined
        ? {}
        : { rateLimitThreshold: global.github_api.rate_limit_threshold }),
    },
    gitlab: {
      token: tokens.gitlab,
      ...(global.gitlab_api?.base_url === undefined ? {} : { baseUrl: global.gitlab_api.base_url }),
      ...(global.gitlab_api?.timeout === undefined ? {} : { timeoutSeconds: global.gitlab_api.timeout }),
      ...(global.gitlab_api?.cache_ttl === undefined ? {} : { cacheTtlSeconds: global.gitlab_api.cache_ttl }),
    },
    cache: {
      ...(ttl === undefined ? {} : { ttlSeconds: ttl }),
      ...(maxAge === undefined ? {} : { maxAgeSeconds: maxAge }),
    },
    ...(global.advisories?.osv_url === undefined ? {} : { osvUrl: global.advisories.osv_url }),
    offline: global.offline_mode ?? false,
  });
}
