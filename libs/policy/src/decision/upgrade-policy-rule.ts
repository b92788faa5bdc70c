import type { DecisionContext } from './decision-context.ts';
import type { DecisionTrace } from './decision-trace.ts';
import type { ChangeSummary, DecisionAction } from './upgrade-decision.ts';

export interface PolicyOutcome {
  readonly action: Exclude<DecisionAction, 'skip'>;
  /** Approved before the maintenance window is considered. */
  readonly approved: boolean;
}

/**
 * Step 5 of the seed's flowchart, with the auto-upgrade settings deciding what
 * "automatic" means:
 * - any rejection -> `reject` (force only ever lifted the downgrade rejection);
 * - high risk -> `manual_approval`, unless the auto-upgrade policy explicitly
 *   accepts high-risk changes for this component; a major version with
 *   `require_manual_approval_for_major` (default true) and a breaking change
 *   that hits this host always need a person;
 * - otherwise `auto_approve` when auto-upgrade is on (global switch, the
 *   component does not opt out, it is not in `exclude_components`), the risk is
 *   in `allowed_risk_levels` (the component's list, else the global one, default
 *   `[low]`) and nothing holds automation back (release age, a downgrade);
 * - otherwise `recommend`.
 * With the seed's defaults this is the flowchart: low -> auto (when enabled),
 * medium -> recommend, high -> manual. Force turns `manual_approval` into an
 * approved decision; the action stays `manual_approval` so the record shows a
 * person's approval (the force) was needed.
 */
export function decideAction(
  ctx: DecisionContext,
  summary: ChangeSummary,
  trace: DecisionTrace,
): PolicyOutcome {
  const { component, autoUpgrade: auto } = ctx;
  const risk = trace.risk;
  const policyBlocks: string[] = [];
  if (!auto.globallyEnabled) policyBlocks.push('auto-upgrade is off (safety.auto_upgrade.enabled: false)');
  if (auto.componentOptedOut) {
    policyBlocks.push(`${component} opts out of auto-upgrade (upgrade.auto_upgrade_enabled: false)`);
  }
  if (auto.excludedComponent) policyBlocks.push(`${component} is in safety.auto_upgrade.exclude_components`);
  if (!auto.allowedRiskLevels.includes(risk)) {
    policyBlocks.push(`${risk} risk is not in ${auto.allowedFrom} [${auto.allowedRiskLevels.join(', ')}]`);
  }
  const policyAllowsAuto = policyBlocks.length === 0;

  if (risk === 'high') {
    if (policyAllowsAuto) {
      trace.explain(
        `The auto-upgrade policy accepts high-risk changes for ${component} (${auto.allowedFrom}).`,
      );
    } else {
      trace.requireManual('the risk is high');
    }
  }
  if (summary.kind === 'major' && ctx.manualForMajor) {
    trace.requireManual(
      'a major version change needs manual approval (upgrade.require_manual_approval_for_major)',
    );
  }

  if (trace.rejections.length > 0) {
    trace.explain(`Rejected: ${trace.rejections.join('; ')}.`);
    if (ctx.force) {
      trace.explain(
        'Force does not override this: it only allows a downgrade and stands in for a manual approval.',
      );
    }
    return { action: 'reject', approved: false };
  }
  if (trace.manualReasons.length > 0) {
    const reasons = [...new Set(trace.manualReasons)].join('; ');
    if (ctx.force) {
      trace.explain(
        `Manual approval would be needed (${reasons}); force is set and stands in for that approval.`,
      );
      trace.warn(`Approved by force although a person's approval was needed: ${reasons}.`);
      return { action: 'manual_approval', approved: true };
    }
    trace.explain(`Manual approval needed: ${reasons}.`);
    return { action: 'manual_approval', approved: false };
  }
  const blockers = [...policyBlocks, ...trace.autoBlockers];
  if (blockers.length === 0) {
    trace.explain(
      `Auto-upgrade accepts ${risk}-risk changes for ${component} (${auto.allowedFrom}: [${auto.allowedRiskLevels.join(', ')}]), so this can run unattended.`,
    );
    return { action: 'auto_approve', approved: true };
  }
  trace.explain(
    `Recommended: safe to apply when an operator or a rollout asks for it, but not unattended because ${blockers.join('; ')}.`,
  );
  return { action: 'recommend', approved: true };
}
