import { Inject, Injectable } from '@nestjs/common';
import { PRISMA } from '../common/tokens.ts';
import type { PrismaClient } from '../database/prisma-client.ts';
import { QueueRepository, type QueueJobState } from '../outbox/queue.repository.ts';
import { QUEUE_NAMES, type QueueName } from '../outbox/queue-registry.ts';

/**
 * Per-host series (component info, last seen) are capped: a scrape must stay bounded
 * whatever the fleet grows to. 100k rows is 20x the benchmarked 5,000 hosts x 3 components.
 */
export const MAX_HOST_SERIES = 100_000;

export interface ComponentFigures {
  readonly component: string;
  readonly hosts: number;
  readonly rollbackPoints: number;
}

export interface InstalledVersion {
  readonly host: string;
  readonly component: string;
  readonly version: string;
}

/** The fleet as Postgres (and BullMQ) says it is at scrape time: what every replica reports alike. */
export interface FleetFigures {
  readonly components: readonly ComponentFigures[];
  readonly installed: readonly InstalledVersion[];
  readonly hostsByStatus: readonly { readonly status: string; readonly hosts: number }[];
  readonly lastSeen: readonly { readonly host: string; readonly seconds: number }[];
  readonly breakingChanges: readonly { readonly component: string; readonly count: number }[];
  readonly advisories: readonly {
    readonly component: string;
    readonly severity: string;
    readonly count: number;
  }[];
  readonly openJobs: readonly { readonly kind: string; readonly state: string; readonly count: number }[];
  readonly outbox: { readonly backlog: number; readonly oldestAgeSeconds: number };
  readonly rollouts: readonly {
    readonly component: string;
    readonly state: string;
    readonly count: number;
  }[];
  /** Hosts of rollouts still under way (not completed, aborted or failed), by their state in the rollout. */
  readonly rolloutHosts: readonly { readonly state: string; readonly count: number }[];
}

export type QueueFigures = readonly {
  readonly queue: QueueName;
  readonly counts: Readonly<Record<QueueJobState, number>>;
}[];

/** What a job result is about, for labelling its metrics. */
export interface JobLabels {
  readonly kind: 'upgrade' | 'rollback' | 'cleanup';
  readonly component: string;
}

/** Bounded reads for the metrics endpoint: each is a GROUP BY on an index or capped by MAX_HOST_SERIES. */
@Injectable()
export class MetricsRepository {
  private readonly prisma: PrismaClient;
  private readonly queues: QueueRepository;

  constructor(@Inject(PRISMA) prisma: PrismaClient, @Inject(QueueRepository) queues: QueueRepository) {
    this.prisma = prisma;
    this.queues = queues;
  }

  async fleetFigures(): Promise<FleetFigures> {
    const [
      components,
      installed,
      hostsByStatus,
      lastSeen,
      breaking,
      advisories,
      openJobs,
      outbox,
      rollouts,
      rolloutHosts,
    ] = await Promise.all([
      this.prisma.$queryRaw<{ component: string; hosts: number; points: number }[]>`
          SELECT i.component_name AS component, count(*)::int AS hosts,
                 coalesce(sum(i.rollback_points), 0)::int AS points
          FROM host_inventory i JOIN hosts h ON h.id = i.host_id
          WHERE h.status = 'active'
          GROUP BY i.component_name`,
      this.prisma.$queryRaw<InstalledVersion[]>`
          SELECT h.hostname AS host, i.component_name AS component, i.version
          FROM host_inventory i JOIN hosts h ON h.id = i.host_id
          WHERE h.status = 'active'
          LIMIT ${MAX_HOST_SERIES}`,
      this.prisma.$queryRaw<{ status: string; hosts: number }[]>`
          SELECT status::text AS status, count(*)::int AS hosts FROM hosts GROUP BY status`,
      this.prisma.$queryRaw<{ host: string; seconds: number }[]>`
          SELECT hostname AS host, extract(epoch FROM last_seen_at)::float8 AS seconds
          FROM hosts
          WHERE status = 'active' AND last_seen_at IS NOT NULL
          LIMIT ${MAX_HOST_SERIES}`,
      this.prisma.$queryRaw<{ component: string; count: number }[]>`
          SELECT c.name AS component, count(*)::int AS count
          FROM breaking_changes b JOIN components c ON c.id = b.component_id
          GROUP BY c.name`,
      this.prisma.$queryRaw<{ component: string; severity: string; count: number }[]>`
          SELECT c.name AS component, lower(a.severity) AS severity, count(*)::int AS count
          FROM advisories a JOIN components c ON c.id = a.component_id
          GROUP BY c.name, lower(a.severity)`,
      // Only unfinished jobs: finished ones grow without bound and are counted by the counters.
      this.prisma.$queryRaw<{ kind: string; state: string; count: number }[]>`
          SELECT kind::text AS kind, state::text AS state, count(*)::int AS count
          FROM jobs WHERE state IN ('pending', 'delivered', 'running')
          GROUP BY kind, state`,
      this.prisma.$queryRaw<{ backlog: number; oldest: number | null }[]>`
          SELECT count(*)::int AS backlog,
                 extract(epoch FROM (now() - min(created_at)))::float8 AS oldest
          FROM outbox WHERE published_at IS NULL`,
      // Rollouts are few (one per change of a component in an environment); grouped, never listed.
      this.prisma.$queryRaw<{ component: string; state: string; count: number }[]>`
          SELECT component_name AS component, state::text AS state, count(*)::int AS count
          FROM rollouts GROUP BY component_name, state`,
      this.prisma.$queryRaw<{ state: string; count: number }[]>`
          SELECT rh.state::text AS state, count(*)::int AS count
          FROM rollout_hosts rh JOIN rollouts r ON r.id = rh.rollout_id
          WHERE r.state IN ('draft', 'awaiting_approval', 'scheduled', 'running', 'paused')
          GROUP BY rh.state`,
    ]);
    const [pending] = outbox;
    return {
      components: components.map((row) => ({
        component: row.component,
        hosts: row.hosts,
        rollbackPoints: row.points,
      })),
      installed,
      hostsByStatus,
      lastSeen,
      breakingChanges: breaking,
      advisories,
      openJobs,
      outbox: { backlog: pending?.backlog ?? 0, oldestAgeSeconds: Math.max(0, pending?.oldest ?? 0) },
      rollouts,
      rolloutHosts,
    };
  }

  async queueFigures(): Promise<QueueFigures> {
    return Promise.all(
      QUEUE_NAMES.map(async (queue) => ({ queue, counts: await this.queues.jobCounts(queue) })),
    );
  }

  /** Kind and component of a job, or null when it does not exist (any more). */
  async jobLabels(jobId: string): Promise<JobLabels | null> {
    const row = await this.prisma.job.findUnique({
      where: { id: jobId },
      select: { kind: true, componentName: true },
    });
    return row === null ? null : { kind: row.kind, component: row.componentName };
  }
}
