import { compareVersions } from '@upkeep/versioning';
import type { DecisionContext } from './decision-context.ts';
import type { DecisionTrace } from './decision-trace.ts';

function reasonOf(entry: { reason: string; issue_url?: string | undefined }): string {
  return entry.issue_url === undefined || entry.issue_url === ''
    ? entry.reason
    : `${entry.reason} (see ${entry.issue_url})`;
}

/** `excluded_versions`: a target on the list is rejected; an installed one on it is worth a warning. */
export function checkExcludedVersions(ctx: DecisionContext, trace: DecisionTrace): void {
  const { component, current, target } = ctx;
  const hit = ctx.excluded.find((e) => compareVersions(e.version, target) === 0);
  if (hit !== undefined) {
    const reason = reasonOf(hit.entry);
    trace.explain(
      `${component} ${target.text} is listed in excluded_versions: ${reason}. It must not be installed.`,
    );
    trace.reject(`${target.text} is excluded: ${reason}`);
    trace.check('excluded_versions', 'failed', `${target.text} is excluded: ${reason}`);
  } else {
    trace.check(
      'excluded_versions',
      'passed',
      ctx.excluded.length === 0 ? 'no excluded versions configured' : `${target.text} is not excluded`,
    );
  }
  const installedHit =
    current === null ? undefined : ctx.excluded.find((e) => compareVersions(e.version, current) === 0);
  if (installedHit !== undefined && current !== null) {
    trace.warn(
      `The installed ${component} ${current.text} is itself excluded: ${reasonOf(installedHit.entry)}.`,
    );
  }
}
