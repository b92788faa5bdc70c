import { Inject, Injectable } from '@nestjs/common';
import { PRISMA } from '../common/tokens.ts';
import { Prisma, type PrismaClient } from '../database/prisma-client.ts';
import type { UpgradeApprover, UpgradeHistoryQuery, UpgradeInterval } from './upgrade-history.ts';

/** Audit actions that say which version a host runs from then on. */
const INSTALL_ACTIONS = ['job.succeeded', 'job.rolled_back', 'host.inventory_changed'];

interface IntervalRow {
  host_id: string;
  hostname: string | null;
  version: string;
  started_at: Date;
  ended_at: Date | null;
  via: string;
  job_id: string | null;
  job_kind: string | null;
  job_created_by: string | null;
  rollout_id: string | null;
}

interface ApprovalRow {
  rollout_id: string;
  actor_type: string;
  actor_id: string;
  actor_name: string | null;
  occurred_at: Date;
  details: Record<string, unknown>;
}

/**
 * Builds the fleet's upgrade history from the audit trail (hosts still in the hosts table): per host, the runs of
 * consecutive install events with the same version are the intervals during which
 * that version was installed; the next run (another version, or removal) ends one.
 */
@Injectable()
export class UpgradeHistoryRepository {
  private readonly prisma: PrismaClient;

  constructor(@Inject(PRISMA) prisma: PrismaClient) {
    this.prisma = prisma;
  }

  /** Intervals overlapping [since, until), oldest first, at most `limit + 1` (the caller trims). */
  async intervals(query: UpgradeHistoryQuery): Promise<UpgradeInterval[]> {
    const hostFilter =
      query.hostIds === undefined ? Prisma.empty : Prisma.sql`AND h.id = ANY(${[...query.hostIds]}::uuid[])`;
    const groupFilter =
      query.group === undefined ? Prisma.empty : Prisma.sql`AND h.groups @> ARRAY[${query.group}]::text[]`;
    const since = query.since ?? null;
    const until = query.until ?? null;
    const component = query.component;
    const conditions: Prisma.Sql[] = [Prisma.sql`b.version IS NOT NULL`];
    if (query.version !== undefined) conditions.push(Prisma.sql`b.version = ${query.version}`);
    if (until !== null) conditions.push(Prisma.sql`b.started_at < ${until}`);
    if (since !== null) conditions.push(Prisma.sql`(b.ended_at IS NULL OR b.ended_at > ${since})`);
    // An install event of this component on host `alias.host_id`.
    const install = (alias: string): Prisma.Sql => Prisma.sql`
      ${Prisma.raw(alias)}.component_name = ${component}
      AND ${Prisma.raw(alias)}.action = ANY(${INSTALL_ACTIONS}::text[])
      AND (${Prisma.raw(alias)}.version IS NOT NULL OR ${Prisma.raw(alias)}.action = 'host.inventory_changed')`;
    // Only the events that can matter are read, per host through the (host_id, component_name,
    // occurred_at, id) index: from the last change of version before `since` (where the interval
    // in force at `since` began) up to `until`; an interval still open at `until` is closed by the
    // first later event with another version.
    const rows = await this.prisma.$queryRaw<IntervalRow[]>`
      WITH bounds AS (
        SELECT h.id AS host_id, h.hostname, COALESCE(changed.occurred_at, '-infinity'::timestamptz) AS lower_at
        FROM hosts h
        LEFT JOIN LATERAL (
          SELECT e.version FROM audit_events e
          WHERE e.host_id = h.id AND ${install('e')} AND e.occurred_at < ${since}::timestamptz
          ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1
        ) current ON true
        LEFT JOIN LATERAL (
          SELECT e.occurred_at FROM audit_events e
          WHERE current.version IS NOT NULL AND e.host_id = h.id AND ${install('e')}
            AND e.occurred_at < ${since}::timestamptz AND e.version IS DISTINCT FROM current.version
          ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1
        ) changed ON true
        WHERE true ${hostFilter} ${groupFilter}
      ),
      events AS (
        SELECT e.host_id, e.occurred_at, e.id, e.version, e.action, e.target_id,
               CASE WHEN LAG(e.version) OVER w IS NOT DISTINCT FROM e.version AND LAG(e.id) OVER w IS NOT NULL
                    THEN 0 ELSE 1 END AS starts_run
        FROM bounds b
        JOIN audit_events e ON e.host_id = b.host_id AND ${install('e')}
          AND e.occurred_at >= b.lower_at AND e.occurred_at < COALESCE(${until}::timestamptz, 'infinity')
        WINDOW w AS (PARTITION BY e.host_id ORDER BY e.occurred_at, e.id)
      ),
      numbered AS (
        SELECT *, SUM(starts_run) OVER (PARTITION BY host_id ORDER BY occurred_at, id) AS run FROM events
      ),
      runs AS (
        SELECT host_id, run, MIN(version) AS version, MIN(occurred_at) AS started_at, MAX(occurred_at) AS last_at,
               (ARRAY_AGG(action ORDER BY occurred_at, id))[1] AS via,
               -- The installing job: the run's first event when that is a job's, else a success
               -- reported after the inventory; a rollback inside the run installed nothing new.
               COALESCE(
                 (ARRAY_AGG(target_id ORDER BY occurred_at, id) FILTER (WHERE starts_run = 1 AND action LIKE 'job.%'))[1],
                 (ARRAY_AGG(target_id ORDER BY occurred_at, id) FILTER (WHERE action = 'job.succeeded'))[1]
               ) AS job_id
        FROM numbered GROUP BY host_id, run
      ),
      windowed AS (
        SELECT *, LEAD(started_at) OVER (PARTITION BY host_id ORDER BY run) AS next_at FROM runs
      ),
      bounded AS (
        SELECT w.*, COALESCE(w.next_at, later.occurred_at) AS ended_at
        FROM windowed w
        LEFT JOIN LATERAL (
          SELECT e.occurred_at FROM audit_events e
          WHERE w.next_at IS NULL AND ${until}::timestamptz IS NOT NULL AND e.host_id = w.host_id AND ${install('e')}
            AND e.occurred_at >= ${until}::timestamptz AND e.version IS DISTINCT FROM w.version
          ORDER BY e.occurred_at, e.id LIMIT 1
        ) later ON true
      )
      SELECT b.host_id::text AS host_id, bd.hostname, b.version, b.started_at, b.ended_at, b.via,
             b.job_id, j.kind::text AS job_kind, j.created_by AS job_created_by, j.rollout_id::text AS rollout_id
      FROM bounded b
      JOIN bounds bd ON bd.host_id = b.host_id
      LEFT JOIN jobs j ON j.id = b.job_id::uuid
      WHERE ${Prisma.join(conditions, ' AND ')}
      ORDER BY b.started_at, b.host_id
      LIMIT ${query.limit + 1}`;
    const approvals = await this.approvals([
      ...new Set(rows.flatMap((row) => (row.rollout_id === null ? [] : [row.rollout_id]))),
    ]);
    return rows.map((row): UpgradeInterval => ({
      hostId: row.host_id,
      hostname: row.hostname,
      component: query.component,
      version: row.version,
      installedAt: row.started_at.toISOString(),
      replacedAt: row.ended_at?.toISOString() ?? null,
      via: row.via,
      jobId: row.job_id,
      jobKind: row.job_kind,
      jobCreatedBy: row.job_created_by,
      rolloutId: row.rollout_id,
      approvers: row.rollout_id === null ? [] : (approvals.get(row.rollout_id) ?? []),
    }));
  }

  /** `rollout.approved` events of these rollouts, by rollout, oldest first. */
  private async approvals(rolloutIds: readonly string[]): Promise<Map<string, UpgradeApprover[]>> {
    const byRollout = new Map<string, UpgradeApprover[]>();
    if (rolloutIds.length === 0) return byRollout;
    const rows = await this.prisma.$queryRaw<ApprovalRow[]>`
      SELECT a.target_id AS rollout_id, a.actor_type::text AS actor_type, a.actor_id, t.name AS actor_name,
             a.occurred_at, a.details
      FROM audit_events a
      LEFT JOIN api_tokens t ON a.actor_type = 'api_token' AND t.id::text = a.actor_id
      WHERE a.target_type = 'rollout' AND a.target_id = ANY(${[...rolloutIds]}::text[])
        AND a.action = 'rollout.approved'
      ORDER BY a.occurred_at, a.id`;
    for (const row of rows) {
      const comment = row.details['comment'];
      const wave = row.details['wave'];
      const list = byRollout.get(row.rollout_id) ?? [];
      list.push({
        actorType: row.actor_type,
        actorId: row.actor_id,
        actorName: row.actor_name,
        at: row.occurred_at.toISOString(),
        comment: typeof comment === 'string' ? comment : null,
        wave: typeof wave === 'number' ? wave : null,
      });
      byRollout.set(row.rollout_id, list);
    }
    return byRollout;
  }
}
