import type { UpgradeDecision } from '@upkeep/policy';

const ACTION_LABEL: Record<UpgradeDecision['action'], string> = {
  skip: 'SKIP',
  reject: 'REJECT',
  auto_approve: 'AUTO-APPROVE',
  recommend: 'RECOMMEND',
  manual_approval: 'MANUAL APPROVAL',
};

const STATUS_MARK = { passed: 'ok  ', warning: 'warn', failed: 'FAIL', skipped: 'skip' } as const;

/** The decision as an operator reads it on a terminal; `--json` prints the object itself. */
export function formatDecision(decision: UpgradeDecision): string {
  const from = decision.current_version ?? '(not installed)';
  const lines = [
    `${decision.component} ${from} -> ${decision.target_version}: ${ACTION_LABEL[decision.action]} (risk ${decision.risk_level})`,
    `  approved: ${decision.approved ? 'yes' : 'no'}   requires manual review: ${decision.requires_manual ? 'yes' : 'no'}${decision.forced ? '   forced' : ''}`,
  ];
  if (decision.not_before !== null) lines.push(`  not before: ${decision.not_before}`);
  lines.push('', 'safety checks:');
  for (const check of decision.safety_checks)
    lines.push(`  [${STATUS_MARK[check.status]}] ${check.check}: ${check.detail}`);
  if (decision.breaking_changes.length > 0) {
    lines.push('', 'breaking changes:');
    for (const change of decision.breaking_changes) {
      lines.push(
        `  - [${change.severity}] ${change.to_version} ${change.change_type}: ${change.description}`,
      );
      if (change.host_detail !== undefined) lines.push(`      ${change.host_detail}`);
      if (change.migration_guide !== undefined) lines.push(`      migration: ${change.migration_guide}`);
    }
  }
  if (decision.advisories.length > 0) {
    lines.push('', 'advisories:');
    for (const advisory of decision.advisories) {
      const fixed = advisory.fixed_in === undefined ? '' : `, fixed in ${advisory.fixed_in}`;
      lines.push(`  - ${advisory.id} (affects ${advisory.affects}${fixed}): ${advisory.summary}`);
    }
  }
  if (decision.warnings.length > 0) {
    lines.push('', 'warnings:');
    for (const warning of decision.warnings) lines.push(`  - ${warning}`);
  }
  lines.push('', 'why:');
  decision.explanation.forEach((sentence, index) => lines.push(`  ${index + 1}. ${sentence}`));
  const plan = decision.rollback_plan;
  lines.push(
    '',
    `rollback plan: ${plan.available ? `back to ${plan.to_version ?? '?'}` : 'none'}${plan.automatic_on_failure ? ', automatic on failure' : ''}`,
  );
  for (const step of plan.steps) lines.push(`  - ${step}`);
  return lines.join('\n');
}
