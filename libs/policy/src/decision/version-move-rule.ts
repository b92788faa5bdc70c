import { classifyChange, releaseDistance } from '@upkeep/versioning';
import type { DecisionContext } from './decision-context.ts';
import type { DecisionTrace } from './decision-trace.ts';
import type { ChangeSummary, ReleasesCrossed } from './upgrade-decision.ts';

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * Step 1 of the seed's flowchart: same version, downgrade or upgrade, and the
 * semver risk of the move (patch low, minor medium, major high, 0.x minor high).
 */
export function assessVersionMove(ctx: DecisionContext, trace: DecisionTrace): ChangeSummary {
  const { component, current, target } = ctx;
  if (current === null) {
    trace.explain(`${component} is not installed on this host: this is a fresh install of ${target.text}.`);
    trace.check('version_comparison', 'passed', `fresh install of ${target.text}`);
    return {
      from: null,
      to: target.text,
      direction: 'install',
      kind: 'install',
      risk: 'low',
      reasons: ['fresh install: no running version to break'],
      releases: null,
    };
  }

  const change = classifyChange(current, target);
  let releases: ReleasesCrossed | null = null;
  if (ctx.knownVersions !== null && change.direction !== 'same') {
    const distance = releaseDistance(current, target, ctx.knownVersions);
    releases = {
      skipped: distance.releasesSkipped,
      majors_crossed: distance.majorsCrossed,
      minors_crossed: distance.minorsCrossed,
    };
  }
  const summary: ChangeSummary = {
    from: current.text,
    to: target.text,
    direction: change.direction,
    kind: change.kind,
    risk: change.risk,
    reasons: change.reasons,
    releases,
  };
  const move = `from ${current.text} to ${target.text}`;
  const why = change.reasons.filter((r) => r !== 'this is a downgrade').join('; ');

  switch (change.direction) {
    case 'same':
      trace.explain(`${component} ${target.text} is already installed: nothing to do.`);
      trace.check('version_comparison', 'passed', `already at ${target.text}`);
      return summary;
    case 'upgrade':
      trace.explain(`Upgrade of ${component} ${move}: ${why}, so the move itself is ${change.risk} risk.`);
      trace.check('version_comparison', 'passed', `upgrade ${move} (${change.kind})`);
      break;
    case 'downgrade':
      if (ctx.force) {
        trace.explain(
          `Downgrade of ${component} ${move} is allowed because force is set; the move back is ${change.risk} risk (${why}).`,
        );
        trace.warn(
          `Forced downgrade of ${component} ${move}: data or configuration written by ${current.text} may not be readable by ${target.text}.`,
        );
        trace.check('version_comparison', 'warning', `forced downgrade ${move}`);
        trace.preventAuto('a downgrade is never applied automatically');
      } else {
        trace.explain(
          `Downgrade of ${component} ${move} is refused: downgrades need force (--force) to be done on purpose.`,
        );
        trace.reject(`a downgrade ${move} needs force`);
        trace.check('version_comparison', 'failed', `downgrade ${move} without force`);
      }
      break;
  }
  if (releases !== null) {
    const crossing =
      releases.majors_crossed > 0
        ? ` and crosses ${plural(releases.majors_crossed, 'major version')}`
        : releases.minors_crossed > 0
          ? ` across ${plural(releases.minors_crossed, 'minor line')}`
          : '';
    trace.explain(
      `Among the known releases, the move skips ${plural(releases.skipped, 'release')}${crossing}.`,
    );
  }
  trace.risk = change.risk;
  return summary;
}
