import type { RiskLevel } from '@upkeep/versioning';
import type { OsvPackageRef, OsvRecord } from '../advisories/index.ts';
import type { MaintenanceWindow } from '../config/policy-config.schema.ts';

/**
 * Everything the decision engine needs about one component on one host, already
 * overlaid for its environment. Top-level fields are the engine's own grouping
 * (camelCase); nested objects that mirror a block of versions.yaml keep that
 * block's keys (snake_case), so an adapter copies them across unchanged.
 *
 * Plain data only: the engine does no I/O and reads no clock; `now` is given.
 */
export interface DecisionInput {
  readonly component: string;
  /** The installed version, or null when nothing is installed (a fresh install). */
  readonly currentVersion: string | null;
  readonly targetVersion: string;
  /**
   * The operator's `--force`: allows a downgrade and stands in for a manual
   * approval. It never overrides a rejection for any other reason (excluded
   * version, incompatibility, a vulnerable target, version drift). Default false.
   */
  readonly force?: boolean | undefined;
  /** Versions of the other components on this host (`prometheus` -> `2.45.0`). */
  readonly installedVersions?: Readonly<Record<string, string>> | undefined;
  /** `components.<name>.compatible_with`: component -> constraint. */
  readonly compatibleWith?: Readonly<Record<string, string>> | undefined;
  /** `upgrade_policies.excluded_versions.<name>`. */
  readonly excludedVersions?: readonly ExcludedVersionEntry[] | undefined;
  /** The `breaking_changes` database; entries for other components are ignored. */
  readonly breakingChanges?: readonly BreakingChangeEntry[] | undefined;
  /**
   * Release notes of the releases between the installed version and the target.
   * Entries outside that span are ignored, so the whole list may be passed.
   */
  readonly releaseNotes?: readonly ReleaseNote[] | undefined;
  /** Every known release version (tags), to report how many releases the move skips. */
  readonly knownVersions?: readonly string[] | undefined;
  /**
   * OSV records known for the component. `undefined` means no advisory source was
   * consulted (reported as such); `[]` means the source knows of none.
   */
  readonly advisories?: readonly OsvRecord[] | undefined;
  /** Restricts advisories to these OSV packages; default every `affected[]` entry of each record. */
  readonly advisoryPackages?: readonly OsvPackageRef[] | undefined;
  /** `global.safety`; each check defaults to on. */
  readonly safety?: SafetySettings | undefined;
  /** `global.safety.auto_upgrade`; default `{ enabled: false, allowed_risk_levels: [low] }`. */
  readonly autoUpgrade?: AutoUpgradeSettings | undefined;
  /** `components.<name>.upgrade`. */
  readonly upgrade?: ComponentUpgradeSettings | undefined;
  /** `global.safety.rollback`. */
  readonly rollback?: RollbackSettings | undefined;
  /** Seconds a release must have been public before it is taken automatically; default 0. */
  readonly minimumReleaseAge?: number | undefined;
  /** When the target was published (ISO 8601), or null when unknown. */
  readonly targetPublishedAt?: string | null | undefined;
  /** `upgrade_policies.maintenance_windows`; default disabled. */
  readonly maintenanceWindows?: MaintenanceWindowSettings | undefined;
  /**
   * The service's actual command line as a list of arguments (as systemd or ps
   * shows it), to tell whether a removed or renamed flag affects this host.
   * `undefined` means unknown.
   */
  readonly serviceArgs?: readonly string[] | undefined;
  readonly now: Date;
}

export interface ExcludedVersionEntry {
  readonly version: string;
  readonly reason: string;
  readonly issue_url?: string | undefined;
}

export const BREAKING_CHANGE_TYPES = [
  'flag_removal',
  'flag_rename',
  'config_change',
  'api',
  'behavior',
  'removal',
  'other',
] as const;
export type BreakingChangeType = (typeof BREAKING_CHANGE_TYPES)[number];

export const BREAKING_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type BreakingSeverity = (typeof BREAKING_SEVERITIES)[number];

/**
 * One entry of the `breaking_changes` database. The change lands in
 * `to_version`; `from_version` is the last version with the old behaviour.
 */
export interface BreakingChangeEntry {
  readonly component: string;
  readonly from_version: string;
  readonly to_version: string;
  readonly change_type: BreakingChangeType;
  readonly description: string;
  readonly migration_guide?: string | undefined;
  readonly severity: BreakingSeverity;
  /** For flag changes: the flag (`--collector.diskstats`); default the first `--flag` in the description. */
  readonly flag?: string | undefined;
  /** For `flag_rename`: the new name; default the second `--flag` in the description. */
  readonly renamed_to?: string | undefined;
}

export interface ReleaseNote {
  /** The release's version or tag (`v2.0.0`). */
  readonly version: string;
  readonly body: string;
}

export interface SafetySettings {
  readonly compatibility_check?: boolean | undefined;
  readonly breaking_change_detection?: boolean | undefined;
  readonly security_advisory_check?: boolean | undefined;
}

export interface AutoUpgradeSettings {
  readonly enabled?: boolean | undefined;
  readonly allowed_risk_levels?: readonly RiskLevel[] | undefined;
  readonly exclude_components?: readonly string[] | undefined;
}

export interface ComponentUpgradeSettings {
  /** A component can opt out of auto-upgrade; it cannot opt in when the global switch is off. */
  readonly auto_upgrade_enabled?: boolean | undefined;
  /** Replaces the global `allowed_risk_levels` for this component. */
  readonly allowed_risk_levels?: readonly RiskLevel[] | undefined;
  /** Default true. */
  readonly require_manual_approval_for_major?: boolean | undefined;
  /** Keep this component's version near another's (promtail with loki). */
  readonly sync_version_with?: string | undefined;
  /**
   * How far from `sync_version_with` the version may be: `MAJOR.MINOR.PATCH` with
   * one non-zero part, which sets the level compared and the distance allowed
   * (`0.1.0`: same major, minors at most 1 apart, any patch). Default `0.0.0`.
   */
  readonly allowed_version_drift?: string | undefined;
}

export interface RollbackSettings {
  /** Default true. */
  readonly auto_rollback_on_failure?: boolean | undefined;
}

export interface MaintenanceWindowSettings {
  readonly enabled?: boolean | undefined;
  /**
   * Each window's `timezone` defaults to UTC (the loader has already filled in
   * the section's `timezone`). Upgrades, downgrades and installs all count as
   * the `upgrade` operation of `allowed_operations`.
   */
  readonly windows?: readonly MaintenanceWindow[] | undefined;
}
