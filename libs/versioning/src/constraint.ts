import semver from 'semver';
import { UpkeepError } from '@upkeep/errors';
import type { Version } from './version.ts';

/** A version constraint as operators write it: `>=1.7.0 <2.0.0`, `^1.7`, `~2.9`, `1.x`, `a || b`. */
export interface Constraint {
  readonly raw: string;
  readonly range: semver.Range;
}

/**
 * Parses a constraint.
 * @throws UpkeepError INVALID_CONSTRAINT naming the value.
 */
export function parseConstraint(input: string, what = 'constraint'): Constraint {
  const raw = input.trim();
  let range: semver.Range | null = null;
  if (raw !== '' && raw.length <= 1024) {
    try {
      range = new semver.Range(raw);
    } catch {
      range = null;
    }
  }
  if (range === null) {
    throw new UpkeepError(
      'INVALID_CONSTRAINT',
      `${what} ${JSON.stringify(input)} is not a valid version constraint`,
      {
        details: { value: input },
        hint: 'use forms such as ">=1.7.0 <2.0.0", "^1.7", "~2.9", "1.x" or "^1.7 || ^2.0"',
      },
    );
  }
  return { raw, range };
}

export function isValidConstraint(input: string): boolean {
  try {
    parseConstraint(input);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `version` satisfies `constraint`. Prereleases match only when
 * `includePrerelease` is set (default false), as in npm's semver.
 */
export function satisfies(
  version: Version,
  constraint: Constraint,
  options: { includePrerelease?: boolean } = {},
): boolean {
  return semver.satisfies(version.text, constraint.range, {
    includePrerelease: options.includePrerelease ?? false,
  });
}
