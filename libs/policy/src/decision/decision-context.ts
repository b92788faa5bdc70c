import { UpkeepError } from '@upkeep/errors';
import {
  RISK_LEVELS,
  compareVersions,
  parseConstraint,
  parseTag,
  parseVersion,
  type Constraint,
  type RiskLevel,
  type Version,
} from '@upkeep/versioning';
import { readOsvRecord, type OsvPackageRef, type OsvRecord } from '../advisories/index.ts';
import {
  CHANGE_TYPES,
  SEVERITIES,
  type BreakingChange,
  type ExcludedVersionEntry,
  type MaintenanceWindow,
} from '../config/policy-config.schema.ts';
import { checkMaintenanceWindows } from '../windows/maintenance-window.ts';
import type { DecisionInput } from './decision-input.ts';
import { parseVersionDrift, type VersionDrift } from './version-drift.ts';

export interface ParsedBreakingChange {
  readonly entry: BreakingChange;
  readonly from: Version;
  readonly to: Version;
}

export interface ParsedReleaseNote {
  readonly version: Version;
  readonly body: string;
}

/** The input read, checked and given its defaults: every rule reads this, never the raw input. */
export interface DecisionContext {
  readonly component: string;
  readonly current: Version | null;
  readonly target: Version;
  readonly force: boolean;
  readonly installed: ReadonlyMap<string, Version>;
  readonly requirements: readonly { readonly component: string; readonly constraint: Constraint }[];
  readonly excluded: readonly { readonly version: Version; readonly entry: ExcludedVersionEntry }[];
  readonly breakingChanges: readonly ParsedBreakingChange[];
  readonly releaseNotes: readonly ParsedReleaseNote[];
  /** Release-note entries whose version did not parse, kept to be reported. */
  readonly unreadableNotes: readonly string[];
  readonly knownVersions: readonly Version[] | null;
  readonly advisories: readonly OsvRecord[] | null;
  readonly advisoryPackages: readonly OsvPackageRef[] | undefined;
  readonly checks: {
    readonly compatibility: boolean;
    readonly breakingChanges: boolean;
    readonly advisories: boolean;
  };
  readonly autoUpgrade: {
    readonly globallyEnabled: boolean;
    readonly componentOptedOut: boolean;
    readonly excludedComponent: boolean;
    readonly allowedRiskLevels: readonly RiskLevel[];
    /** Which setting the levels came from, for the explanation. */
    readonly allowedFrom: string;
  };
  readonly manualForMajor: boolean;
  readonly sync: { readonly component: string; readonly drift: VersionDrift } | null;
  readonly autoRollback: boolean;
  readonly minimumReleaseAge: number;
  readonly publishedAt: Date | null;
  readonly windows: { readonly enabled: boolean; readonly list: readonly MaintenanceWindow[] };
  readonly serviceArgs: readonly string[] | null;
  readonly rewritesRenamedFlags: boolean;
  readonly now: Date;
}

function invalid(what: string, problem: string, hint: string, value?: unknown): never {
  throw new UpkeepError('INPUT_INVALID', `${what} ${problem}`, {
    details: value === undefined ? { field: what } : { field: what, value },
    hint,
  });
}

function riskLevels(levels: readonly string[], what: string): RiskLevel[] {
  return levels.map((level) => {
    if (!(RISK_LEVELS as readonly string[]).includes(level)) {
      invalid(
        what,
        `contains ${JSON.stringify(level)}, which is not a risk level`,
        `use ${RISK_LEVELS.join(', ')}`,
        level,
      );
    }
    return level as RiskLevel;
  });
}

function readBreakingChange(entry: BreakingChange, index: number): ParsedBreakingChange {
  const where = `breaking_changes[${index}] (${entry.component})`;
  if (!(CHANGE_TYPES as readonly string[]).includes(entry.change_type)) {
    invalid(
      `${where} change_type`,
      `${JSON.stringify(entry.change_type)} is not a known change type`,
      `use one of ${CHANGE_TYPES.join(', ')}`,
      entry.change_type,
    );
  }
  if (!(SEVERITIES as readonly string[]).includes(entry.severity)) {
    invalid(
      `${where} severity`,
      `${JSON.stringify(entry.severity)} is not a severity`,
      `use one of ${SEVERITIES.join(', ')}`,
      entry.severity,
    );
  }
  const from = parseVersion(entry.from_version, `${where} from_version`);
  const to = parseVersion(entry.to_version, `${where} to_version`);
  if (compareVersions(from, to) >= 0) {
    invalid(
      `${where} from_version`,
      `${from.text} is not below to_version ${to.text}`,
      'from_version is the last version with the old behaviour, to_version the release the change lands in',
      entry.from_version,
    );
  }
  return { entry, from, to };
}

function readDate(text: string, what: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    invalid(
      what,
      `${JSON.stringify(text)} is not a date`,
      'write an ISO 8601 timestamp such as 2024-05-01T12:00:00Z',
      text,
    );
  }
  return date;
}

/**
 * Reads and checks the input, applying the defaults documented on
 * {@link DecisionInput}.
 * @throws UpkeepError INPUT_INVALID, INVALID_VERSION or INVALID_CONSTRAINT naming the bad value.
 */
export function readDecisionContext(input: DecisionInput): DecisionContext {
  const component = input.component.trim();
  if (component === '')
    invalid('component', 'is empty', 'name the component to decide for, such as node_exporter');
  if (!(input.now instanceof Date) || Number.isNaN(input.now.getTime())) {
    invalid('now', 'is not a valid date', 'pass the current time as a Date');
  }

  const installed = new Map<string, Version>();
  for (const [name, text] of Object.entries(input.installedVersions ?? {})) {
    installed.set(name, parseVersion(text, `installed version of ${name}`));
  }
  const requirements = Object.entries(input.compatibleWith ?? {}).map(([name, text]) => ({
    component: name,
    constraint: parseConstraint(text, `compatible_with.${name}`),
  }));
  const excluded = (input.excludedVersions ?? []).map((entry, i) => ({
    entry,
    version: parseVersion(entry.version, `excluded_versions[${i}].version`),
  }));
  const breakingChanges = (input.breakingChanges ?? [])
    .map((entry, index) => ({ entry, index }))
    .filter(({ entry }) => entry.component === component)
    .map(({ entry, index }) => readBreakingChange(entry, index));

  const releaseNotes: ParsedReleaseNote[] = [];
  const unreadableNotes: string[] = [];
  for (const note of input.releaseNotes ?? []) {
    const parsed = parseTag(note.version.trim());
    if (parsed.ok) releaseNotes.push({ version: parsed.version, body: note.body });
    else unreadableNotes.push(note.version);
  }
  const knownVersions =
    input.knownVersions === undefined
      ? null
      : input.knownVersions.flatMap((tag) => {
          const parsed = parseTag(tag.trim());
          return parsed.ok ? [parsed.version] : [];
        });

  const advisories =
    input.advisories === undefined
      ? null
      : input.advisories.map((record, i) => readOsvRecord(record, `advisories[${i}]`));

  const minimumReleaseAge = input.minimumReleaseAge ?? 0;
  if (!Number.isFinite(minimumReleaseAge) || minimumReleaseAge < 0) {
    invalid(
      'minimum_release_age',
      `${String(minimumReleaseAge)} is not a number of seconds`,
      'write a whole number of seconds, 0 or more (604800 is 7 days)',
      minimumReleaseAge,
    );
  }

  const windows = input.maintenanceWindows?.windows ?? [];
  checkMaintenanceWindows(windows);

  const upgrade = input.upgrade ?? {};
  const auto = input.autoUpgrade ?? {};
  const syncWith = upgrade.sync_version_with?.trim();
  return {
    component,
    current: input.currentVersion === null ? null : parseVersion(input.currentVersion, 'installed version'),
    target: parseVersion(input.targetVersion, 'target version'),
    force: input.force ?? false,
    installed,
    requirements,
    excluded,
    breakingChanges,
    releaseNotes,
    unreadableNotes,
    knownVersions,
    advisories,
    advisoryPackages: input.advisoryPackages,
    checks: {
      compatibility: input.safety?.compatibility_check ?? true,
      breakingChanges: input.safety?.breaking_change_detection ?? true,
      advisories: input.safety?.security_advisory_check ?? true,
    },
    autoUpgrade: {
      globallyEnabled: auto.enabled ?? false,
      componentOptedOut: upgrade.auto_upgrade_enabled === false,
      excludedComponent: (auto.exclude_components ?? []).includes(component),
      allowedRiskLevels:
        upgrade.allowed_risk_levels !== undefined
          ? riskLevels(upgrade.allowed_risk_levels, `components.${component}.upgrade.allowed_risk_levels`)
          : riskLevels(auto.allowed_risk_levels ?? ['low'], 'safety.auto_upgrade.allowed_risk_levels'),
      allowedFrom:
        upgrade.allowed_risk_levels !== undefined
          ? `components.${component}.upgrade.allowed_risk_levels`
          : 'safety.auto_upgrade.allowed_risk_levels',
    },
    manualForMajor: upgrade.require_manual_approval_for_major ?? true,
    sync:
      syncWith === undefined || syncWith === ''
        ? null
        : { component: syncWith, drift: parseVersionDrift(upgrade.allowed_version_drift ?? '0.0.0') },
    autoRollback: input.rollback?.auto_rollback_on_failure ?? true,
    minimumReleaseAge,
    publishedAt:
      input.targetPublishedAt === undefined || input.targetPublishedAt === null
        ? null
        : readDate(input.targetPublishedAt, 'target published_at'),
    windows: {
      enabled: input.maintenanceWindows?.enabled ?? false,
      list: windows,
    },
    serviceArgs: input.serviceArgs ?? null,
    rewritesRenamedFlags: input.rewritesRenamedFlags ?? false,
    now: input.now,
  };
}
