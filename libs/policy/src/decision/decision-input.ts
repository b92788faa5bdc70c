import type { OsvPackageRef, OsvRecord } from '../advisories/index.ts';
import type {
  AutoUpgradeSettings,
  BreakingChange,
  ExcludedVersionEntry,
  MaintenanceWindowSettings,
  RollbackSettings,
  SafetySettings,
  UpgradeSettings,
} from '../config/policy-config.schema.ts';

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
  readonly breakingChanges?: readonly BreakingChange[] | undefined;
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
  readonly safety?:
    | Pick<SafetySettings, 'compatibility_check' | 'breaking_change_detection' | 'security_advisory_check'>
    | undefined;
  /** `global.safety.auto_upgrade`; default `{ enabled: false, allowed_risk_levels: [low] }`. */
  readonly autoUpgrade?: AutoUpgradeSettings | undefined;
  /** `components.<name>.upgrade` (its `minimum_release_age` goes in `minimumReleaseAge`). */
  readonly upgrade?: Omit<UpgradeSettings, 'minimum_release_age'> | undefined;
  /** `global.safety.rollback`; `auto_rollback_on_failure` defaults to true. */
  readonly rollback?: Pick<RollbackSettings, 'auto_rollback_on_failure'> | undefined;
  /** Seconds a release must have been public before it is taken automatically; default 0. */
  readonly minimumReleaseAge?: number | undefined;
  /** When the target was published (ISO 8601), or null when unknown. */
  readonly targetPublishedAt?: string | null | undefined;
  /**
   * `upgrade_policies.maintenance_windows`; default disabled. Each window's
   * `timezone` defaults to UTC (the loader has already filled in the section's
   * `timezone`). Upgrades, downgrades and installs all count as the `upgrade`
   * operation of `allowed_operations`.
   */
  readonly maintenanceWindows?: Omit<MaintenanceWindowSettings, 'timezone'> | undefined;
  /**
   * The service's actual command line as a list of arguments (as systemd or ps
   * shows it), to tell whether a removed or renamed flag affects this host.
   * `undefined` means unknown.
   */
  readonly serviceArgs?: readonly string[] | undefined;
  /**
   * True when the caller rewrites the service's command line for a
   * `flag_rename` it uses (the agent does, for a unit file's ExecStart): such a
   * rename then needs no person, and the decision says what will be rewritten.
   * Default false: a renamed flag in use holds the upgrade for manual review.
   */
  readonly rewritesRenamedFlags?: boolean | undefined;
  readonly now: Date;
}

export interface ReleaseNote {
  /** The release's version or tag (`v2.0.0`). */
  readonly version: string;
  readonly body: string;
}
