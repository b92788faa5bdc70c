import type { AssignmentKind } from '@upkeep/assignment';
import type { JobOutcome } from '../jobs/job.ts';
import type { NotificationEvent } from './notification-event.ts';

export interface FinishedJob {
  readonly id: string;
  readonly kind: AssignmentKind;
  readonly component: string;
  readonly targetVersion: string | null;
  readonly hostname: string;
  readonly outcome: JobOutcome;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * What a job's result tells people: an upgrade's success or failure, and a rollback, whether asked
 * for (a rollback job) or done by the agent after a failed upgrade (`rolled_back` in the details).
 * Cleanups notify nothing.
 */
export function jobResultNotifications(job: FinishedJob): NotificationEvent[] {
  const target = job.targetVersion === null ? job.component : `${job.component} ${job.targetVersion}`;
  const common = {
    componentName: job.component,
    hostname: job.hostname,
    jobId: job.id,
    ...(job.targetVersion === null ? {} : { version: job.targetVersion }),
  };
  const events: NotificationEvent[] = [];
  if (job.kind === 'upgrade') {
    if (job.outcome === 'succeeded') {
      events.push({
        ...common,
        kind: 'upgrade_success',
        title: `${job.hostname}: upgraded to ${target}`,
        text: job.message,
        dedupeKey: `job:${job.id}:upgrade_success`,
      });
    } else {
      events.push({
        ...common,
        kind: 'upgrade_failure',
        title: `${job.hostname}: upgrade to ${target} ${job.outcome}`,
        text: job.message,
        dedupeKey: `job:${job.id}:upgrade_failure`,
        details: { outcome: job.outcome, ...job.details },
      });
      if (job.details['rolled_back'] === true) {
        events.push({
          ...common,
          kind: 'rollback_executed',
          title: `${job.hostname}: ${job.component} rolled back after a failed upgrade to ${target}`,
          text: job.message,
          dedupeKey: `job:${job.id}:rollback_executed`,
          details: { automatic: true },
        });
      }
    }
  } else if (job.kind === 'rollback' && job.outcome === 'succeeded') {
    events.push({
      ...common,
      kind: 'rollback_executed',
      title: `${job.hostname}: ${job.component} rolled back`,
      text: job.message,
      dedupeKey: `job:${job.id}:rollback_executed`,
      details: { automatic: false },
    });
  }
  return events;
}
