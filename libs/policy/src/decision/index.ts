export { decideUpgrade } from './decide-upgrade.ts';
export { DECISION_EXIT_CODES, decisionExitCode, type DecisionExitCode } from './decision-exit-code.ts';
export type { DecisionInput, ReleaseNote } from './decision-input.ts';
export {
  DECISION_ACTIONS,
  SAFETY_CHECK_NAMES,
  type BreakingChangeSource,
  type ChangeSummary,
  type DecisionAction,
  type DecisionAdvisory,
  type DetectedBreakingChange,
  type ReleasesCrossed,
  type RollbackPlan,
  type SafetyCheck,
  type SafetyCheckName,
  type SafetyCheckStatus,
  type UpgradeDecision,
} from './upgrade-decision.ts';
export { parseVersionDrift, withinDrift, type VersionDrift } from './version-drift.ts';
export { findBreakingNotes } from './release-notes-scanner.ts';
export { findFlagUse, flagsIn } from './command-line-flags.ts';
export { splitCommandLine } from './split-command-line.ts';
