import type { ChangeKind, RiskLevel } from '@upkeep/versioning';
import type { ApprovalStage, PolicyConfig, VersionBump } from '../config/policy-config.schema.ts';
import { environmentOf, explainMerged, type ExplainedValue } from '../overlay/effective-config.ts';
import { isPlainObject, layerAt, mergeLayers, type Merged } from '../overlay/layered-merge.ts';
import type { DetectedBreakingChange } from '../decision/upgrade-decision.ts';

/** What `approvalRequirement` reads of an upgrade decision. */
export interface ApprovalDecisionInput {
  readonly risk_level: RiskLevel;
  readonly requires_manual: boolean;
  readonly breaking_changes: readonly Pick<
    DetectedBreakingChange,
    'affects_host' | 'reverted' | 'description'
  >[];
  readonly change: { readonly kind: ChangeKind | 'install' };
}

/** How many approvals a rollout needs, and when. */
export interface ApprovalRequirement {
  /** 0: the rollout starts by itself. */
  readonly required: number;
  /** When the approvals are asked for; null when none is required. */
  readonly stage: ApprovalStage | null;
  /** The rollout may only dispatch inside a maintenance window, even when windows are disabled. */
  readonly maintenanceWindow: boolean;
  readonly forbidSelfApproval: boolean;
  readonly bump: VersionBump;
  /** Each rule that counted, in words. */
  readonly reasons: readonly string[];
}

/**
 * The approval rules when versions.yaml says nothing: patch automatic; minor one approval once
 * the first (canary) wave is healthy; major two approvals before it starts and a maintenance
 * window; a decision needing review (high risk, `requires_manual`, a breaking change that
 * touches the hosts) at least one approval before it starts; no self-approval.
 */
export const APPROVAL_DEFAULTS = {
  forbid_self_approval: true,
  patch: { required: 0, stage: 'before_start', maintenance_window: false },
  minor: { required: 1, stage: 'after_first_wave', maintenance_window: false },
  major: { required: 2, stage: 'before_start', maintenance_window: true },
  manual_review: { required: 1, stage: 'before_start', maintenance_window: false },
} as const;

interface Rule {
  readonly required: number;
  readonly stage: ApprovalStage;
  readonly maintenance_window: boolean;
}

function mergedApprovals(config: PolicyConfig, environment: string | undefined): Merged {
  const overlay = environmentOf(config, environment);
  return mergeLayers([
    layerAt('default', APPROVAL_DEFAULTS, undefined),
    layerAt('upgrade_policies.approvals', config.upgrade_policies.approvals, [
      'upgrade_policies',
      'approvals',
    ]),
    ...(environment === undefined
      ? []
      : [
          layerAt(`environments.${environment}.approvals`, overlay?.approvals, [
            'environments',
            environment,
            'approvals',
          ]),
        ]),
  ]);
}

function ruleOf(value: Record<string, unknown>, key: string): Rule {
  const raw = isPlainObject(value[key]) ? value[key] : {};
  return {
    required: typeof raw.required === 'number' ? raw.required : 0,
    stage: raw.stage === 'after_first_wave' ? 'after_first_wave' : 'before_start',
    maintenance_window: raw.maintenance_window === true,
  };
}

function bumpOf(kind: ChangeKind | 'install'): VersionBump {
  switch (kind) {
    case 'major':
      return 'major';
    case 'minor':
      return 'minor';
    case 'patch':
    case 'none':
    case 'prerelease':
    case 'install':
      return 'patch';
  }
}

/** Why a decision needs review, or undefined. */
function reviewReason(decision: ApprovalDecisionInput): string | undefined {
  if (decision.risk_level === 'high') return 'the risk is high';
  if (decision.requires_manual) return 'the decision requires manual review';
  const breaking = decision.breaking_changes.find((c) => c.affects_host !== false && c.reverted !== true);
  if (breaking !== undefined) return `a breaking change applies (${breaking.description})`;
  return undefined;
}

/**
 * The approvals a rollout of `decision` needs in `environment`: the rule of its bump
 * (`approvals.patch|minor|major`), raised to `approvals.manual_review` when the decision needs
 * review (high risk, `requires_manual`, a breaking change not known to spare the hosts). The higher
 * count wins; on a tie, approval before the start wins. A fresh install or prerelease move counts
 * as a patch. Defaults: `APPROVAL_DEFAULTS`; precedence default < `upgrade_policies.approvals`
 * < `environments.<env>.approvals`, field by field.
 * @throws UpkeepError UNKNOWN_ENVIRONMENT listing the known environments.
 */
export function approvalRequirement(
  config: PolicyConfig,
  environment: string | undefined,
  decision: ApprovalDecisionInput,
): ApprovalRequirement {
  const { value } = mergedApprovals(config, environment);
  const bump = bumpOf(decision.change.kind);
  const bumpRule = ruleOf(value, bump);
  let required = bumpRule.required;
  let stage = bumpRule.stage;
  let maintenanceWindow = bumpRule.maintenance_window;
  const reasons = [`a ${bump} move needs ${bumpRule.required} approval(s)`];
  const review = reviewReason(decision);
  if (review !== undefined) {
    const reviewRule = ruleOf(value, 'manual_review');
    maintenanceWindow ||= reviewRule.maintenance_window;
    if (reviewRule.required > required) {
      required = reviewRule.required;
      stage = reviewRule.stage;
      reasons.push(`${review}: manual_review raises it to ${reviewRule.required}`);
    } else if (reviewRule.required === required && reviewRule.stage === 'before_start') {
      stage = 'before_start';
      reasons.push(`${review}: approval is asked for before the start`);
    }
  }
  if (maintenanceWindow) reasons.push('it must run inside a maintenance window');
  return {
    required,
    stage: required === 0 ? null : stage,
    maintenanceWindow,
    forbidSelfApproval: value.forbid_self_approval !== false,
    bump,
    reasons,
  };
}

/**
 * Every approval rule for `environment` with the layer and key that set it.
 * @throws UpkeepError UNKNOWN_ENVIRONMENT listing the known environments.
 */
export function explainApprovals(config: PolicyConfig, environment: string | undefined): ExplainedValue[] {
  const { value, origins } = mergedApprovals(config, environment);
  return explainMerged(value, origins);
}
