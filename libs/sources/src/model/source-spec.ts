import { UpkeepError } from '@upkeep/errors';
import type { TagRules } from '@upkeep/versioning';

/**
 * Where a component's releases come from. Mapped from `versions.yaml`:
 * `github_repo`, `gitlab_project`, `direct_url`, `registry`, with `tag_prefix` and
 * `constraints.version_pattern` as `tagRules`.
 */
export type SourceSpec =
  | { readonly kind: 'github'; readonly repo: string; readonly tagRules?: TagRules }
  | { readonly kind: 'gitlab'; readonly project: string; readonly tagRules?: TagRules }
  | {
      readonly kind: 'direct-url';
      /** Download URL with `{VERSION}` (no leading v), `{TAG}` (as listed), `{OS}`, `{ARCH}`. */
      readonly urlTemplate: string;
      /** Where the list of versions is published. */
      readonly versionsUrl: string;
      /** `json`: see `parseVersionsDocument`; `html`: an index page of links. */
      readonly versionsFormat: 'json' | 'html';
      readonly tagRules?: TagRules;
    }
  | {
      readonly kind: 'registry';
      /** `https://…`, `http://…`, `file://…` or an absolute directory; see `registry-index.ts`. */
      readonly url: string;
      readonly tagRules?: TagRules;
    };

/** The `download:` block of a component, as far as discovery needs it. */
export interface DownloadSpec {
  readonly archiveType?: string;
  /** Asset name with `{VERSION}`, `{OS}`, `{ARCH}`. */
  readonly archivePattern?: string;
  readonly binaryName?: string;
  /** A name among the assets, `{ASSET}.sha256`, or an absolute URL; placeholders allowed. */
  readonly checksumFile?: string;
  readonly gpgSignature?: boolean;
  /** A name among the assets such as `{ASSET}.asc`, or an absolute URL; placeholders allowed. */
  readonly signatureFile?: string;
  /** Path or URL of the public key that signs; passed through for the verifier. */
  readonly signatureKey?: string;
  readonly maxSizeMb?: number;
}

const GITHUB_REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const GITLAB_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$/;

function invalid(field: string, value: string, hint: string): UpkeepError {
  return new UpkeepError('CONFIG_INVALID', `${field} ${JSON.stringify(value)} is not valid`, {
    details: { field, value },
    hint,
  });
}

function checkHttpUrl(field: string, value: string, schemes: readonly string[]): void {
  let url: URL;
  try {
    url = new URL(value.replaceAll(/\{[A-Z]+\}/g, 'x'));
  } catch {
    throw invalid(field, value, `write an absolute URL (${schemes.join(', ')})`);
  }
  if (!schemes.includes(url.protocol)) throw invalid(field, value, `use one of ${schemes.join(', ')}`);
  if (url.username !== '' || url.password !== '') {
    throw invalid(field, '[URL with credentials]', 'do not put credentials in URLs; use a token setting');
  }
}

/**
 * Checks a source spec before any request is made, so a typo fails with the key's name.
 * @throws UpkeepError CONFIG_INVALID naming the field.
 */
export function validateSourceSpec(spec: SourceSpec): SourceSpec {
  switch (spec.kind) {
    case 'github':
      if (!GITHUB_REPO.test(spec.repo) || spec.repo.endsWith('/..') || spec.repo.endsWith('/.')) {
        throw invalid(
          'github_repo',
          spec.repo,
          'write it as owner/name, for example prometheus/node_exporter',
        );
      }
      return spec;
    case 'gitlab': {
      // GitLab's API takes a project's numeric id as well as its path (versions.yaml allows both).
      if (/^[1-9][0-9]{0,15}$/.test(spec.project)) return spec;
      const segments = spec.project.split('/');
      if (segments.length < 2 || !segments.every((s) => GITLAB_SEGMENT.test(s) && s !== '..')) {
        throw invalid(
          'gitlab_project',
          spec.project,
          'write it as group/name, group/subgroup/name or the numeric project id',
        );
      }
      return spec;
    }
    case 'direct-url':
      checkHttpUrl('direct_url.url_template', spec.urlTemplate, ['https:', 'http:', 'file:']);
      checkHttpUrl('direct_url.versions_url', spec.versionsUrl, ['https:', 'http:', 'file:']);
      if (!spec.urlTemplate.includes('{VERSION}') && !spec.urlTemplate.includes('{TAG}')) {
        throw invalid(
          'direct_url.url_template',
          spec.urlTemplate,
          'include {VERSION} (or {TAG}) in the template',
        );
      }
      return spec;
    case 'registry':
      if (spec.url.startsWith('/')) return spec;
      checkHttpUrl('registry.url', spec.url, ['https:', 'http:', 'file:']);
      return spec;
  }
}
