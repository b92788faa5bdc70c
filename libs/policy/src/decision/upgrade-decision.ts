import type { ChangeKind, RiskLevel } from '@upkeep/versioning';
import type { ChangeType, Severity } from '../config/policy-config.schema.ts';

/**
 * What to do with the requested move:
 * - `skip`: the target is already installed; nothing to do.
 * - `reject`: unsafe; must not be installed (even with force, unless the only
 *   reason was a downgrade, which force allows).
 * - `auto_approve`: safe, and the auto-upgrade policy lets it run unattended.
 * - `recommend`: safe to apply when an operator or a rollout asks, but not taken
 *   unattended (medium risk, auto-upgrade off, release too young, ...).
 * - `manual_approval`: needs a person's approval first (high risk, a major
 *   version, a breaking change that hits this host).
 */
export const DECISION_ACTIONS = ['skip', 'reject', 'auto_approve', 'recommend', 'manual_approval'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

export const SAFETY_CHECK_NAMES = [
  'version_comparison',
  'excluded_versions',
  'breaking_changes',
  'command_line_flags',
  'compatibility',
  'version_sync',
  'security_advisories',
  'release_age',
  'maintenance_window',
] as const;
export type SafetyCheckName = (typeof SAFETY_CHECK_NAMES)[number];

/**
 * `passed` is false only for `failed`. `warning` passed with something to read;
 * `skipped` was not run (turned off, or nothing to check against).
 */
export type SafetyCheckStatus = 'passed' | 'warning' | 'failed' | 'skipped';

export interface SafetyCheck {
  readonly check: SafetyCheckName;
  readonly passed: boolean;
  readonly status: SafetyCheckStatus;
  readonly detail: string;
}

export type BreakingChangeSource = 'config' | 'release_notes' | 'major_version';

export interface DetectedBreakingChange {
  readonly source: BreakingChangeSource;
  readonly component: string;
  /** The release the change lands in. */
  readonly version: string;
  readonly from_version: string | null;
  readonly to_version: string;
  readonly change_type: ChangeType;
  readonly description: string;
  readonly migration_guide?: string;
  /** The severity that counted for this host (`low` when the change does not touch it). */
  readonly severity: Severity;
  /** The severity as written in the source, when it differs. */
  readonly configured_severity?: Severity;
  readonly flag?: string;
  readonly renamed_to?: string;
  /**
   * Set when the caller rewrites the command line for this rename (input
   * `rewritesRenamedFlags`): the argument this host uses and what it becomes.
   */
  readonly command_line_rewrite?: { readonly from: string; readonly to: string };
  /** Whether the change touches this host: null when it cannot be told (no command line given). */
  readonly affects_host: boolean | null;
  readonly host_detail?: string;
  /** True on a downgrade: the move undoes this change. */
  readonly reverted?: boolean;
}

export interface DecisionAdvisory {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly summary: string;
  readonly severity?: string;
  /** Which side of the move the advisory affects. */
  readonly affects: 'current' | 'target' | 'both';
  /** The lowest fixed version above the affected side (the target when it is affected). */
  readonly fixed_in?: string;
  readonly url?: string;
}

export interface ReleasesCrossed {
  /** Releases strictly between the two versions that the move skips. */
  readonly skipped: number;
  readonly majors_crossed: number;
  readonly minors_crossed: number;
}

export interface ChangeSummary {
  readonly from: string | null;
  readonly to: string;
  readonly direction: 'install' | 'upgrade' | 'downgrade' | 'same';
  readonly kind: ChangeKind | 'install';
  /** The risk of the version move alone (semver), before breaking changes or advisories. */
  readonly risk: RiskLevel;
  readonly reasons: readonly string[];
  /** Null when no release list was given. */
  readonly releases: ReleasesCrossed | null;
}

export interface RollbackPlan {
  /** Whether there is anything to go back to (false for a fresh install, a skip or a rejection). */
  readonly available: boolean;
  /** The version restored on failure: the installed version, or null. */
  readonly to_version: string | null;
  readonly create_rollback_point: boolean;
  readonly automatic_on_failure: boolean;
  /** What makes the agent roll back. */
  readonly triggers: readonly string[];
  /** The rollback, step by step, in the order the agent runs it. */
  readonly steps: readonly string[];
  readonly notes: readonly string[];
}

/**
 * The engine's answer. `approved`, `risk_level`, `requires_manual`,
 * `safety_checks_passed`, `safety_checks`, `warnings`, `rollback_plan` and
 * `upgrade_notes` keep the seed's names.
 *
 * `approved` means the install may go ahead now when asked for: true for
 * `auto_approve` and `recommend`, and for `manual_approval` when force stands in
 * for the approval; false for `skip` (nothing to install), `reject`, a
 * `manual_approval` without force, and any move outside the maintenance window.
 * Unattended upgrades run only when `approved && action === 'auto_approve'`.
 */
export interface UpgradeDecision {
  readonly component: string;
  readonly current_version: string | null;
  readonly target_version: string;
  readonly approved: boolean;
  readonly action: DecisionAction;
  readonly risk_level: RiskLevel;
  readonly requires_manual: boolean;
  readonly forced: boolean;
  readonly safety_checks_passed: boolean;
  readonly safety_checks: readonly SafetyCheck[];
  readonly warnings: readonly string[];
  readonly breaking_changes: readonly DetectedBreakingChange[];
  readonly advisories: readonly DecisionAdvisory[];
  /** True when the move fixes an advisory that affects the installed version. */
  readonly security_fix: boolean;
  /** When outside the maintenance window: the next opening (ISO 8601, UTC). */
  readonly not_before: string | null;
  readonly rollback_plan: RollbackPlan;
  readonly change: ChangeSummary;
  /** Migration guides and other things to do around the upgrade, one per line. */
  readonly upgrade_notes: string;
  /** Every rule that fired, in order, in words an operator understands. */
  readonly explanation: readonly string[];
}
