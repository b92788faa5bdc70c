import { formatDecision } from '@upkeep/cli-kit';
import type { UpgradeDecision } from '@upkeep/policy';
import type { UpgradeAllReport } from '../../flow/upgrade-all.service.ts';
import type { UpgradeReport } from '../../flow/upgrade-flow.service.ts';

const STATUS_MARK = { passed: 'ok  ', warning: 'warn', failed: 'FAIL', skipped: 'skip' } as const;

const OUTCOME_LABEL: Record<UpgradeReport['outcome'], string> = {
  installed: 'INSTALLED',
  upgraded: 'UPGRADED',
  up_to_date: 'UP TO DATE',
  not_retried: 'NOT RETRIED',
  held: 'HELD',
  refused: 'REFUSED',
  dry_run: 'DRY RUN',
  failed: 'FAILED',
};

function compactDecision(decision: UpgradeDecision): string[] {
  const lines = [
    `decision: ${decision.action.replace('_', ' ')} (risk ${decision.risk_level})`,
    'safety checks:',
  ];
  for (const check of decision.safety_checks)
    lines.push(`  [${STATUS_MARK[check.status]}] ${check.check}: ${check.detail}`);
  for (const change of decision.breaking_changes.filter((c) => c.affects_host !== false)) {
    lines.push(`breaking change [${change.severity}] ${change.to_version}: ${change.description}`);
    if (change.host_detail !== undefined) lines.push(`    ${change.host_detail}`);
    if (change.migration_guide !== undefined) lines.push(`    migration: ${change.migration_guide}`);
  }
  return lines;
}

/** One component's upgrade as an operator reads it. */
export function formatUpgradeReport(report: UpgradeReport): string {
  const from = report.from_version ?? '(not installed)';
  const how =
    report.target.how === 'explicit'
      ? 'asked for'
      : `strategy ${report.target.strategy ?? '?'}${report.target.how === 'fallback' ? ', fallback_version' : ''}`;
  const lines = [`${report.component}: ${from} -> ${report.to_version} (${how})`];
  for (const passed of report.target.passed_over.slice(0, 5))
    lines.push(`  passed over ${passed.version}: ${passed.reason}`);
  if (report.command_line.source !== 'none') {
    lines.push(
      `command line (${report.command_line.source === 'configured' ? 'install.args' : 'unit ExecStart'}): ${report.command_line.argv.join(' ')}`,
    );
  }
  if (report.decision !== null) {
    lines.push(
      ...(report.outcome === 'dry_run'
        ? formatDecision(report.decision).split('\n')
        : compactDecision(report.decision)),
    );
  }
  if (report.plan !== null && report.outcome === 'dry_run') {
    lines.push('', 'plan:');
    report.plan.steps.forEach((step, index) => lines.push(`  ${String(index + 1)}. ${step}`));
    lines.push(
      `expected downtime: ${String(report.plan.expected_downtime.ms)} ms (${report.plan.expected_downtime.detail})`,
    );
  }
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  const label =
    report.outcome === 'dry_run' ? `DRY RUN (would ${report.would ?? '?'})` : OUTCOME_LABEL[report.outcome];
  lines.push(`=> ${label}: ${report.message}`);
  if (report.hint !== null) lines.push(`   hint: ${report.hint}`);
  return lines.join('\n');
}

/** `upgrade --all`: each component in order, then the summary. */
export function formatUpgradeAll(report: UpgradeAllReport): string {
  const lines = [`order: ${report.order.length === 0 ? '(nothing installed)' : report.order.join(' -> ')}`];
  for (const entry of report.components) {
    lines.push('');
    if ('target' in entry) lines.push(formatUpgradeReport(entry));
    else {
      lines.push(`=> ${entry.outcome.toUpperCase().replace('_', ' ')}: ${entry.message}`);
      if (entry.error?.hint !== undefined && entry.error.hint !== null)
        lines.push(`   hint: ${entry.error.hint}`);
    }
  }
  lines.push(
    '',
    `summary: ${
      Object.entries(report.summary)
        .map(([outcome, count]) => `${String(count)} ${outcome}`)
        .join(', ') || 'nothing to do'
    }${report.stopped_at === null ? '' : `; stopped at ${report.stopped_at}`}`,
  );
  return lines.join('\n');
}
