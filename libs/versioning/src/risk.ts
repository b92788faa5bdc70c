import { compareVersions, isPrereleaseVersion, type Version } from './version.ts';

export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export type ChangeKind = 'none' | 'patch' | 'minor' | 'major' | 'prerelease';
export type ChangeDirection = 'same' | 'upgrade' | 'downgrade';

/** What moving from one version to another means, and why it carries its risk. */
export interface VersionChange {
  readonly from: string;
  readonly to: string;
  readonly direction: ChangeDirection;
  readonly kind: ChangeKind;
  readonly risk: RiskLevel;
  /** Each reason the risk is what it is, in words. */
  readonly reasons: readonly string[];
}

const RISK_ORDER: Record<RiskLevel, number> = { low: 0, medium: 1, high: 2 };

export function maxRisk(a: RiskLevel, b: RiskLevel): RiskLevel {
  return RISK_ORDER[a] >= RISK_ORDER[b] ? a : b;
}

export function riskAtMost(risk: RiskLevel, ceiling: RiskLevel): boolean {
  return RISK_ORDER[risk] <= RISK_ORDER[ceiling];
}

export function compareRisk(a: RiskLevel, b: RiskLevel): number {
  return RISK_ORDER[a] - RISK_ORDER[b];
}

/**
 * The semver risk of a move: patch = low, minor = medium, major = high. In 0.x
 * a minor bump is high (0.x promises no compatibility between minors), in 0.0.x
 * every bump is high, and a prerelease target is at least medium.
 */
export function classifyChange(from: Version, to: Version): VersionChange {
  const order = compareVersions(from, to);
  const direction: ChangeDirection = order === 0 ? 'same' : order < 0 ? 'upgrade' : 'downgrade';
  const base = { from: from.text, to: to.text, direction };
  if (direction === 'same') return { ...base, kind: 'none', risk: 'low', reasons: ['same version'] };

  const [low, high] = direction === 'upgrade' ? [from, to] : [to, from];
  const reasons: string[] = [];
  let kind: ChangeKind;
  let risk: RiskLevel;
  if (low.major !== high.major) {
    kind = 'major';
    risk = 'high';
    reasons.push(`major version changes (${low.major}.x -> ${high.major}.x)`);
  } else if (low.minor !== high.minor) {
    kind = 'minor';
    if (low.major === 0) {
      risk = 'high';
      reasons.push(
        `minor version changes in 0.x (${low.major}.${low.minor} -> ${high.major}.${high.minor}): 0.x makes no compatibility promise between minors`,
      );
    } else {
      risk = 'medium';
      reasons.push(`minor version changes (${low.major}.${low.minor} -> ${high.major}.${high.minor})`);
    }
  } else if (low.patch !== high.patch) {
    kind = 'patch';
    if (low.major === 0 && low.minor === 0) {
      risk = 'high';
      reasons.push('patch version changes in 0.0.x, where every release may break compatibility');
    } else {
      risk = 'low';
      reasons.push(`patch version changes (${low.text} -> ${high.text})`);
    }
  } else {
    kind = 'prerelease';
    risk = 'low';
    reasons.push('only the prerelease part changes');
  }
  if (isPrereleaseVersion(to) && RISK_ORDER[risk] < RISK_ORDER.medium) {
    risk = 'medium';
    reasons.push(`target ${to.text} is a prerelease`);
  }
  if (direction === 'downgrade') reasons.push('this is a downgrade');
  return { ...base, kind, risk, reasons };
}

/** How far apart two versions are among the known releases. */
export interface ReleaseDistance {
  /** Releases strictly between `from` and `to` that the move skips. */
  readonly releasesSkipped: number;
  readonly majorsCrossed: number;
  readonly minorsCrossed: number;
}

/** Counts the releases a move skips among `known` (duplicates counted once). */
export function releaseDistance(from: Version, to: Version, known: readonly Version[]): ReleaseDistance {
  const [low, high] = compareVersions(from, to) <= 0 ? [from, to] : [to, from];
  const between = new Set<string>();
  for (const v of known) {
    if (compareVersions(v, low) > 0 && compareVersions(v, high) < 0)
      between.add(v.text.split('+')[0] ?? v.text);
  }
  const majorsCrossed = high.major - low.major;
  const minorsCrossed = majorsCrossed === 0 ? high.minor - low.minor : countMinorLines(known, low, high);
  return { releasesSkipped: between.size, majorsCrossed, minorsCrossed };
}

function countMinorLines(known: readonly Version[], low: Version, high: Version): number {
  const lines = new Set<string>();
  for (const v of known) {
    if (compareVersions(v, low) > 0 && compareVersions(v, high) <= 0) lines.add(`${v.major}.${v.minor}`);
  }
  lines.delete(`${low.major}.${low.minor}`);
  return Math.max(lines.size, 1);
}
