import {
  evaluateAdvisory,
  osvSeverityLabel,
  type OsvEvaluation,
  type OsvRecord,
} from '../advisories/index.ts';
import type { DecisionContext } from './decision-context.ts';
import type { DecisionTrace } from './decision-trace.ts';
import type { DecisionAdvisory } from './upgrade-decision.ts';

export interface AdvisoryOutcome {
  readonly advisories: readonly DecisionAdvisory[];
  /** Ids of advisories that affect the installed version and not the target. */
  readonly fixes: readonly string[];
}

function summaryOf(record: OsvRecord): string {
  const text = record.summary ?? record.details?.split('\n')[0] ?? '';
  return text.trim() === '' ? 'no summary given' : text.trim();
}

function urlOf(record: OsvRecord): string | undefined {
  const refs = record.references ?? [];
  return (refs.find((r) => r.type === 'ADVISORY') ?? refs.find((r) => r.type === 'WEB'))?.url;
}

function describe(record: OsvRecord): string {
  return `${record.id} (${summaryOf(record)})`;
}

function intervals(evaluation: OsvEvaluation): string {
  return [...new Set(evaluation.matches.map((m) => m.interval))].join(', ');
}

/**
 * The seed's security advisory check, on OSV records: a target affected by an
 * advisory is rejected (force does not override it); an advisory affecting the
 * installed version but not the target makes the move a security fix.
 * Withdrawn records are ignored; ranges that cannot be evaluated are warned about.
 */
export function checkAdvisories(ctx: DecisionContext, trace: DecisionTrace): AdvisoryOutcome {
  const { component, current, target } = ctx;
  const none: AdvisoryOutcome = { advisories: [], fixes: [] };
  if (!ctx.checks.advisories) {
    trace.turnedOff(
      'security_advisory_check',
      'The security advisory check is off (safety.security_advisory_check: false): known vulnerabilities are not checked.',
      ['security_advisories'],
    );
    return none;
  }
  if (ctx.advisories === null) {
    const message = `No security advisory source was consulted for ${component}: known vulnerabilities of ${target.text} are not checked.`;
    trace.explain(message);
    trace.warn(message);
    trace.check('security_advisories', 'skipped', 'no advisory data given');
    return none;
  }

  const options = { package: ctx.advisoryPackages };
  const advisories: DecisionAdvisory[] = [];
  const fixes: string[] = [];
  const affectingTarget: string[] = [];
  let undetermined = 0;
  for (const record of ctx.advisories) {
    if (record.withdrawn !== undefined) {
      trace.explain(`Advisory ${record.id} was withdrawn on ${record.withdrawn}; it is ignored.`);
      continue;
    }
    const onTarget = evaluateAdvisory(record, target, options);
    const onCurrent = current === null ? null : evaluateAdvisory(record, current, options);
    const unknown = [...new Set([...onTarget.undetermined, ...(onCurrent?.undetermined ?? [])])];
    if (unknown.length > 0) {
      undetermined += 1;
      trace.warn(`Advisory ${record.id} could not be fully evaluated: ${unknown.join('; ')}.`);
    }
    const hitsCurrent = onCurrent?.affected ?? false;
    if (!onTarget.affected && !hitsCurrent) continue;

    const fixedIn = onTarget.affected ? onTarget.fixedIn : (onCurrent?.fixedIn ?? null);
    const severity = osvSeverityLabel(record);
    const url = urlOf(record);
    advisories.push({
      id: record.id,
      aliases: record.aliases ?? [],
      summary: summaryOf(record),
      affects: onTarget.affected && hitsCurrent ? 'both' : onTarget.affected ? 'target' : 'current',
      ...(severity === undefined ? {} : { severity }),
      ...(fixedIn === null ? {} : { fixed_in: fixedIn }),
      ...(url === undefined ? {} : { url }),
    });

    if (onTarget.affected) {
      affectingTarget.push(record.id);
      const remedy =
        onTarget.fixedIn === null
          ? 'no fixed version is known'
          : `it is fixed in ${onTarget.fixedIn}: choose ${onTarget.fixedIn} or later`;
      trace.explain(
        `Security: ${component} ${target.text} is affected by ${describe(record)}, affected range ${intervals(onTarget)}; ${remedy}.`,
      );
      trace.reject(`${target.text} is affected by ${record.id}`);
      trace.raiseRisk('high', `the target has a known vulnerability (${record.id})`);
    } else if (current !== null) {
      fixes.push(record.id);
      trace.explain(
        `Security fix: ${component} ${current.text} is affected by ${describe(record)} and ${target.text} is not, so this move is recommended to fix it.`,
      );
    }
  }

  const evaluated = ctx.advisories.length;
  if (affectingTarget.length > 0) {
    trace.check(
      'security_advisories',
      'failed',
      `${target.text} is affected by ${affectingTarget.join(', ')}`,
    );
  } else if (fixes.length > 0) {
    trace.check('security_advisories', 'passed', `${target.text} fixes ${fixes.join(', ')}`);
  } else if (undetermined > 0) {
    trace.check(
      'security_advisories',
      'warning',
      `${undetermined} of ${evaluated} advisories could not be fully evaluated; none found affecting ${target.text}`,
    );
  } else {
    trace.check(
      'security_advisories',
      'passed',
      evaluated === 0
        ? `no advisories known for ${component}`
        : `none of ${evaluated} advisories affects ${target.text}`,
    );
  }
  if (evaluated > 0 && advisories.length === 0 && undetermined === 0) {
    trace.explain(`None of the ${evaluated} known advisories for ${component} affects ${target.text}.`);
  }
  return { advisories, fixes };
}
