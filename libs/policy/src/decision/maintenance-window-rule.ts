import type { DecisionContext } from './decision-context.ts';
import type { DecisionTrace } from './decision-trace.ts';
import { nextWindow, openWindow, windowLabel } from '../windows/maintenance-window.ts';

export interface WindowOutcome {
  /** True when the move must wait for a window. */
  readonly outside: boolean;
  readonly notBefore: Date | null;
}

/**
 * `maintenance_windows` (only when enabled): outside every window that allows
 * upgrades, the decision is not approved now; the action still says what would
 * happen inside a window, `not_before` says when the next one opens. Force does
 * not override a window.
 */
export function checkMaintenanceWindow(ctx: DecisionContext, trace: DecisionTrace): WindowOutcome {
  if (!ctx.windows.enabled) {
    trace.check('maintenance_window', 'skipped', 'maintenance windows are disabled');
    return { outside: false, notBefore: null };
  }
  const now = ctx.now.toISOString();
  if (ctx.windows.list.length === 0) {
    const message = 'Maintenance windows are enabled but none is defined, so no time is inside a window.';
    trace.explain(message);
    trace.warn(message);
    trace.check('maintenance_window', 'failed', 'enabled, but no window is defined');
    return { outside: true, notBefore: null };
  }
  const inside = openWindow(ctx.windows.list, ctx.now, 'upgrade');
  if (inside !== undefined) {
    const label = windowLabel(inside.window);
    trace.explain(`Now (${now}) is inside the maintenance window ${label}.`);
    trace.check('maintenance_window', 'passed', `inside ${label}`);
    return { outside: false, notBefore: null };
  }
  const windows = ctx.windows.list.map(windowLabel).join(', ');
  const nextOpening = nextWindow(ctx.windows.list, ctx.now, 'upgrade')?.start ?? null;
  const next =
    nextOpening === null
      ? 'no window allows upgrades (allowed_operations)'
      : `the next window opens at ${nextOpening.toISOString()}`;
  const message = `Now (${now}) is outside the maintenance windows (${windows}): the upgrade must wait; ${next}.`;
  trace.explain(message);
  trace.warn(message);
  trace.check('maintenance_window', 'failed', `outside ${windows}; ${next}`);
  return { outside: true, notBefore: nextOpening };
}
