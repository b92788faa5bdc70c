import { UpkeepError } from '@upkeep/errors';
import type { Version } from '@upkeep/versioning';

/** `allowed_version_drift` read: the level compared and how far apart it may be. */
export interface VersionDrift {
  readonly text: string;
  readonly level: 'exact' | 'major' | 'minor' | 'patch';
  readonly amount: number;
}

/**
 * Reads `allowed_version_drift`. Exactly one part may be non-zero; it sets the
 * level compared: `1.0.0` majors at most 1 apart; `0.1.0` same major and minors
 * at most 1 apart, any patch; `0.0.2` same minor line, patches at most 2 apart;
 * `0.0.0` the same version.
 * @throws UpkeepError INPUT_INVALID naming the value.
 */
export function parseVersionDrift(text: string): VersionDrift {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  const parts = match === null ? [] : [Number(match[1]), Number(match[2]), Number(match[3])];
  const nonZero = parts.filter((p) => p > 0).length;
  if (parts.length !== 3 || nonZero > 1) {
    throw new UpkeepError(
      'INPUT_INVALID',
      `allowed_version_drift ${JSON.stringify(text)} is not a drift: write MAJOR.MINOR.PATCH with one non-zero part`,
      {
        details: { value: text },
        hint: 'use "1.0.0" (one major apart), "0.1.0" (one minor apart, any patch), "0.0.2" (two patches apart) or "0.0.0" (same version)',
      },
    );
  }
  const [major = 0, minor = 0, patch = 0] = parts;
  const clean = `${major}.${minor}.${patch}`;
  if (major > 0) return { text: clean, level: 'major', amount: major };
  if (minor > 0) return { text: clean, level: 'minor', amount: minor };
  if (patch > 0) return { text: clean, level: 'patch', amount: patch };
  return { text: clean, level: 'exact', amount: 0 };
}

/** Whether `version` stays within `drift` of `reference`, and the comparison in words. */
export function withinDrift(
  version: Version,
  reference: Version,
  drift: VersionDrift,
): { within: boolean; detail: string } {
  const majors = Math.abs(version.major - reference.major);
  const minors = Math.abs(version.minor - reference.minor);
  const patches = Math.abs(version.patch - reference.patch);
  switch (drift.level) {
    case 'major':
      return {
        within: majors <= drift.amount,
        detail: `majors ${version.major} and ${reference.major} are ${majors} apart (at most ${drift.amount} allowed)`,
      };
    case 'minor':
      if (majors > 0) {
        return { within: false, detail: `majors differ (${version.major} vs ${reference.major})` };
      }
      return {
        within: minors <= drift.amount,
        detail: `same major, minors ${version.minor} and ${reference.minor} are ${minors} apart (at most ${drift.amount} allowed)`,
      };
    case 'patch':
      if (majors > 0 || minors > 0) {
        return {
          within: false,
          detail: `minor lines differ (${version.major}.${version.minor} vs ${reference.major}.${reference.minor})`,
        };
      }
      return {
        within: patches <= drift.amount,
        detail: `same minor line, patches ${version.patch} and ${reference.patch} are ${patches} apart (at most ${drift.amount} allowed)`,
      };
    case 'exact': {
      const same = majors === 0 && minors === 0 && patches === 0;
      return {
        within: same,
        detail: same ? 'same version' : `versions differ and no drift is allowed`,
      };
    }
  }
}
