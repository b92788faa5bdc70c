import semver from 'semver';
import { UpkeepError } from '@upkeep/errors';
import type { Version } from './version.ts';

/** A version constraint as operators write it: `>=1.7.0 <2.0.0`, `^1.7`, `~2.9`, `1.x`, `a || b`. */
export interface Constraint {
  readonly raw: string;
  readonly range: semver.Range;
}

/** Longest constraint we read; real ones are a few dozen characters. */
export const MAX_CONSTRAINT_LENGTH = 1024;

/**
 * Parses a constraint.
 * @throws UpkeepError INVALID_CONSTRAINT naming the value.
 */
export function parseConstraint(input: string, what = 'constraint'): Constraint {
  const raw = input.trim();
  let range: semver.Range | null = null;
  let problem: string | undefined;
  if (raw === '') problem = 'it is empty';
  else if (raw.length > MAX_CONSTRAINT_LENGTH)
    problem = `it is longer than ${MAX_CONSTRAINT_LENGTH} characters`;
  // semver reads an empty side of `||` as "*", so a stray `||` would allow every version.
  else if (raw.split('||').some((part) => part.trim() === '')) problem = 'one side of "||" is empty';
  else {
    try {
      range = new semver.Range(raw);
    } catch {
      range = null;
    }
  }
  if (range === null) {
    const hint = raw.includes(',')
      ? 'separate the bounds of a range with a space, not a comma: ">=1.7.0 <2.0.0"'
      : 'use forms such as ">=1.7.0 <2.0.0", "^1.7", "~2.9", "1.x" or "^1.7 || ^2.0"';
    throw new UpkeepError(
      'INVALID_CONSTRAINT',
      `${what} ${JSON.stringify(input.length > 60 ? `${input.slice(0, 57)}...` : input)} is not a valid version constraint${problem === undefined ? '' : `: ${problem}`}`,
      { details: { value: input.slice(0, 200) }, hint },
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
