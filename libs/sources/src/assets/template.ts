import { UpkeepError } from '@upkeep/errors';

/** Values a download template may use. */
export interface TemplateValues {
  /** The version without a leading `v` (`1.7.0`). */
  readonly VERSION?: string;
  /** The tag as upstream lists it (`v1.7.0`). */
  readonly TAG?: string;
  readonly OS?: string;
  readonly ARCH?: string;
  /** The chosen asset's file name (checksum and signature names). */
  readonly ASSET?: string;
}

const PLACEHOLDER = /\{([A-Za-z_]+)\}/g;
const KNOWN = new Set(['VERSION', 'TAG', 'OS', 'ARCH', 'ASSET']);

/**
 * Fills `{VERSION}`, `{TAG}`, `{OS}`, `{ARCH}`, `{ASSET}`. With `encode`, values are
 * percent-encoded (for URLs).
 * @throws UpkeepError CONFIG_INVALID for an unknown placeholder or one without a value.
 */
export function expandTemplate(
  template: string,
  values: TemplateValues,
  options: { readonly field: string; readonly encode?: boolean },
): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    const key = name.toUpperCase();
    if (!KNOWN.has(key)) {
      throw new UpkeepError('CONFIG_INVALID', `${options.field} uses unknown placeholder {${name}}`, {
        details: { field: options.field, template },
        hint: 'placeholders are {VERSION}, {TAG}, {OS}, {ARCH} and {ASSET}',
      });
    }
    const value = values[key as keyof TemplateValues];
    if (value === undefined) {
      throw new UpkeepError('CONFIG_INVALID', `${options.field} uses {${key}}, which has no value here`, {
        details: { field: options.field, template },
      });
    }
    return options.encode === true ? encodeURIComponent(value) : value;
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const VERSION_PATTERN = 'v?\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?';

/**
 * A RegExp matching names the template produces, capturing the version (named group
 * `version`). Undefined when the template has neither `{VERSION}` nor `{TAG}`.
 */
export function templateMatcher(template: string): RegExp | undefined {
  let captured = false;
  let source = '';
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    source += escapeRegExp(template.slice(last, match.index));
    last = match.index + match[0].length;
    const key = (match[1] ?? '').toUpperCase();
    if ((key === 'VERSION' || key === 'TAG') && !captured) {
      captured = true;
      source += key === 'VERSION' ? `(?<version>${VERSION_PATTERN})` : '(?<version>[^/]+?)';
    } else if (key === 'VERSION' || key === 'TAG') {
      source += '[^/]+?';
    } else {
      source += '[A-Za-z0-9_]+';
    }
  }
  source += escapeRegExp(template.slice(last));
  return captured ? new RegExp(`^${source}$`) : undefined;
}
