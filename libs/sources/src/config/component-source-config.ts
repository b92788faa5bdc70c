import { isAbsolute, resolve } from 'node:path';
import { UpkeepError } from '@upkeep/errors';
import type { EffectiveComponent } from '@upkeep/policy';
import type { TagRules } from '@upkeep/versioning';
import type { AdvisorySpec } from '../advisories/osv-record.ts';
import { parsePlatform, type HostPlatform } from '../model/host-platform.ts';
import { validateSourceSpec, type DownloadSpec, type SourceSpec } from '../model/source-spec.ts';

/** What discovery needs of one component of versions.yaml, in this library's terms. */
export interface ComponentSourceConfig {
  readonly component: string;
  readonly spec: SourceSpec;
  readonly download: DownloadSpec;
  readonly tagRules: TagRules;
  /** `constraints.architecture`, when the component names one; else the caller's host. */
  readonly platform: HostPlatform | undefined;
  /** `advisories: { ecosystem, package }`, when configured. */
  readonly advisories: AdvisorySpec | undefined;
  /** `download.binary_path_in_archive` (placeholders unexpanded): for installers, not discovery. */
  readonly binaryPathInArchive: string | undefined;
}

function configInvalid(
  component: string,
  key: string,
  message: string,
  hint: string,
  cause?: unknown,
): UpkeepError {
  return new UpkeepError('CONFIG_INVALID', `components.${component}.${key} ${message}`, {
    details: { component, field: `components.${component}.${key}` },
    hint,
    cause,
  });
}

/**
 * A registry location as the source reads it: URLs unchanged; a directory (`./mirror/app`,
 * `../mirror`, `/srv/mirror/app`) made absolute against the folder of versions.yaml.
 */
function registryLocation(url: string, configDir: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  return isAbsolute(url) ? url : resolve(configDir, url);
}

/**
 * Maps an effective (overlaid) component of versions.yaml to its source spec, download
 * spec, tag rules, platform, advisory package and the binary's path in the archive: `github_repo`, `gitlab_project`,
 * `direct_url` (`versions_format` defaults to `json`), `registry` (relative directories
 * resolved against `configDir`); `tag_prefix` and `constraints.version_pattern` become the
 * tag rules of the spec (left out when neither is set). Pure: no file is read.
 * @throws UpkeepError CONFIG_INVALID naming the key (no source, a direct URL without a
 * `versions_url`, a bad `constraints.architecture`).
 */
export function componentSourceConfig(
  component: EffectiveComponent,
  options: { readonly configDir: string },
): ComponentSourceConfig {
  const name = component.name;
  const tagRules: TagRules = {
    ...(component.tag_prefix === undefined ? {} : { tagPrefix: component.tag_prefix }),
    ...(component.constraints.version_pattern === undefined
      ? {}
      : { versionPattern: component.constraints.version_pattern }),
  };
  // No rules, no key: the spec is stored as JSON (the control plane's catalog) and compared.
  const rules = Object.keys(tagRules).length === 0 ? {} : { tagRules };
  let spec: SourceSpec;
  if (component.github_repo !== undefined) {
    spec = { kind: 'github', repo: component.github_repo, ...rules };
  } else if (component.gitlab_project !== undefined) {
    spec = { kind: 'gitlab', project: component.gitlab_project, ...rules };
  } else if (component.direct_url !== undefined) {
    const direct = component.direct_url;
    if (direct.versions_url === undefined) {
      throw configInvalid(
        name,
        'direct_url.versions_url',
        'is required to list the versions of a direct URL',
        'set direct_url.versions_url to a JSON list of versions or an HTML index page (versions_format: html)',
      );
    }
    spec = {
      kind: 'direct-url',
      urlTemplate: direct.url_template,
      versionsUrl: direct.versions_url,
      versionsFormat: direct.versions_format ?? 'json',
      ...rules,
    };
  } else if (component.registry !== undefined) {
    spec = { kind: 'registry', url: registryLocation(component.registry.url, options.configDir), ...rules };
  } else {
    throw configInvalid(
      name,
      'github_repo',
      'is missing: the component has no release source',
      'set one of github_repo, gitlab_project, direct_url, registry',
    );
  }
  const d = component.download ?? {};
  const download: DownloadSpec = {
    ...(d.archive_type === undefined ? {} : { archiveType: d.archive_type }),
    ...(d.archive_pattern === undefined ? {} : { archivePattern: d.archive_pattern }),
    ...(d.binary_name === undefined ? {} : { binaryName: d.binary_name }),
    ...(d.checksum_file === undefined ? {} : { checksumFile: d.checksum_file }),
    ...(d.gpg_signature === undefined ? {} : { gpgSignature: d.gpg_signature }),
    ...(d.signature_file === undefined ? {} : { signatureFile: d.signature_file }),
    ...(d.signature_key === undefined ? {} : { signatureKey: d.signature_key }),
    ...(d.max_size_mb === undefined ? {} : { maxSizeMb: d.max_size_mb }),
  };
  const architecture = component.constraints.architecture;
  let platform: HostPlatform | undefined;
  if (architecture !== undefined) {
    try {
      platform = parsePlatform(architecture);
    } catch (error) {
      throw configInvalid(
        name,
        'constraints.architecture',
        `${JSON.stringify(architecture)} is not OS-ARCH`,
        'write it as linux-amd64, linux-arm64, linux-armv7 or darwin-arm64',
        error,
      );
    }
  }
  return {
    component: name,
    spec: validateSourceSpec(spec),
    download,
    tagRules,
    platform,
    advisories:
      component.advisories === undefined
        ? undefined
        : { ecosystem: component.advisories.ecosystem, package: component.advisories.package },
    binaryPathInArchive: d.binary_path_in_archive,
  };
}
