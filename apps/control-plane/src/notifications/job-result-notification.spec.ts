import { describe, expect, it } from 'vitest';
import { jobResultNotifications, type FinishedJob } from './job-result-notification.ts';

const job: FinishedJob = {
  id: 'j1',
  kind: 'upgrade',
  component: 'node_exporter',
  targetVersion: '1.8.2',
  hostname: 'web-1',
  outcome: 'succeeded',
  message: 'upgraded',
  details: {},
};

describe('jobResultNotifications', () => {
  it('reports an upgrade success', () => {
    expect(jobResultNotifications(job)).toEqual([
      expect.objectContaining({
        kind: 'upgrade_success',
        title: 'web-1: upgraded to node_exporter 1.8.2',
        dedupeKey: 'job:j1:upgrade_success',
        hostname: 'web-1',
        version: '1.8.2',
      }),
    ]);
  });

  it('reports a failure, and a rollback when the agent rolled back', () => {
    expect(jobResultNotifications({ ...job, outcome: 'failed' }).map((event) => event.kind)).toEqual([
      'upgrade_failure',
    ]);
    const events = jobResultNotifications({ ...job, outcome: 'failed', details: { rolled_back: true } });
    expect(events.map((event) => [event.kind, event.dedupeKey])).toEqual([
      ['upgrade_failure', 'job:j1:upgrade_failure'],
      ['rollback_executed', 'job:j1:rollback_executed'],
    ]);
    expect(jobResultNotifications({ ...job, outcome: 'refused' })[0]?.title).toBe(
      'web-1: upgrade to node_exporter 1.8.2 refused',
    );
  });

  it('reports a rollback job that succeeded, and nothing for cleanups or failed rollbacks', () => {
    expect(jobResultNotifications({ ...job, kind: 'rollback', targetVersion: null })).toEqual([
      expect.objectContaining({ kind: 'rollback_executed', title: 'web-1: node_exporter rolled back' }),
    ]);
    expect(jobResultNotifications({ ...job, kind: 'rollback', outcome: 'failed' })).toEqual([]);
    expect(jobResultNotifications({ ...job, kind: 'cleanup' })).toEqual([]);
  });
});
