export {
  configInvalidError,
  formatIssue,
  formatPath,
  type ConfigIssue,
  type PathSegment,
} from './config/config-issue.ts';
export { closestName } from './config/did-you-mean.ts';
export { MAX_DURATION_SECONDS, parseDuration, type DurationResult } from './config/duration.ts';
export { loadPolicyConfig } from './config/load-policy-config.ts';
export * from './config/policy-config.schema.ts';
export { NAME_PATTERN, isValidTimeZone } from './config/schema-fields.ts';
export {
  MAX_YAML_ALIAS_COUNT,
  MAX_YAML_BYTES,
  readYaml,
  type Position,
  type YamlSource,
} from './config/yaml-source.ts';
export {
  effectiveComponent,
  effectiveConfig,
  effectiveGlobal,
  excludedVersionsOf,
  explainComponent,
  explainGlobal,
  traceComponent,
  type EffectiveComponent,
  type EffectiveConfig,
  type ExplainedValue,
  type TracedComponent,
} from './overlay/effective-config.ts';
export { GLOBAL_DEFAULTS, type EffectiveGlobal } from './overlay/global-defaults.ts';
export type { Origin } from './overlay/layered-merge.ts';
export {
  LOCK_FILE_VERSION,
  parseLockFile,
  renderLockFile,
  type LockFile,
  type LockedArtifact,
  type LockedComponent,
} from './lock/lock-file.ts';
export {
  checkMaintenanceWindows,
  isWithinWindow,
  MAX_UPCOMING_WINDOWS,
  nextWindow,
  openWindow,
  upcomingWindows,
  windowLabel,
  type WindowOccurrence,
} from './windows/maintenance-window.ts';
export {
  nextWindows,
  windowsFor,
  type ScopedWindow,
  type UpcomingWindow,
  type WindowScope,
} from './windows/window-scope.ts';
export {
  CONDITION_OPERATORS,
  conditionHolds,
  parseSuccessCondition,
  type ConditionOperator,
  type SuccessCondition,
  type SuccessConditionResult,
} from './rollouts/success-condition.ts';
export {
  ROLLOUT_DEFAULTS,
  WAVE_DEFAULTS,
  explainRolloutSettings,
  rolloutSettings,
  type GateSettings,
  type RolloutSettings,
  type WaveSettings,
} from './rollouts/rollout-settings.ts';
export {
  APPROVAL_DEFAULTS,
  approvalRequirement,
  explainApprovals,
  type ApprovalDecisionInput,
  type ApprovalRequirement,
} from './rollouts/approval-requirement.ts';
export {
  autoUpgradeAllowed,
  type AutoUpgradeDecisionInput,
  type AutoUpgradeVerdict,
} from './rollouts/auto-upgrade-allowed.ts';
export { rolloutOrder, type RolloutOrder } from './rollouts/rollout-order.ts';
export { decisionInputFor, type DecisionInputOptions } from './overlay/decision-input-for.ts';
export { resolveInputFor } from './overlay/resolve-input.ts';
export * from './decision/index.ts';
export * from './advisories/index.ts';
