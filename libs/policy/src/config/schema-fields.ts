import { z } from 'zod';
import { compileVersionPattern, isValidConstraint, isValidVersion } from '@upkeep/versioning';
import { describeValue } from './config-issue.ts';
import { parseDuration } from './duration.ts';
import { parseSuccessCondition } from '../rollouts/success-condition.ts';

/** Component and environment names: what the seed's scripts accept, and safe in paths and units. */
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

type Check<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** A field checked by a function that explains its refusal in words. */
export function rule<T>(check: (value: unknown) => Check<T>) {
  return z.unknown().transform((value, ctx): T => {
    const result = check(value);
    if (result.ok) return result.value;
    ctx.issues.push({ code: 'custom', message: result.message, input: value });
    return z.NEVER;
  });
}

const pass = <T>(value: T): Check<T> => ({ ok: true, value });
const fail = (message: string): Check<never> => ({ ok: false, message });

/** A string field, explaining that YAML read an unquoted value as a number or boolean. */
function stringRule<T>(what: string, example: string, check: (text: string) => Check<T>) {
  return rule((value) => {
    if (value === undefined) return fail(`is required: ${what} such as ${example}`);
    if (typeof value === 'number' || typeof value === 'boolean') {
      return fail(
        `${describeValue(value)} was read by YAML as a ${typeof value}; write ${what} as a quoted string such as ${example}`,
      );
    }
    if (typeof value !== 'string')
      return fail(`${describeValue(value)} is not a string; expected ${what} such as ${example}`);
    return check(value);
  });
}

/** A mapping whose keys are checked (unknown keys are errors); an empty YAML value counts as `{}`. */
export function section<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.preprocess((value) => (value === null ? {} : value), z.strictObject(shape));
}

/** A mapping from names to values; an empty YAML value counts as `{}`. */
export function namedMap<T extends z.ZodType>(value: T) {
  return z.preprocess((input) => (input === null ? {} : input), z.record(z.string(), value));
}

/** A list; an empty YAML value counts as `[]`. */
export function list<T extends z.ZodType>(item: T) {
  return z.preprocess((input) => (input === null ? [] : input), z.array(item));
}

export const text = () => z.string().trim().min(1);

export const nameText = () =>
  stringRule('a name', '"node_exporter"', (value) =>
    NAME_PATTERN.test(value)
      ? pass(value)
      : fail(`${describeValue(value)} is not a valid name: use letters, digits, "_" and "-" (at most 64)`),
  );

export const versionText = () =>
  stringRule('the version', '"1.7.0"', (value) =>
    isValidVersion(value)
      ? pass(value.trim())
      : fail(
          `${describeValue(value)} is not a version; write MAJOR.MINOR.PATCH such as "1.7.0" or "v2.9.3-rc.1"`,
        ),
  );

export const constraintText = () =>
  stringRule('the constraint', '">=1.7.0 <2.0.0"', (value) =>
    isValidConstraint(value)
      ? pass(value.trim())
      : fail(
          `${describeValue(value)} is not a version constraint; use forms such as ">=1.7.0 <2.0.0", "^1.7", "~2.9", "1.x" or "^1.7 || ^2.0"`,
        ),
  );

export const regexText = () =>
  stringRule('the regular expression', '"^v?[0-9]+\\\\.[0-9]+\\\\.[0-9]+$"', (value) => {
    try {
      compileVersionPattern(value);
      return pass(value);
    } catch (error) {
      return fail(error instanceof Error ? error.message.replace(/^version_pattern /, '') : String(error));
    }
  });

/** A regex whose first capture group is the version (`version_check.pattern`). */
export const captureRegexText = () =>
  stringRule('the regular expression', '"version ([0-9.]+)"', (value) => {
    let groups: number;
    try {
      // Matching the empty alternative reports how many groups the pattern has.
      groups = (new RegExp(`${compileVersionPattern(value).source}|`).exec('')?.length ?? 1) - 1;
    } catch (error) {
      return fail(error instanceof Error ? error.message.replace(/^version_pattern /, '') : String(error));
    }
    return groups >= 1
      ? pass(value)
      : fail(
          `${describeValue(value)} has no capture group; wrap the version part in ( ), e.g. "version ([0-9.]+)"`,
        );
  });

export const seriesText = () =>
  stringRule('the LTS line', '"2.53"', (value) =>
    /^v?\d+\.\d+$/.test(value.trim())
      ? pass(value.trim())
      : fail(`${describeValue(value)} is not a MAJOR.MINOR line such as "2.53" or "3.5"`),
  );

export const driftText = () =>
  stringRule('the drift', '"0.1.0"', (value) =>
    /^\d+\.\d+\.\d+$/.test(value.trim())
      ? pass(value.trim())
      : fail(`${describeValue(value)} is not a drift; write MAJOR.MINOR.PATCH differences such as "0.1.0"`),
  );

export const octalModeText = () =>
  stringRule('the mode', '"0755"', (value) =>
    /^0?[0-7]{3}$|^[0-7]{4}$/.test(value)
      ? pass(value)
      : fail(`${describeValue(value)} is not an octal file mode such as "0755" or "0644"`),
  );

export const timeOfDayText = (allowEndOfDay: boolean) =>
  stringRule('the time', '"02:00"', (value) =>
    /^(?:[01]\d|2[0-3]):[0-5]\d$/.test(value) || (allowEndOfDay && value === '24:00')
      ? pass(value)
      : fail(
          `${describeValue(value)} is not a time of day; write HH:MM in 24-hour form, from "00:00" to "23:59"${allowEndOfDay ? ' (or "24:00")' : ''}`,
        ),
  );

const validZones = new Map<string, boolean>();

/** Whether `zone` is an IANA time zone this runtime knows (`Europe/Paris`, `UTC`). */
export function isValidTimeZone(zone: string): boolean {
  const known = validZones.get(zone);
  if (known !== undefined) return known;
  let valid = zone.length > 0 && zone.length <= 64;
  if (valid) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
    } catch {
      valid = false;
    }
  }
  if (validZones.size < 1000) validZones.set(zone, valid);
  return valid;
}

export const timeZoneText = () =>
  stringRule('the time zone', '"Europe/Paris"', (value) =>
    isValidTimeZone(value)
      ? pass(value)
      : fail(
          `${describeValue(value)} is not an IANA time zone; write a name such as "UTC" or "Europe/Paris"`,
        ),
  );

export const httpUrlText = () =>
  stringRule('the URL', '"https://example.com"', (value) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    return url !== undefined && (url.protocol === 'https:' || url.protocol === 'http:')
      ? pass(value)
      : fail(`${describeValue(value)} is not an http(s) URL such as "https://example.com"`);
  });

/** An artifact location: an http(s) URL, or a `file://` URL (a local registry mirror). */
export const artifactUrlText = () =>
  stringRule('the URL', '"https://example.com/app.tar.gz"', (value) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    return url !== undefined && ['https:', 'http:', 'file:'].includes(url.protocol)
      ? pass(value)
      : fail(
          `${describeValue(value)} is not an http(s) or file:// URL such as "https://example.com/app.tar.gz"`,
        );
  });

/**
 * Where a custom registry is (`registry.url`): an http(s) URL, a `file://` URL, an absolute
 * directory, or a directory relative to versions.yaml written with a leading `./` or `../`
 * (so a host name without a scheme is not taken for a directory).
 */
export const registryLocationText = () =>
  stringRule('the registry location', '"https://registry.example.com/app" or "./mirror/app"', (value) => {
    const refusal = fail(
      `${describeValue(value)} is not a registry location: write an http(s) URL, a file:// URL, an absolute path or a path starting with "./"`,
    );
    if (value.includes('\0')) return fail('the location contains a NUL character');
    if (value.startsWith('/') || value.startsWith('./') || value.startsWith('../')) return pass(value);
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    return url !== undefined && ['https:', 'http:', 'file:'].includes(url.protocol) ? pass(value) : refusal;
  });

/** A URL that may hold `{VERSION}`-style placeholders (`direct_url.url_template`). */
export const urlTemplateText = () =>
  stringRule('the URL template', '"https://example.com/{VERSION}/app.tar.gz"', (value) => {
    let url: URL | undefined;
    try {
      url = new URL(value.replaceAll(/\{[A-Z_]+\}/g, 'x'));
    } catch {
      url = undefined;
    }
    return url !== undefined && (url.protocol === 'https:' || url.protocol === 'http:')
      ? pass(value)
      : fail(
          `${describeValue(value)} is not an http(s) URL template such as "https://example.com/{VERSION}/app.tar.gz"`,
        );
  });

export const absolutePathText = () =>
  stringRule('the path', '"/usr/local/bin/node_exporter"', (value) => {
    if (!value.startsWith('/'))
      return fail(`${describeValue(value)} is not an absolute path (it must start with "/")`);
    if (value.split('/').includes('..'))
      return fail(`${describeValue(value)} must not contain ".." segments`);
    if (value.includes('\0')) return fail('the path contains a NUL character');
    return pass(value);
  });

export const durationSeconds = (options: { positive?: boolean } = {}) =>
  rule((value) => {
    const result = parseDuration(value);
    if (!result.ok) return fail(result.reason);
    if (options.positive === true && result.seconds === 0) return fail('must be more than zero');
    return pass(result.seconds);
  });

export const integer = (min: number, max = Number.MAX_SAFE_INTEGER) => z.int().min(min).max(max);

/** A command as a list of arguments, run without a shell. */
export const argv = () =>
  rule((value) => {
    if (typeof value === 'string') {
      return fail(
        `${describeValue(value)} is a string; write the command as a list of arguments such as ["systemctl", "is-active", "node_exporter"] (no shell is used)`,
      );
    }
    if (!Array.isArray(value) || value.length === 0) {
      return fail(`${describeValue(value)} is not a command; write a non-empty list of arguments`);
    }
    const bad = value.findIndex((item) => typeof item !== 'string' || item === '');
    if (bad !== -1) return fail(`argument [${bad}] ${describeValue(value[bad])} is not a non-empty string`);
    return pass(value as string[]);
  });

/**
 * A host count or a share (`wave.size`, `failure_threshold`): a whole number (`1`, `"3"`)
 * or a percentage (`"25%"`), normalised to the REST form `"3"` / `"25%"`.
 */
export const countOrPercent = (options: { readonly minCount: number; readonly what: string }) =>
  rule((value) => {
    const example = `${options.minCount === 0 ? 0 : 1}, "3" or "25%"`;
    if (typeof value === 'number') {
      return Number.isInteger(value) && value >= options.minCount
        ? pass(String(value))
        : fail(
            `${describeValue(value)} is not ${options.what}: write a whole number of hosts (at least ${options.minCount}) or a percentage such as "25%"`,
          );
    }
    if (typeof value !== 'string') {
      return fail(
        `${describeValue(value)} is not ${options.what}; write a host count or a percentage such as ${example}`,
      );
    }
    const text = value.trim();
    if (/^\d+$/.test(text) && Number(text) >= options.minCount) return pass(String(Number(text)));
    const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
    if (percent !== null) {
      const share = Number(percent[1]);
      if (share > 0 && share <= 100) return pass(`${share}%`);
      return fail(`${describeValue(value)} is not a share between 0% (excluded) and 100%`);
    }
    return fail(
      `${describeValue(value)} is not ${options.what}: write a whole number of hosts (at least ${options.minCount}) or a percentage such as "25%"`,
    );
  });

/** A gate's `success_condition` (`> 0.99`, `== 1`, `< 5`). */
export const successConditionText = () =>
  rule((value) => {
    const result = parseSuccessCondition(value);
    return result.ok ? pass(result.condition.text) : fail(result.reason);
  });
