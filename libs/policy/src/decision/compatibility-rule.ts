import { satisfies } from '@upkeep/versioning';
import type { DecisionContext } from './decision-context.ts';
import type { DecisionTrace } from './decision-trace.ts';
import { withinDrift } from './version-drift.ts';

/**
 * `compatible_with`: every required component must be installed at a version
 * satisfying its constraint (prereleases of an installed component count). A
 * missing or unsatisfying component rejects the move, as in the seed's
 * check_compatibility.
 */
export function checkCompatibility(ctx: DecisionContext, trace: DecisionTrace): void {
  const { component } = ctx;
  if (!ctx.checks.compatibility) {
    trace.turnedOff(
      'compatibility_check',
      'The compatibility check is off (safety.compatibility_check: false): required components are not checked.',
      ['compatibility'],
    );
    return;
  }
  if (ctx.requirements.length === 0) {
    trace.check('compatibility', 'passed', `${component} has no compatible_with requirements`);
    return;
  }
  const failures: string[] = [];
  const satisfied: string[] = [];
  for (const { component: required, constraint } of ctx.requirements) {
    const installed = ctx.installed.get(required);
    if (installed === undefined) {
      const problem = `${component} requires ${required} ${constraint.raw}, but ${required} is not installed on this host`;
      trace.explain(`Incompatible: ${problem}.`);
      failures.push(problem);
    } else if (!satisfies(installed, constraint, { includePrerelease: true })) {
      const problem = `${component} requires ${required} ${constraint.raw}, but the installed ${required} ${installed.text} does not satisfy it`;
      trace.explain(`Incompatible: ${problem}.`);
      failures.push(problem);
    } else {
      satisfied.push(`${required} ${installed.text} satisfies ${constraint.raw}`);
    }
  }
  if (failures.length === 0) {
    trace.explain(`Compatible: ${satisfied.join('; ')}.`);
    trace.check('compatibility', 'passed', satisfied.join('; '));
  } else {
    for (const failure of failures) trace.reject(failure);
    trace.check('compatibility', 'failed', failures.join('; '));
  }
}

/**
 * `sync_version_with` + `allowed_version_drift`: the target must stay within the
 * drift of the installed version of the component it follows (promtail with
 * loki). When that component is not on this host there is nothing to compare
 * with: a warning, not a rejection (compatible_with is where a hard requirement
 * belongs).
 */
export function checkVersionSync(ctx: DecisionContext, trace: DecisionTrace): void {
  const { component, target, sync } = ctx;
  if (sync === null) return;
  if (!ctx.checks.compatibility) {
    trace.check('version_sync', 'skipped', 'turned off by safety.compatibility_check');
    return;
  }
  const reference = ctx.installed.get(sync.component);
  if (reference === undefined) {
    const message = `${component} follows ${sync.component} (sync_version_with), but ${sync.component} is not installed on this host, so the drift cannot be checked.`;
    trace.explain(message);
    trace.warn(message);
    trace.check('version_sync', 'skipped', `${sync.component} is not installed`);
    return;
  }
  const { within, detail } = withinDrift(target, reference, sync.drift);
  if (within) {
    trace.explain(
      `${component} ${target.text} stays within allowed_version_drift ${sync.drift.text} of ${sync.component} ${reference.text} (${detail}).`,
    );
    trace.check(
      'version_sync',
      'passed',
      `${target.text} within ${sync.drift.text} of ${sync.component} ${reference.text}`,
    );
  } else {
    const problem = `${component} ${target.text} would drift too far from ${sync.component} ${reference.text}: ${detail}; allowed_version_drift is ${sync.drift.text}`;
    trace.explain(
      `${problem}. Upgrade ${sync.component} first, or choose a ${component} version closer to ${reference.text}.`,
    );
    trace.reject(problem);
    trace.check('version_sync', 'failed', problem);
  }
}
