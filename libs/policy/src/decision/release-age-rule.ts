import type { DecisionContext } from './decision-context.ts';
import type { DecisionTrace } from './decision-trace.ts';

/** `3 days 4 hours`, `45 minutes`: the two largest units, for people. */
export function formatDuration(seconds: number): string {
  const units: [string, number][] = [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
    ['second', 1],
  ];
  let rest = Math.max(0, Math.floor(seconds));
  const parts: string[] = [];
  for (const [name, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count} ${name}${count === 1 ? '' : 's'}`);
    if (parts.length === 2) break;
  }
  return parts.length === 0 ? '0 seconds' : parts.join(' ');
}

/**
 * `minimum_release_age`: a release younger than it (or of unknown age) is not
 * taken unattended; it can still be recommended. When the move fixes an
 * advisory affecting the installed version, the wait is waived.
 */
export function checkReleaseAge(ctx: DecisionContext, fixes: readonly string[], trace: DecisionTrace): void {
  const { target, minimumReleaseAge } = ctx;
  if (minimumReleaseAge === 0) {
    trace.check('release_age', 'skipped', 'no minimum_release_age set');
    return;
  }
  const minimum = formatDuration(minimumReleaseAge);
  if (ctx.publishedAt === null) {
    const message = `The publication date of ${target.text} is unknown, so its age cannot be checked against minimum_release_age (${minimum}).`;
    if (fixes.length > 0) {
      trace.explain(`${message} It fixes ${fixes.join(', ')}, so the wait does not apply.`);
      trace.check('release_age', 'warning', `age unknown; waived for security fix ${fixes.join(', ')}`);
      return;
    }
    trace.explain(`${message} It will not be applied automatically.`);
    trace.preventAuto(`the age of ${target.text} is unknown`);
    trace.check('release_age', 'warning', `publication date unknown; minimum_release_age is ${minimum}`);
    return;
  }
  const ageSeconds = (ctx.now.getTime() - ctx.publishedAt.getTime()) / 1000;
  // A publication date after `now` (clock skew, a scheduled release) counts as age 0.
  const age =
    ageSeconds <= 0
      ? `just published (${ctx.publishedAt.toISOString()})`
      : `${formatDuration(ageSeconds)} old`;
  if (ageSeconds >= minimumReleaseAge) {
    trace.check('release_age', 'passed', `${target.text} is ${age} (minimum ${minimum})`);
    return;
  }
  if (fixes.length > 0) {
    trace.explain(
      `${target.text} is ${age}, younger than minimum_release_age (${minimum}), but it fixes ${fixes.join(', ')}, which affects the installed version: the wait is waived.`,
    );
    trace.check(
      'release_age',
      'warning',
      `${age}; minimum ${minimum} waived for security fix ${fixes.join(', ')}`,
    );
    return;
  }
  trace.explain(
    `${target.text} is ${age}, younger than minimum_release_age (${minimum}): it will not be applied automatically before ${new Date(ctx.publishedAt.getTime() + minimumReleaseAge * 1000).toISOString()}.`,
  );
  trace.preventAuto(`${target.text} is younger than minimum_release_age (${minimum})`);
  trace.check('release_age', 'warning', `${target.text} is ${age}; minimum ${minimum}`);
}
