import { exitCodeFor } from '@upkeep/cli-kit';
import { knownError } from '../common/known-error.service.ts';
import type { AgentContext } from '../runtime/agent-context.repository.ts';
import { dependencyOrder, dependentsOf, type ComponentDependencies } from './dependency-order.service.ts';
import { upgradeComponent, type UpgradeIo, type UpgradeReport } from './upgrade-flow.service.ts';

/** A component `--all` did not try, and why. */
export interface SkippedComponent {
  readonly component: string;
  readonly outcome: 'not_attempted' | 'blocked' | 'error';
  readonly exit_code: number;
  readonly message: string;
  readonly error: { readonly code: string; readonly message: string; readonly hint: string | null } | null;
}

export interface UpgradeAllReport {
  readonly order: readonly string[];
  readonly components: readonly (UpgradeReport | SkippedComponent)[];
  readonly summary: Readonly<Record<string, number>>;
  /** The component whose critical failure stopped the run, or null. */
  readonly stopped_at: string | null;
  readonly exit_code: number;
}

/** Errors after which the host's state is not known to be sound: nothing else is tried. */
const CRITICAL_CODES = new Set(['ROLLBACK_FAILED', 'ROLLBACK_POINT_MISSING', 'STATE_CORRUPT', 'INTERNAL']);

function isCritical(report: UpgradeReport): boolean {
  if (report.outcome !== 'failed' || report.error === null) return false;
  return CRITICAL_CODES.has(report.error.code) || (!report.error.rolled_back && report.error.step !== null);
}

/**
 * `upgrade --all`: every installed component of the config, servers before
 * their clients (`compatible_with`, `sync_version_with`). A failed upgrade that
 * was rolled back blocks the components depending on it and the run goes on; a
 * critical failure (the rollback failed, state is unsound, or a failed version
 * was left in place) stops it. Exit code: the first failure's, else 1 when
 * something was refused, else 2 when something awaits approval, else 0.
 */
export async function upgradeAll(
  ctx: AgentContext,
  options: { readonly dryRun: boolean; readonly noRollback: boolean },
  io: UpgradeIo,
): Promise<UpgradeAllReport> {
  const graph: ComponentDependencies[] = ctx.componentNames.map((name) => {
    const component = ctx.component(name);
    return {
      name,
      compatibleWith: Object.keys(component.compatible_with ?? {}),
      syncVersionWith: component.upgrade?.sync_version_with,
    };
  });
  const installed = new Set(ctx.installed.list().map((c) => c.component));
  const order = dependencyOrder(graph).filter((name) => installed.has(name));
  const components: (UpgradeReport | SkippedComponent)[] = [];
  const blocked = new Map<string, string>();
  let stoppedAt: string | null = null;
  for (const name of order) {
    if (stoppedAt !== null) {
      components.push({
        component: name,
        outcome: 'not_attempted',
        exit_code: 0,
        message: `${name}: not attempted: the run stopped at ${stoppedAt}`,
        error: null,
      });
      continue;
    }
    const blocker = blocked.get(name);
    if (blocker !== undefined) {
      components.push({
        component: name,
        outcome: 'blocked',
        exit_code: 0,
        message: `${name}: not attempted: it depends on ${blocker}, whose upgrade failed`,
        error: null,
      });
      continue;
    }
    let report: UpgradeReport;
    try {
      report = await upgradeComponent(
        ctx,
        {
          component: name,
          dryRun: options.dryRun,
          force: false,
          skipSafetyChecks: false,
          noRollback: options.noRollback,
        },
        io,
      );
    } catch (error) {
      const known = knownError(error);
      components.push({
        component: name,
        outcome: 'error',
        exit_code: exitCodeFor(known.code),
        message: `${name}: ${known.message}`,
        error: { code: known.code, message: known.message, hint: known.hint ?? null },
      });
      if (CRITICAL_CODES.has(known.code)) stoppedAt = name;
      continue;
    }
    components.push(report);
    if (isCritical(report)) stoppedAt = name;
    else if (report.outcome === 'failed')
      for (const dependent of dependentsOf(name, graph)) blocked.set(dependent, name);
  }
  const summary: Record<string, number> = {};
  for (const entry of components) summary[entry.outcome] = (summary[entry.outcome] ?? 0) + 1;
  const firstFailure = components.find((c) => c.outcome === 'failed' || c.outcome === 'error');
  const exitCode =
    firstFailure !== undefined
      ? firstFailure.exit_code
      : components.some((c) => c.exit_code === 1)
        ? 1
        : components.some((c) => c.exit_code === 2)
          ? 2
          : 0;
  return { order, components, summary, stopped_at: stoppedAt, exit_code: exitCode };
}
