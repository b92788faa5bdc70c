import { evaluateAdvisory } from '../advisories/index.ts';
import { checkAdvisories } from './advisory-rule.ts';
import { detectBreakingChanges } from './breaking-change-rule.ts';
import { checkCompatibility, checkVersionSync } from './compatibility-rule.ts';
import { readDecisionContext, type DecisionContext } from './decision-context.ts';
import { decisionExitCode } from './decision-exit-code.ts';
import type { DecisionInput } from './decision-input.ts';
import { DecisionTrace } from './decision-trace.ts';
import { checkExcludedVersions } from './excluded-version-rule.ts';
import { checkMaintenanceWindow } from './maintenance-window-rule.ts';
import { checkReleaseAge } from './release-age-rule.ts';
import { planRollback } from './rollback-plan.ts';
import { decideAction } from './upgrade-policy-rule.ts';
import type {
  ChangeSummary,
  DecisionAction,
  DecisionAdvisory,
  DetectedBreakingChange,
  UpgradeDecision,
} from './upgrade-decision.ts';
import { assessVersionMove } from './version-move-rule.ts';

const ACTION_WORDS: Record<DecisionAction, string> = {
  skip: 'skip, nothing to install',
  reject: 'rejected',
  auto_approve: 'approved to run unattended',
  recommend: 'recommended, to apply when asked',
  manual_approval: 'manual approval required',
};

function closingSentence(
  action: DecisionAction,
  approved: boolean,
  forced: boolean,
  outside: boolean,
): string {
  let words = ACTION_WORDS[action];
  if (action === 'manual_approval' && approved) words = 'approved by force in place of a manual approval';
  if (outside && action !== 'reject' && action !== 'skip')
    words += ', but not now: outside the maintenance window';
  const code = decisionExitCode({ action, approved });
  return `Decision: ${words}${forced && action === 'reject' ? ' (force does not apply)' : ''} (exit code ${code}).`;
}

function upgradeNotes(
  breaking: readonly DetectedBreakingChange[],
  advisories: readonly DecisionAdvisory[],
  fixes: readonly string[],
): string {
  const lines: string[] = [];
  for (const change of breaking) {
    if (change.affects_host === true && change.host_detail !== undefined) {
      lines.push(`${change.version}: ${change.host_detail}`);
    }
    if (change.affects_host !== false && change.migration_guide !== undefined) {
      lines.push(`${change.version}: ${change.migration_guide}`);
    }
  }
  if (fixes.length > 0) lines.push(`fixes ${fixes.join(', ')}`);
  for (const advisory of advisories) {
    if (advisory.affects !== 'current' && advisory.fixed_in !== undefined) {
      lines.push(`${advisory.id} is fixed in ${advisory.fixed_in}`);
    }
  }
  return [...new Set(lines)].join('\n');
}

function skipDecision(ctx: DecisionContext, trace: DecisionTrace, change: ChangeSummary): UpgradeDecision {
  const { component, current, target } = ctx;
  if (ctx.force) trace.explain('Force does not reinstall the version that is already installed.');
  if (ctx.checks.advisories && ctx.advisories !== null && current !== null) {
    for (const record of ctx.advisories) {
      const evaluation = evaluateAdvisory(record, current, { package: ctx.advisoryPackages });
      if (!evaluation.affected) continue;
      const fix =
        evaluation.fixedIn === null ? 'no fixed version is known' : `fixed in ${evaluation.fixedIn}`;
      const message = `The installed ${component} ${current.text} is affected by ${record.id} (${record.summary ?? 'no summary given'}); ${fix}.`;
      trace.explain(message);
      trace.warn(message);
    }
  }
  checkExcludedVersions(ctx, trace);
  trace.explain(closingSentence('skip', false, ctx.force, false));
  return {
    component,
    current_version: current?.text ?? null,
    target_version: target.text,
    approved: false,
    action: 'skip',
    risk_level: 'low',
    requires_manual: false,
    forced: ctx.force,
    safety_checks_passed: trace.checks.every((c) => c.passed),
    safety_checks: trace.checks,
    warnings: trace.warnings,
    breaking_changes: [],
    advisories: [],
    security_fix: false,
    not_before: null,
    rollback_plan: planRollback(ctx, change, 'skip', []),
    change,
    upgrade_notes: '',
    explanation: trace.explanation,
  };
}

/**
 * Decides whether `input.currentVersion` -> `input.targetVersion` may happen,
 * following the seed's flowchart in order: version comparison, excluded
 * versions, breaking changes (listed, release notes, major bump, against the
 * service's command line), compatibility and version sync, security advisories
 * (OSV), release age, risk assessment under the auto-upgrade policy, force and
 * the maintenance window. Every rule that fires adds a sentence to
 * `explanation`, in that order. Pure: no I/O, no clock.
 *
 * Defaults: safety checks on, auto-upgrade off with `[low]`, major versions
 * need manual approval, no minimum release age, maintenance windows off,
 * windows in UTC. See {@link decisionExitCode} for the exit code.
 * @throws UpkeepError INPUT_INVALID, INVALID_VERSION or INVALID_CONSTRAINT for bad input.
 */
export function decideUpgrade(input: DecisionInput): UpgradeDecision {
  const ctx = readDecisionContext(input);
  const trace = new DecisionTrace();
  const change = assessVersionMove(ctx, trace);
  if (change.direction === 'same') return skipDecision(ctx, trace, change);

  checkExcludedVersions(ctx, trace);
  const breaking = detectBreakingChanges(ctx, change, trace);
  checkCompatibility(ctx, trace);
  checkVersionSync(ctx, trace);
  const security = checkAdvisories(ctx, trace);
  checkReleaseAge(ctx, security.fixes, trace);
  const policy = decideAction(ctx, change, trace);
  const window = checkMaintenanceWindow(ctx, trace);
  const approved = policy.approved && !window.outside;
  trace.explain(closingSentence(policy.action, approved, ctx.force, window.outside));

  return {
    component: ctx.component,
    current_version: ctx.current?.text ?? null,
    target_version: ctx.target.text,
    approved,
    action: policy.action,
    risk_level: trace.risk,
    requires_manual: policy.action === 'manual_approval',
    forced: ctx.force,
    safety_checks_passed: trace.checks.every((c) => c.passed),
    safety_checks: trace.checks,
    warnings: trace.warnings,
    breaking_changes: breaking,
    advisories: security.advisories,
    security_fix: security.fixes.length > 0,
    not_before: window.notBefore?.toISOString() ?? null,
    rollback_plan: planRollback(ctx, change, policy.action, breaking),
    change,
    upgrade_notes: upgradeNotes(breaking, security.advisories, security.fixes),
    explanation: trace.explanation,
  };
}
