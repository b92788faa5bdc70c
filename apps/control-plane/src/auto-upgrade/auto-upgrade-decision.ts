import type { RiskLevel } from '@upkeep/versioning';
import { autoUpgradeAllowed, effectiveGlobal, type DecisionAction, type PolicyConfig } from '@upkeep/policy';
import type { HostDecision, RolloutPlan } from '../rollouts/rollout.ts';

/** A host's decision in a rollout plan, as the planner words it. */
export type PlannedHostDecision = HostDecision;

/** What auto-upgrade reads of a rollout plan. */
export interface AutoUpgradePlan {
  readonly component: string;
  readonly environment: string;
  readonly targetVersion: string;
  readonly requiredApprovals: number;
  readonly hosts: readonly {
    readonly hostname: string;
    readonly decision: PlannedHostDecision;
    readonly riskLevel: string | null;
  }[];
  /** The engine's whole plan, stored as is when the rollout is created. */
  readonly frozen?: RolloutPlan;
}

export type AutoUpgradeOutcome =
  | { readonly create: true; readonly reason: string; readonly hosts: number }
  | { readonly create: false; readonly reason: string };

const ACTIONS: Readonly<Record<PlannedHostDecision, DecisionAction>> = {
  skip: 'skip',
  reject: 'reject',
  auto: 'auto_approve',
  recommend: 'recommend',
  manual: 'manual_approval',
};

function riskOf(text: string | null): RiskLevel {
  return text === 'low' || text === 'medium' ? text : 'high';
}

/** The environments where auto-upgrade is on (`safety.auto_upgrade.enabled`, global < environment). */
export function autoUpgradeEnvironments(config: PolicyConfig): string[] {
  return Object.keys(config.environments).filter(
    (environment) => effectiveGlobal(config, environment).safety.auto_upgrade.enabled,
  );
}

/**
 * Whether a planned rollout may be created by itself: the policy allows the move automatically
 * in the environment for every host that needs it (`autoUpgradeAllowed`: enabled, not excluded,
 * risk allowed, decided `auto`), no approval is required, and at least one host needs it. A host
 * whose decision is anything but `auto` or `skip` keeps the whole rollout for an operator.
 */
export function autoUpgradeOutcome(config: PolicyConfig, plan: AutoUpgradePlan): AutoUpgradeOutcome {
  const moving = plan.hosts.filter((host) => host.decision !== 'skip');
  if (moving.length === 0) {
    return {
      create: false,
      reason: `every host of ${plan.environment} already runs ${plan.component} ${plan.targetVersion} or does not run it`,
    };
  }
  for (const host of moving) {
    const verdict = autoUpgradeAllowed(config, plan.environment, {
      component: plan.component,
      action: ACTIONS[host.decision],
      risk_level: riskOf(host.riskLevel),
      requires_manual: host.decision === 'manual',
      breaking_changes: [],
      // The planner's approval count (below) already judged the bump.
      change: { kind: 'patch' },
    });
    if (!verdict.allowed) return { create: false, reason: `${host.hostname}: ${verdict.reason}` };
  }
  if (plan.requiredApprovals > 0) {
    return { create: false, reason: `the rollout needs ${String(plan.requiredApprovals)} approval(s)` };
  }
  return {
    create: true,
    hosts: moving.length,
    reason: `policy allows ${plan.component} ${plan.targetVersion} automatically in ${plan.environment} on ${String(moving.length)} host(s)`,
  };
}
