import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseConstraint, satisfies } from './constraint.ts';
import { compareVersions, parseVersion, sortVersions, type Version } from './version.ts';

// Property tests: the ordering and the constraint matcher are checked against
// a reference written from the semver 2.0.0 text (section 11), not against semver.js.

type Identifier = number | string;

const identifier: fc.Arbitrary<Identifier> = fc.oneof(
  fc.nat({ max: 12 }),
  fc.constantFrom('alpha', 'beta', 'rc', 'a', 'b', 'pre', 'x-1', '0a'),
);

interface VersionParts {
  major: number;
  minor: number;
  patch: number;
  prerelease: readonly Identifier[];
  build: readonly string[];
}

const versionParts: fc.Arbitrary<VersionParts> = fc.record({
  major: fc.nat({ max: 4 }),
  minor: fc.nat({ max: 12 }),
  patch: fc.nat({ max: 12 }),
  prerelease: fc.oneof(
    { weight: 2, arbitrary: fc.constant([]) },
    fc.array(identifier, { minLength: 1, maxLength: 3 }),
  ),
  build: fc.oneof(
    { weight: 3, arbitrary: fc.constant([]) },
    fc.array(fc.constantFrom('build', '5', 'sha'), { minLength: 1, maxLength: 2 }),
  ),
});

function textOf(parts: VersionParts, withV: boolean): string {
  const pre = parts.prerelease.length > 0 ? `-${parts.prerelease.join('.')}` : '';
  const build = parts.build.length > 0 ? `+${parts.build.join('.')}` : '';
  return `${withV ? 'v' : ''}${parts.major}.${parts.minor}.${parts.patch}${pre}${build}`;
}

const version: fc.Arbitrary<Version> = fc
  .tuple(versionParts, fc.boolean())
  .map(([parts, withV]) => parseVersion(textOf(parts, withV)));

const stableVersion: fc.Arbitrary<Version> = fc
  .record({ major: fc.nat({ max: 4 }), minor: fc.nat({ max: 12 }), patch: fc.nat({ max: 12 }) })
  .map(({ major, minor, patch }) => parseVersion(`${major}.${minor}.${patch}`));

function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

function compareIdentifiers(a: Identifier, b: Identifier): number {
  const aNumeric = typeof a === 'number';
  const bNumeric = typeof b === 'number';
  if (aNumeric && bNumeric) return a - b;
  if (aNumeric) return -1;
  if (bNumeric) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Semver 2.0.0 precedence, section 11, written from the spec. */
function referenceCompare(a: Version, b: Version): -1 | 0 | 1 {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return sign(core);
  // A release ranks above its prereleases.
  if (a.prerelease.length === 0 && b.prerelease.length === 0) return 0;
  if (a.prerelease.length === 0) return 1;
  if (b.prerelease.length === 0) return -1;
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const order = compareIdentifiers(x, y);
    if (order !== 0) return sign(order);
  }
  return 0;
}

describe('version ordering (property)', () => {
  it('agrees with semver 2.0.0 precedence', () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        expect(compareVersions(a, b)).toBe(referenceCompare(a, b));
      }),
      { numRuns: 2000 },
    );
  });

  it('is a total order: antisymmetric, transitive, total', () => {
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        expect(compareVersions(a, b)).toBe(-compareVersions(b, a) || 0);
        expect(compareVersions(a, a)).toBe(0);
        if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0) {
          expect(compareVersions(a, c)).toBeLessThanOrEqual(0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('sortVersions is idempotent, ordered, a permutation, and desc mirrors asc', () => {
    fc.assert(
      fc.property(fc.array(version, { maxLength: 30 }), (versions) => {
        const once = sortVersions(versions);
        expect(sortVersions(once)).toEqual(once);
        expect(once).toHaveLength(versions.length);
        expect(new Set(once)).toEqual(new Set(versions));
        for (let i = 1; i < once.length; i++) {
          expect(compareVersions(once[i - 1]!, once[i]!)).toBeLessThanOrEqual(0);
        }
        const desc = sortVersions(versions, 'desc');
        expect(desc.map((v) => v.text.split('+')[0])).toEqual(
          [...once].reverse().map((v) => v.text.split('+')[0]),
        );
      }),
    );
  });
});

describe('constraints (property)', () => {
  it('">=A <B" holds exactly when A <= v < B', () => {
    fc.assert(
      fc.property(stableVersion, stableVersion, stableVersion, (low, high, v) => {
        const constraint = parseConstraint(`>=${low.text} <${high.text}`);
        const expected = referenceCompare(low, v) <= 0 && referenceCompare(v, high) < 0;
        expect(satisfies(v, constraint)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('"^X.Y.Z" (X > 0) holds exactly when X.Y.Z <= v < (X+1).0.0', () => {
    fc.assert(
      fc.property(stableVersion, stableVersion, (base, v) => {
        fc.pre(base.major > 0);
        const upper = parseVersion(`${base.major + 1}.0.0`);
        const expected = referenceCompare(base, v) <= 0 && referenceCompare(v, upper) < 0;
        expect(satisfies(v, parseConstraint(`^${base.text}`))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('"~X.Y" holds exactly when X.Y.0 <= v < X.(Y+1).0', () => {
    fc.assert(
      fc.property(stableVersion, stableVersion, (base, v) => {
        const lower = parseVersion(`${base.major}.${base.minor}.0`);
        const upper = parseVersion(`${base.major}.${base.minor + 1}.0`);
        const expected = referenceCompare(lower, v) <= 0 && referenceCompare(v, upper) < 0;
        expect(satisfies(v, parseConstraint(`~${base.major}.${base.minor}`))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('a prerelease never satisfies a stable-only range unless prereleases are included', () => {
    fc.assert(
      fc.property(stableVersion, version, (low, v) => {
        fc.pre(v.prerelease.length > 0);
        const constraint = parseConstraint(`>=${low.text}`);
        expect(satisfies(v, constraint)).toBe(false);
        expect(satisfies(v, constraint, { includePrerelease: true })).toBe(referenceCompare(low, v) <= 0);
      }),
      { numRuns: 1000 },
    );
  });

  it('"A || B" holds exactly when A or B holds', () => {
    fc.assert(
      fc.property(stableVersion, stableVersion, stableVersion, (a, b, v) => {
        const either = parseConstraint(`~${a.text} || ^${b.text}`);
        expect(satisfies(v, either)).toBe(
          satisfies(v, parseConstraint(`~${a.text}`)) || satisfies(v, parseConstraint(`^${b.text}`)),
        );
      }),
      { numRuns: 1000 },
    );
  });
});
