import type { DecisionAction } from '../decision/upgrade-decision.ts';
import type { PolicyConfig } from '../config/policy-config.schema.ts';
import { effectiveComponent, effectiveGlobal } from '../overlay/effective-config.ts';
import { approvalRequirement, type ApprovalDecisionInput } from './approval-requirement.ts';

/** What `autoUpgradeAllowed` reads of an upgrade decision. */
export interface AutoUpgradeDecisionInput extends ApprovalDecisionInput {
  readonly component: string;
  readonly action: DecisionAction;
}

export type AutoUpgradeVerdict =
  { readonly allowed: true; readonly reason: string } | { readonly allowed: false; readonly reason: string };

/**
 * Whether `decision` may become a rollout by itself in `environment`: `auto_upgrade.enabled`
 * (global < environment), the component not in `exclude_components` nor opted out
 * (`upgrade.auto_upgrade_enabled: false`), the decision neither rejected, skipped nor held for
 * manual review, its risk in `allowed_risk_levels` (the component's list replaces the global one),
 * and the approval policy asking for no approval.
 * @throws UpkeepError UNKNOWN_ENVIRONMENT / UNKNOWN_COMPONENT listing the known names.
 */
export function autoUpgradeAllowed(
  config: PolicyConfig,
  environment: string | undefined,
  decision: AutoUpgradeDecisionInput,
): AutoUpgradeVerdict {
  const where = environment === undefined ? '' : ` in ${environment}`;
  const settings = effectiveGlobal(config, environment).safety.auto_upgrade;
  const component = effectiveComponent(config, environment, decision.component);
  if (!settings.enabled) return { allowed: false, reason: `auto_upgrade.enabled is false${where}` };
  if (settings.exclude_components.includes(decision.component)) {
    return { allowed: false, reason: `${decision.component} is in auto_upgrade.exclude_components${where}` };
  }
  if (component.upgrade?.auto_upgrade_enabled === false) {
    return {
      allowed: false,
      reason: `${decision.component} sets upgrade.auto_upgrade_enabled: false${where}`,
    };
  }
  if (decision.action === 'reject' || decision.action === 'skip' || decision.action === 'manual_approval') {
    return { allowed: false, reason: `the decision is ${decision.action}` };
  }
  if (decision.requires_manual) return { allowed: false, reason: 'the decision requires manual review' };
  const levels = component.upgrade?.allowed_risk_levels ?? settings.allowed_risk_levels;
  if (!levels.includes(decision.risk_level)) {
    return {
      allowed: false,
      reason: `risk ${decision.risk_level} is not in allowed_risk_levels [${levels.join(', ')}]${where}`,
    };
  }
  const approvals = approvalRequirement(config, environment, decision);
  if (approvals.required > 0) {
    return {
      allowed: false,
      reason: `the approval policy asks for ${approvals.required} approval(s)${where} (${approvals.reasons.join('; ')})`,
    };
  }
  return {
    allowed: true,
    reason: `auto-upgrade is enabled${where} and risk ${decision.risk_level} is allowed (${levels.join(', ')})`,
  };
}
