import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { CacheTier, SourceObserver, UpstreamResult } from '@upkeep/sources';
import { LOGGER } from '../common/tokens.ts';
import { QUEUE_JOB_STATES } from '../outbox/queue.repository.ts';
import {
  MetricsRepository,
  type FleetFigures,
  type JobLabels,
  type QueueFigures,
} from './metrics.repository.ts';

/** What the metrics read at scrape time (MetricsRepository; a test double in unit tests). */
export interface MetricsSource {
  fleetFigures(): Promise<FleetFigures>;
  queueFigures(): Promise<QueueFigures>;
  jobLabels(jobId: string): Promise<JobLabels | null>;
}

/** Every family this control plane exports starts with this (the dashboard test relies on it). */
export const METRIC_PREFIX = 'upkeep_';

export type JobResultOutcome = 'succeeded' | 'failed' | 'refused';

const RESULT_LABEL: Readonly<Record<JobResultOutcome, string>> = {
  succeeded: 'success',
  failed: 'failure',
  refused: 'refused',
};

/** The rollback reasons the agent reports (fleet-job.service.ts rollbackReasonOf) plus `manual`. */
const ROLLBACK_REASONS = new Set(['health_check', 'start_failed', 'install_failed', 'other', 'manual']);

const numberOf = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;

/**
 * The control plane's Prometheus registry (its own, not prom-client's global one, so
 * tests and several apps in one process never share series). Counters and histograms
 * count what this replica saw; gauges are read from Postgres and BullMQ at scrape time,
 * so every replica reports the same fleet truth and no replica needs to be "the" one.
 */
@Injectable()
export class UpkeepMetrics implements SourceObserver {
  readonly registry = new Registry();
  private readonly repository: MetricsSource;
  private readonly logger: Logger;
  /** Fleet figures of the scrape in progress, shared by every gauge's collect. */
  private fleet: Promise<FleetFigures | null> | undefined;
  private queues: Promise<QueueFigures | null> | undefined;
  /** The scrape in progress: concurrent scrapers share it rather than each querying the fleet. */
  private inFlight: Promise<string> | undefined;

  private readonly resolutionDuration: Histogram<'component'>;
  private readonly cacheHits: Counter<'tier'>;
  private readonly cacheMisses: Counter<'tier'>;
  private readonly upstreamRequests: Counter<'source' | 'result'>;
  private readonly rateLimitRemaining: Gauge<'upstream'>;
  private readonly rateLimitLimit: Gauge<'upstream'>;
  private readonly upgradeAttempts: Counter<'component' | 'result'>;
  private readonly upgradeDuration: Histogram<'component' | 'result'>;
  private readonly upgradeDowntime: Histogram<'component'>;
  private readonly rollbacks: Counter<'component' | 'reason'>;
  private readonly safetyCheckFailures: Counter<'check_type'>;
  private readonly jobResults: Counter<'kind' | 'result'>;
  private readonly collectErrors: Counter<'part'>;

  constructor(@Inject(MetricsRepository) repository: MetricsSource, @Inject(LOGGER) logger: Logger) {
    this.repository = repository;
    this.logger = logger;
    const registers = [this.registry];
    this.resolutionDuration = new Histogram({
      name: 'upkeep_version_resolution_duration_seconds',
      help: 'Time to resolve the target version of a component (policy strategy over the stored releases)',
      labelNames: ['component'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers,
    });
    this.cacheHits = new Counter({
      name: 'upkeep_cache_hits_total',
      help: 'Release cache lookups answered by a tier (memory: this process, store: Postgres)',
      labelNames: ['tier'],
      registers,
    });
    this.cacheMisses = new Counter({
      name: 'upkeep_cache_misses_total',
      help: 'Release cache lookups a tier could not answer (the next tier or upstream was asked)',
      labelNames: ['tier'],
      registers,
    });
    this.upstreamRequests = new Counter({
      name: 'upkeep_upstream_requests_total',
      help: 'Loads from upstream release sources by source kind and result (success, not_modified, failure, rate_limited)',
      labelNames: ['source', 'result'],
      registers,
    });
    this.rateLimitRemaining = new Gauge({
      name: 'upkeep_upstream_rate_limit_remaining',
      help: 'Requests left in the current rate-limit window, as the upstream last said to this replica',
      labelNames: ['upstream'],
      registers,
    });
    this.rateLimitLimit = new Gauge({
      name: 'upkeep_upstream_rate_limit_limit',
      help: 'Size of the rate-limit window, as the upstream last said to this replica',
      labelNames: ['upstream'],
      registers,
    });
    this.upgradeAttempts = new Counter({
      name: 'upkeep_upgrade_attempts_total',
      help: 'Upgrade job results received by this replica, by component and result (success, failure, refused)',
      labelNames: ['component', 'result'],
      registers,
    });
    this.upgradeDuration = new Histogram({
      name: 'upkeep_upgrade_duration_seconds',
      help: 'Duration of an upgrade job on the host, as the agent measured it',
      labelNames: ['component', 'result'],
      buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers,
    });
    this.upgradeDowntime = new Histogram({
      name: 'upkeep_upgrade_downtime_seconds',
      help: 'Time the service was stopped during a successful upgrade, as the agent measured it',
      labelNames: ['component'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    });
    this.rollbacks = new Counter({
      name: 'upkeep_rollbacks_total',
      help: 'Rollbacks executed by agents: automatic after a failed step (health_check, start_failed, install_failed, other) or manual',
      labelNames: ['component', 'reason'],
      registers,
    });
    this.safetyCheckFailures = new Counter({
      name: 'upkeep_safety_check_failures_total',
      help: 'Upgrade decisions with a failed safety check, by check type',
      labelNames: ['check_type'],
      registers,
    });
    this.jobResults = new Counter({
      name: 'upkeep_job_results_total',
      help: 'Job results received by this replica, by job kind and result',
      labelNames: ['kind', 'result'],
      registers,
    });
    this.collectErrors = new Counter({
      name: 'upkeep_metrics_collect_errors_total',
      help: 'Scrapes where a part of the fleet figures could not be read (postgres, queues)',
      labelNames: ['part'],
      registers,
    });
    this.registerFleetGauges();
  }

  /** The metric family names this registry exports (what the dashboard and the alert rules may use). */
  metricNames(): string[] {
    return this.registry.getMetricsAsArray().map((metric) => metric.name);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * The exposition text. The fleet figures are read once per scrape and shared by every
   * gauge; a scrape that arrives while one runs gets that one's text.
   */
  scrape(): Promise<string> {
    this.inFlight ??= this.collectOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async collectOnce(): Promise<string> {
    this.fleet = this.loadFleet();
    this.queues = this.loadQueues();
    try {
      // Read before serialising, so a failed read is already in this scrape's error counter.
      await Promise.all([this.fleet, this.queues]);
      return await this.registry.metrics();
    } finally {
      this.fleet = undefined;
      this.queues = undefined;
    }
  }

  // SourceObserver: discovery (libs/sources) reports through these.
  cacheLookup(tier: CacheTier, hit: boolean): void {
    (hit ? this.cacheHits : this.cacheMisses).inc({ tier: tier === 'store' ? 'postgres' : tier });
  }

  upstreamRequest(source: string, result: UpstreamResult): void {
    this.upstreamRequests.inc({ source, result });
  }

  rateLimit(upstream: string, remaining: number, limit: number | null): void {
    this.rateLimitRemaining.set({ upstream }, remaining);
    if (limit !== null) this.rateLimitLimit.set({ upstream }, limit);
  }

  observeResolution(component: string, seconds: number): void {
    this.resolutionDuration.observe({ component }, seconds);
  }

  safetyChecksFailed(checkTypes: readonly string[]): void {
    for (const checkType of checkTypes) this.safetyCheckFailures.inc({ check_type: checkType });
  }

  /**
   * Counts a job result the first time this control plane stores it (never a duplicate):
   * upgrade attempts, the durations the agent reported, and rollbacks with their reason.
   */
  async recordJobResult(
    jobId: string,
    outcome: JobResultOutcome,
    details: Readonly<Record<string, unknown>>,
  ): Promise<void> {
    let labels;
    try {
      labels = await this.repository.jobLabels(jobId);
    } catch (error) {
      // The result is stored already; a missed count must not fail the agent's report.
      this.collectErrors.inc({ part: 'job_result' });
      this.logger.warn({ err: error, jobId }, 'metrics: the job of a result could not be read');
      return;
    }
    if (labels === null) return;
    const result = RESULT_LABEL[outcome];
    const { component } = labels;
    this.jobResults.inc({ kind: labels.kind, result });
    switch (labels.kind) {
      case 'upgrade': {
        this.upgradeAttempts.inc({ component, result });
        const duration = numberOf(details['duration_ms']);
        if (duration !== null) this.upgradeDuration.observe({ component, result }, duration / 1000);
        const downtime = numberOf(details['downtime_ms']);
        if (outcome === 'succeeded' && downtime !== null) {
          this.upgradeDowntime.observe({ component }, downtime / 1000);
        }
        if (details['rolled_back'] === true) {
          const reported = details['rollback_reason'];
          const reason = typeof reported === 'string' && ROLLBACK_REASONS.has(reported) ? reported : 'other';
          this.rollbacks.inc({ component, reason });
        }
        break;
      }
      case 'rollback':
        if (outcome === 'succeeded') this.rollbacks.inc({ component, reason: 'manual' });
        break;
      case 'cleanup':
        break;
    }
  }

  private loadFleet(): Promise<FleetFigures | null> {
    return this.repository.fleetFigures().catch((error: unknown) => {
      this.collectErrors.inc({ part: 'postgres' });
      this.logger.warn({ err: error }, 'metrics: fleet figures could not be read from Postgres');
      return null;
    });
  }

  private loadQueues(): Promise<QueueFigures | null> {
    return this.repository.queueFigures().catch((error: unknown) => {
      this.collectErrors.inc({ part: 'queues' });
      this.logger.warn({ err: error }, 'metrics: queue figures could not be read from Redis');
      return null;
    });
  }

  /**
   * A gauge another service computes at scrape time (drift needs the policy resolution of
   * the fleet check). `read` must be bounded; when it fails the gauge is left empty and
   * upkeep_metrics_collect_errors_total{part=name} counts it.
   */
  addFleetGauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => Promise<readonly { labels: Record<L, string>; value: number }[]>,
  ): void {
    const gauge: Gauge<L> = new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect: async () => {
        let rows: readonly { labels: Record<L, string>; value: number }[] = [];
        try {
          rows = await read();
        } catch (error) {
          this.collectErrors.inc({ part: name });
          this.logger.warn({ err: error }, `metrics: ${name} could not be computed`);
        }
        gauge.reset();
        for (const row of rows) gauge.set(row.labels as Partial<Record<L, string>>, row.value);
      },
    });
  }

  /** A gauge filled at scrape time from the shared fleet figures; series that vanished go with reset(). */
  private fleetGauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    fill: (gauge: Gauge<L>, figures: FleetFigures) => void,
  ): void {
    const gauge: Gauge<L> = new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect: async () => {
        const figures = await (this.fleet ?? this.loadFleet());
        gauge.reset();
        if (figures !== null) fill(gauge, figures);
      },
    });
  }

  private registerFleetGauges(): void {
    this.fleetGauge(
      'upkeep_installed_components',
      'Active hosts with the component installed (agent inventory)',
      ['component'],
      (gauge, figures) => {
        for (const row of figures.components) gauge.set({ component: row.component }, row.hosts);
      },
    );
    this.fleetGauge(
      'upkeep_rollback_points',
      'Rollback points agents keep, summed over active hosts, by component',
      ['component'],
      (gauge, figures) => {
        for (const row of figures.components) gauge.set({ component: row.component }, row.rollbackPoints);
      },
    );
    this.fleetGauge(
      'upkeep_component_info',
      'Always 1: the version of a component installed on a host',
      ['host', 'component', 'version'],
      (gauge, figures) => {
        for (const row of figures.installed) gauge.set(row, 1);
      },
    );
    this.fleetGauge('upkeep_hosts', 'Enrolled hosts by status', ['status'], (gauge, figures) => {
      for (const row of figures.hostsByStatus) gauge.set({ status: row.status }, row.hosts);
    });
    this.fleetGauge(
      'upkeep_host_last_seen_timestamp_seconds',
      'When an active host last talked to the control plane (heartbeat, inventory), Unix seconds',
      ['host'],
      (gauge, figures) => {
        for (const row of figures.lastSeen) gauge.set({ host: row.host }, row.seconds);
      },
    );
    this.fleetGauge(
      'upkeep_breaking_changes_detected',
      'Breaking changes known for a component (catalog)',
      ['component'],
      (gauge, figures) => {
        for (const row of figures.breakingChanges) gauge.set({ component: row.component }, row.count);
      },
    );
    this.fleetGauge(
      'upkeep_security_advisories_found',
      'Security advisories known for a component (OSV), by severity',
      ['component', 'severity'],
      (gauge, figures) => {
        for (const row of figures.advisories) {
          gauge.set({ component: row.component, severity: row.severity }, row.count);
        }
      },
    );
    this.fleetGauge(
      'upkeep_jobs_open',
      'Jobs not finished yet, by kind and state (pending, delivered, running)',
      ['kind', 'state'],
      (gauge, figures) => {
        for (const row of figures.openJobs) gauge.set({ kind: row.kind, state: row.state }, row.count);
      },
    );
    this.fleetGauge(
      'upkeep_outbox_backlog',
      'Outbox messages not yet published to BullMQ',
      [],
      (gauge, figures) => {
        gauge.set(figures.outbox.backlog);
      },
    );
    this.fleetGauge(
      'upkeep_outbox_oldest_age_seconds',
      'Age of the oldest outbox message not yet published (0 when none)',
      [],
      (gauge, figures) => {
        gauge.set(figures.outbox.oldestAgeSeconds);
      },
    );
    this.fleetGauge(
      'upkeep_rollouts',
      'Rollouts by component and state (draft, awaiting_approval, scheduled, running, paused, completed, aborted, failed)',
      ['component', 'state'],
      (gauge, figures) => {
        for (const row of figures.rollouts)
          gauge.set({ component: row.component, state: row.state }, row.count);
      },
    );
    this.fleetGauge(
      'upkeep_rollout_hosts',
      'Hosts of rollouts still under way, by their state in the rollout (pending, dispatched, failed, rolled_back...)',
      ['state'],
      (gauge, figures) => {
        for (const row of figures.rolloutHosts) gauge.set({ state: row.state }, row.count);
      },
    );
    const queueJobs: Gauge<'queue' | 'state'> = new Gauge<'queue' | 'state'>({
      name: 'upkeep_queue_jobs',
      help: 'BullMQ jobs per queue and state (waiting, active, delayed, failed)',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      collect: async () => {
        const figures = await (this.queues ?? this.loadQueues());
        queueJobs.reset();
        for (const row of figures ?? []) {
          for (const state of QUEUE_JOB_STATES) queueJobs.set({ queue: row.queue, state }, row.counts[state]);
        }
      },
    });
  }
}
