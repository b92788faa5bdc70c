import type { Command } from 'commander';
import { exitCodeFor, printResult } from '@upkeep/cli-kit';
import type { UpgradeDecision } from '@upkeep/policy';
import { checkFleet, type CheckFleetOptions } from './fleet/check-fleet.command.ts';
import type { CliContext, DiscoveryOptions } from '../cli-context.ts';
import { checkAll, type CheckOutcome, type FailedComponent } from '../check.service.ts';
import { withDiscoverySession } from '../discovery-session.ts';
import { lockPathFor } from '../discovery.service.ts';
import { staleText } from '../freshness-text.ts';
import { readLockFileIfPresent } from '../policy-file.repository.ts';
import { progressReporter } from '../progress-reporter.ts';
import { terminalSafe } from '../terminal-text.ts';
import { withDiscoveryOptions } from './discovery-options.ts';
import { parseInstalled, parseNow } from './host-options.ts';
import { collect } from './policy-options.ts';

interface CheckOptions extends DiscoveryOptions, CheckFleetOptions {
  readonly fleet?: boolean;
  readonly installed?: string[];
  readonly lock?: string;
  readonly now?: string;
}

const ACTION: Record<UpgradeDecision['action'], string> = {
  skip: 'up to date',
  reject: 'REJECT',
  auto_approve: 'AUTO-APPROVE',
  recommend: 'RECOMMEND',
  manual_approval: 'MANUAL APPROVAL',
};

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function formatCheck(outcomes: readonly CheckOutcome[], environment: string | undefined): string {
  const rows: string[][] = [['COMPONENT', 'CURRENT', 'STRATEGY', 'TARGET', 'NEWEST', 'DECISION']];
  const notes: string[] = [];
  for (const o of outcomes) {
    if (!o.ok) {
      rows.push([o.component, '-', '-', '-', '-', `ERROR ${o.error.code}`]);
      notes.push(
        `${o.component}: error: ${o.error.message}${o.error.hint === undefined ? '' : `\n  hint: ${o.error.hint}`}`,
      );
      continue;
    }
    const d = o.decision;
    const decision =
      d.action === 'skip'
        ? ACTION.skip
        : `${ACTION[d.action]} (risk ${d.risk_level}${d.security_fix ? ', security fix' : ''})`;
    rows.push([
      o.component,
      o.current_version ?? 'none',
      o.pin === null ? o.strategy : `${o.strategy} ${o.pin}`,
      o.target.version + (o.target.source === 'fallback' ? ' (fallback)' : ''),
      o.newest === null ? '?' : o.newest.version,
      decision,
    ]);
    const stale = o.freshness === null ? undefined : staleText(o.freshness);
    if (stale !== undefined) notes.push(`${o.component}: ${stale}`);
    if (d.not_before !== null) notes.push(`${o.component}: not before ${d.not_before}`);
    for (const a of d.advisories)
      notes.push(
        `${o.component}: advisory ${a.id} affects the ${a.affects} version: ${terminalSafe(a.summary)}`,
      );
    for (const w of o.warnings) notes.push(`${o.component}: warning: ${terminalSafe(w)}`);
  }
  const head = `# check${environment === undefined ? '' : ` (environment ${environment})`}: current is from --installed, else the lock file`;
  return [head, ...table(rows), ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}

/** `upkeep check`: every component of the config, current vs what its strategy resolves to, with the decision. */
export function registerCheck(program: Command, ctx: CliContext): void {
  withDiscoveryOptions(program.command('check'), ctx)
    .description(
      'check every component: current version and strategy against the resolved and newest release, with the upgrade decision',
    )
    .option(
      '--installed <name=version>',
      'version installed on this host (repeatable; "none" when absent)',
      collect,
      [],
    )
    .option(
      '--lock <file>',
      'versions.lock: current versions when not --installed, and the locked strategy (default: beside the config)',
    )
    .option('--now <iso-time>', 'decide as of this time (maintenance windows, release age)')
    .option('--fleet', 'check every host the control plane knows instead (after `upkeep login`)')
    .option('--component <name>', 'with --fleet: only this component')
    .option('--label <key=value>', 'with --fleet: only hosts with this label (repeatable)', collect, [])
    .option('--group <group>', 'with --fleet: only hosts in this group')
    .action(async (options: CheckOptions) => {
      if (options.fleet === true) {
        await checkFleet(ctx, options);
        return;
      }
      const installed = parseInstalled(options.installed ?? []);
      const now = parseNow(options.now, ctx.env.now);
      const lockPath = lockPathFor(options.config, options.lock);
      const lock = await readLockFileIfPresent(lockPath);
      const result = await withDiscoverySession(ctx, options, async (session) => {
        const names = Object.keys(session.config.components);
        const progress = progressReporter(ctx.out, {
          enabled: ctx.env.host.stderrIsTty,
          total: names.length,
          verb: 'checking',
        });
        try {
          return await checkAll(session, names, { installed, lock, lockPath, now }, progress);
        } finally {
          progress.done();
        }
      });
      const view = {
        environment: options.env ?? null,
        checked_at: now.toISOString(),
        components: result.map((o) =>
          o.ok ? o : { component: o.component, ok: false, error: o.error.toJSON() },
        ),
      };
      printResult(ctx.out, options.json === true, view, () => formatCheck(result, options.env));
      const failed = result.find((o): o is FailedComponent => !o.ok);
      if (failed !== undefined) ctx.setExitCode(exitCodeFor(failed.error.code));
    });
}
