import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { FleetFigures, JobLabels, QueueFigures } from './metrics.repository.ts';
import { UpkeepMetrics, type MetricsSource } from './upkeep-metrics.ts';

const FIGURES: FleetFigures = {
  components: [{ component: 'node_exporter', hosts: 2, rollbackPoints: 3 }],
  installed: [
    { host: 'web-1', component: 'node_exporter', version: '1.7.0' },
    { host: 'web-2', component: 'node_exporter', version: '1.8.2' },
  ],
  hostsByStatus: [{ status: 'active', hosts: 2 }],
  lastSeen: [{ host: 'web-1', seconds: 1_700_000_000 }],
  breakingChanges: [],
  advisories: [],
  openJobs: [],
  outbox: { backlog: 4, oldestAgeSeconds: 12 },
  rollouts: [],
  rolloutHosts: [],
};

/** Counts the reads; each answers after `release()` so scrapes can overlap. */
function countingSource(jobs: Record<string, JobLabels> = {}) {
  const calls = { fleet: 0, queues: 0 };
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const source: MetricsSource = {
    fleetFigures: async () => {
      calls.fleet += 1;
      await gate;
      return FIGURES;
    },
    queueFigures: (): Promise<QueueFigures> => {
      calls.queues += 1;
      return Promise.resolve([
        { queue: 'assignments', counts: { waiting: 1, active: 0, delayed: 0, failed: 2 } },
      ]);
    },
    jobLabels: (jobId) => Promise.resolve(jobs[jobId] ?? null),
  };
  return {
    source,
    calls,
    release: () => {
      release();
    },
  };
}

const quiet = pino({ level: 'silent' });

describe('UpkeepMetrics', () => {
  it('reads the fleet once per scrape for every gauge, and concurrent scrapes share one read', async () => {
    const { source, calls, release } = countingSource();
    const metrics = new UpkeepMetrics(source, quiet);
    const first = metrics.scrape();
    const second = metrics.scrape();
    release();
    const [a, b] = await Promise.all([first, second]);
    expect(a).toBe(b);
    expect(calls).toEqual({ fleet: 1, queues: 1 });
    expect(a).toContain('upkeep_component_info{host="web-2",component="node_exporter",version="1.8.2"} 1');
    expect(a).toContain('upkeep_rollback_points{component="node_exporter"} 3');
    expect(a).toContain('upkeep_outbox_backlog 4');
    expect(a).toContain('upkeep_queue_jobs{queue="assignments",state="failed"} 2');
    await metrics.scrape();
    expect(calls).toEqual({ fleet: 2, queues: 2 });
  });

  it('keeps serving counters when Postgres cannot be read, and counts the failure', async () => {
    const metrics = new UpkeepMetrics(
      {
        fleetFigures: () => Promise.reject(new Error('connection refused')),
        queueFigures: () => Promise.resolve([]),
        jobLabels: () => Promise.resolve(null),
      },
      quiet,
    );
    metrics.safetyChecksFailed(['breaking_changes']);
    const text = await metrics.scrape();
    expect(text).toContain('upkeep_safety_check_failures_total{check_type="breaking_changes"} 1');
    expect(text).toContain('upkeep_metrics_collect_errors_total{part="postgres"} 1');
    expect(text).not.toContain('upkeep_component_info{');
  });

  it('turns job results into attempts, durations, downtime and bounded rollback reasons', async () => {
    const { source, release } = countingSource({
      up: { kind: 'upgrade', component: 'loki' },
      down: { kind: 'upgrade', component: 'loki' },
      back: { kind: 'rollback', component: 'loki' },
    });
    release();
    const metrics = new UpkeepMetrics(source, quiet);
    await metrics.recordJobResult('up', 'succeeded', { duration_ms: 2000, downtime_ms: 300 });
    await metrics.recordJobResult('down', 'failed', {
      duration_ms: 1000,
      rolled_back: true,
      rollback_reason: '<x>',
    });
    await metrics.recordJobResult('back', 'succeeded', {});
    await metrics.recordJobResult('gone', 'succeeded', {});
    const text = await metrics.scrape();
    expect(text).toContain('upkeep_upgrade_attempts_total{component="loki",result="success"} 1');
    expect(text).toContain('upkeep_upgrade_attempts_total{component="loki",result="failure"} 1');
    expect(text).toContain('upkeep_upgrade_duration_seconds_sum{component="loki",result="success"} 2');
    expect(text).toContain('upkeep_upgrade_downtime_seconds_sum{component="loki"} 0.3');
    // An unknown reason is reported as `other`, never as a new label value.
    expect(text).toContain('upkeep_rollbacks_total{component="loki",reason="other"} 1');
    expect(text).toContain('upkeep_rollbacks_total{component="loki",reason="manual"} 1');
    expect(text).toContain('upkeep_job_results_total{kind="rollback",result="success"} 1');
  });
});
