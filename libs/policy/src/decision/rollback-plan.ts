import type { DecisionContext } from './decision-context.ts';
import type {
  ChangeSummary,
  DecisionAction,
  DetectedBreakingChange,
  RollbackPlan,
} from './upgrade-decision.ts';

const TRIGGERS = [
  'the service does not start',
  'the health check fails',
  'the metrics endpoint does not answer',
  'the installed binary reports a different version than the target',
] as const;

/**
 * How the move is undone if it fails after the service is stopped, in the
 * order of the seed's rollback mechanism: rollback point first, then restore
 * binary and configuration, restart, record.
 */
export function planRollback(
  ctx: DecisionContext,
  summary: ChangeSummary,
  action: DecisionAction,
  breakingChanges: readonly DetectedBreakingChange[],
): RollbackPlan {
  const { component, current, target } = ctx;
  if (action === 'skip' || action === 'reject') {
    return {
      available: false,
      to_version: current?.text ?? null,
      create_rollback_point: false,
      automatic_on_failure: false,
      triggers: [],
      steps: [],
      notes: [`no change will be made to ${component}, so there is nothing to roll back`],
    };
  }
  const notes: string[] = [];
  if (!ctx.autoRollback) {
    notes.push('auto_rollback_on_failure is off: an operator must run these steps after a failure');
  }
  if (current === null) {
    return {
      available: false,
      to_version: null,
      create_rollback_point: false,
      automatic_on_failure: ctx.autoRollback,
      triggers: [...TRIGGERS],
      steps: [
        `stop ${component}`,
        `remove the ${target.text} binary and the service definition that were installed`,
        'record the failed installation and alert',
      ],
      notes: [...notes, 'a fresh install has no earlier version: rolling back removes it'],
    };
  }
  const migrated = breakingChanges.filter((c) => c.affects_host !== false && c.migration_guide !== undefined);
  const flagged = breakingChanges.filter((c) => c.affects_host === true && c.flag !== undefined);
  const steps = [
    `before stopping ${component}, create a rollback point: the ${current.text} binary, its configuration and the service definition`,
    `on failure, stop ${component}`,
    `put the ${current.text} binary back in place by rename, never by writing over the running file`,
    flagged.length > 0
      ? `restore the saved configuration and service command line (undoing the change made for ${flagged.map((c) => c.flag).join(', ')})`
      : 'restore the saved configuration',
    `start ${component} and check that it is healthy and reports ${current.text}`,
    'record the failed upgrade and alert',
  ];
  if (summary.kind === 'major') {
    notes.push(
      `going back across a major version (${target.major}.x to ${current.major}.x) only works if ${current.text} can read data written by ${target.text}; check before relying on it`,
    );
  }
  if (migrated.length > 0) {
    notes.push(`undo the migration steps applied for: ${migrated.map((c) => c.description).join('; ')}`);
  }
  return {
    available: true,
    to_version: current.text,
    create_rollback_point: true,
    automatic_on_failure: ctx.autoRollback,
    triggers: [...TRIGGERS],
    steps,
    notes,
  };
}
