import { z } from 'zod';
import { stringify } from 'yaml';
import { UpkeepError } from '@upkeep/errors';
import { configInvalidError, describeValue, formatPath, type ConfigIssue } from '../config/config-issue.ts';
import { validateWith, type Locator, type Validated } from '../config/schema-issues.ts';
import { NAME_PATTERN, artifactUrlText, rule, section, versionText } from '../config/schema-fields.ts';
import { readYaml } from '../config/yaml-source.ts';
import { isPlainObject } from '../overlay/layered-merge.ts';

export const LOCK_FILE_VERSION = 1;

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

const artifactSchema = section({
  name: z.string().min(1),
  url: artifactUrlText(),
  sha256: z.string().regex(/^[a-f0-9]{64}$/, { error: 'is not a SHA-256 digest (64 lowercase hex digits)' }),
});

const lockedComponentSchema = section({
  version: versionText(),
  tag: z.string().min(1),
  artifacts: z.array(artifactSchema),
});

const lockFileSchema = section({
  lock_version: rule((value) =>
    value === LOCK_FILE_VERSION
      ? { ok: true, value: LOCK_FILE_VERSION }
      : {
          ok: false,
          message: `${describeValue(value)} is not a lock file version this Upkeep reads (expected ${LOCK_FILE_VERSION})`,
        },
  ),
  generated_at: rule((value) =>
    typeof value !== 'string'
      ? {
          ok: false,
          message:
            value === undefined
              ? 'is required: an ISO 8601 timestamp'
              : `${describeValue(value)} is not a string`,
        }
      : !ISO_TIMESTAMP.test(value)
        ? {
            ok: false,
            message: `${describeValue(value)} is not an ISO 8601 timestamp such as "2024-05-01T12:00:00Z"`,
          }
        : Number.isNaN(Date.parse(value))
          ? { ok: false, message: `${describeValue(value)} is not a real date` }
          : { ok: true, value },
  ),
  components: z.preprocess(
    (value) => (value === null ? {} : value),
    z.record(z.string(), lockedComponentSchema),
  ),
});

export type LockedArtifact = z.output<typeof artifactSchema>;
export type LockedComponent = z.output<typeof lockedComponentSchema>;
export type LockFile = z.output<typeof lockFileSchema>;

function lockIssues(data: unknown, located: Locator): Validated<LockFile> {
  const names: ConfigIssue[] = [];
  if (isPlainObject(data) && isPlainObject(data.components)) {
    for (const name of Object.keys(data.components)) {
      if (!NAME_PATTERN.test(name)) {
        names.push(
          located(['components', name], `${JSON.stringify(name)} is not a valid component name`, 'key'),
        );
      }
    }
  }
  const result = validateWith(lockFileSchema, data, located);
  if (!result.ok) return { ok: false, issues: [...result.issues, ...names] };
  return names.length > 0 ? { ok: false, issues: names } : result;
}

/**
 * Reads versions.lock (YAML): `{ lock_version: 1, generated_at, components: { name: { version, tag, artifacts } } }`.
 * @throws UpkeepError CONFIG_INVALID with every issue, located by line and column.
 */
export function parseLockFile(text: string, sourceName = 'versions.lock'): LockFile {
  const source = readYaml(text, sourceName);
  if (source.data === null || source.data === undefined) {
    throw configInvalidError(
      sourceName,
      [{ path: '', message: 'is empty: expected lock_version, generated_at and components' }],
      'regenerate it with `upkeep lock`',
    );
  }
  if (!isPlainObject(source.data)) {
    throw configInvalidError(
      sourceName,
      [source.located([], `the top level is ${describeValue(source.data)}; expected a mapping`)],
      'regenerate it with `upkeep lock`',
    );
  }
  const result = lockIssues(source.data, source.located);
  if (!result.ok) {
    throw configInvalidError(
      sourceName,
      result.issues,
      'regenerate it with `upkeep lock`, or fix the listed entries',
    );
  }
  return result.value;
}

/**
 * Renders a lock file as YAML, components sorted by name so the file diffs cleanly.
 * @throws UpkeepError INPUT_INVALID when the lock does not satisfy the lock file rules.
 */
export function renderLockFile(lock: LockFile): string {
  const result = lockIssues(lock, (path, message) => ({ path: formatPath(path), message }));
  if (!result.ok) {
    const { issues } = result;
    throw new UpkeepError(
      'INPUT_INVALID',
      `refusing to write an invalid lock file: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      { details: { issues } },
    );
  }
  const components: Record<string, LockedComponent> = {};
  for (const name of Object.keys(lock.components).sort()) {
    const entry = lock.components[name];
    if (entry === undefined) continue;
    components[name] = {
      version: entry.version,
      tag: entry.tag,
      artifacts: entry.artifacts.map((artifact) => ({
        name: artifact.name,
        url: artifact.url,
        sha256: artifact.sha256,
      })),
    };
  }
  const body = stringify(
    { lock_version: lock.lock_version, generated_at: lock.generated_at, components },
    { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' },
  );
  return `# versions.lock: written by \`upkeep lock\`; the versions the "locked" strategy installs.\n${body}`;
}
