import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PRISMA } from '../common/tokens.ts';
import { Prisma, type PrismaClient, type Transaction } from '../database/prisma-client.ts';
import {
  SYSTEM_ACTOR,
  type ActorType,
  type AuditEvent,
  type AuditEventInput,
  type AuditQuery,
  type Page,
} from './audit-event.ts';
import { decodeKeysetCursor, encodeKeysetCursor } from '../rest/keyset-cursor.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Writes audit events inside the caller's transaction and pages through them newest first. */
@Injectable()
export class AuditRepository {
  private readonly prisma: PrismaClient;

  constructor(@Inject(PRISMA) prisma: PrismaClient) {
    this.prisma = prisma;
  }

  /**
   * Must run in the same transaction as the change it describes. A subject field left out
   * (undefined, not null) is taken from the target when that is a job or a rollout, so every
   * job and rollout event can be found by component, host and version; the host's groups are
   * read in the same transaction, so the event keeps the groups the host had when it happened.
   */
  async record(tx: Transaction, event: AuditEventInput, at: Date): Promise<void> {
    const subject = event.subject ?? {};
    const groups = subject.hostGroups === undefined ? null : [...subject.hostGroups];
    const details = JSON.stringify(event.details ?? {});
    const lookup =
      (event.targetType === 'job' || event.targetType === 'rollout') && UUID.test(event.targetId)
        ? event.targetId
        : null;
    const given = (value: unknown): boolean => value !== undefined;
    await tx.$executeRaw`
      WITH target AS (
        SELECT j.component_name AS job_component, j.host_id AS job_host, j.target_version AS job_version,
               r.component_name AS rollout_component, r.target_version AS rollout_version
        FROM (SELECT 1) one
        LEFT JOIN jobs j ON ${event.targetType} = 'job' AND j.id = ${lookup}::uuid
        LEFT JOIN rollouts r ON ${event.targetType} = 'rollout' AND r.id = ${lookup}::uuid
      ),
      subject AS (
        SELECT
          CASE WHEN ${given(subject.component)} THEN ${subject.component ?? null}
               ELSE COALESCE(job_component, rollout_component) END AS component_name,
          CASE WHEN ${given(subject.hostId)} THEN ${subject.hostId ?? null}::uuid ELSE job_host END AS host_id,
          CASE WHEN ${given(subject.version)} THEN ${subject.version ?? null}
               ELSE COALESCE(job_version, rollout_version) END AS version
        FROM target
      )
      INSERT INTO audit_events (id, occurred_at, actor_type, actor_id, action, target_type, target_id, details,
                                request_id, component_name, host_id, host_groups, version, outcome)
      SELECT ${randomUUID()}::uuid, ${at}, ${event.actor.type}::actor_type, ${event.actor.id}, ${event.action},
             ${event.targetType}, ${event.targetId}, ${details}::jsonb, ${event.actor.requestId ?? null},
             s.component_name, s.host_id,
             COALESCE(${groups}::text[], (SELECT groups FROM hosts WHERE id = s.host_id), ARRAY[]::text[]),
             s.version, ${subject.outcome ?? null}
      FROM subject s`;
  }

  /**
   * Records `policy.changed` when `sha256` differs from the last recorded policy;
   * returns the previous hash when it recorded, undefined when nothing changed.
   * An advisory lock makes replicas starting together record it once.
   */
  async recordPolicyChange(
    policy: { path: string; sha256: string },
    at: Date,
  ): Promise<{ previous: string | null } | undefined> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('upkeep.audit.policy_changed'))`;
      const last = await tx.$queryRaw<{ sha256: string | null }[]>`
        SELECT details->>'sha256' AS sha256 FROM audit_events WHERE action = 'policy.changed'
        ORDER BY occurred_at DESC, id DESC LIMIT 1`;
      const previous = last[0]?.sha256 ?? null;
      if (previous === policy.sha256) return undefined;
      await this.record(
        tx,
        {
          actor: SYSTEM_ACTOR,
          action: 'policy.changed',
          targetType: 'policy',
          targetId: policy.path,
          details: { sha256: policy.sha256, previousSha256: previous, path: policy.path },
        },
        at,
      );
      return { previous };
    });
  }

  /** For changes outside Postgres (a stored file): the event in a transaction of its own. */
  async recordAlone(event: AuditEventInput, at: Date): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await this.record(tx, event, at);
    });
  }

  async list(query: AuditQuery): Promise<Page<AuditEvent>> {
    const cursor = query.cursor === undefined ? undefined : decodeKeysetCursor(query.cursor);
    const conditions: Prisma.Sql[] = [];
    const equal = (column: string, value: string | undefined): void => {
      if (value !== undefined) conditions.push(Prisma.sql`${Prisma.raw(column)} = ${value}`);
    };
    const anyOf = (column: string, type: string, values: readonly string[] | undefined): void => {
      if (values === undefined) return;
      // One value is an equality: the (column, occurred_at, id) index then serves the order and the limit.
      conditions.push(
        values.length === 1
          ? Prisma.sql`${Prisma.raw(column)} = ${values[0]}::${Prisma.raw(type)}`
          : Prisma.sql`${Prisma.raw(column)} = ANY(${[...values]}::${Prisma.raw(type)}[])`,
      );
    };
    anyOf('actor_id', 'text', query.actorIds);
    equal('action', query.action);
    equal('target_type', query.targetType);
    equal('target_id', query.targetId);
    equal('component_name', query.component);
    equal('version', query.version);
    equal('outcome', query.outcome);
    anyOf('host_id', 'uuid', query.hostIds);
    if (query.group !== undefined) conditions.push(Prisma.sql`host_groups @> ARRAY[${query.group}]::text[]`);
    if (query.since !== undefined) conditions.push(Prisma.sql`occurred_at >= ${query.since}`);
    if (query.until !== undefined) conditions.push(Prisma.sql`occurred_at < ${query.until}`);
    // Keyset pagination on (occurred_at, id): stable while new events arrive, and a
    // row comparison the (filter…, occurred_at, id) indexes turn into one range scan.
    if (cursor !== undefined) {
      conditions.push(Prisma.sql`(occurred_at, id) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`);
    }
    const where =
      conditions.length === 0 ? Prisma.empty : Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}`;
    const rows = await this.prisma.$queryRaw<AuditRow[]>`
      SELECT id::text AS id, occurred_at, actor_type::text AS actor_type, actor_id, action, target_type, target_id,
             details, request_id, component_name, host_id::text AS host_id,
             COALESCE(host_groups, ARRAY[]::text[]) AS host_groups, version, outcome
      FROM audit_events ${where}
      ORDER BY occurred_at DESC, id DESC
      LIMIT ${query.limit + 1}`;
    const page = rows.slice(0, query.limit);
    const names = await this.actorNames(page);
    const items = page.map((row) => toEvent(row, names.get(row.actor_id) ?? null));
    const last = items.at(-1);
    return {
      items,
      nextCursor:
        rows.length > query.limit && last !== undefined
          ? encodeKeysetCursor({ at: last.occurredAt, id: last.id })
          : null,
    };
  }

  /**
   * API token names by token id, in one query; ids that are not UUIDs (the system actor's
   * `control-plane`) or name no token (deleted) are left out.
   */
  async tokenNames(ids: Iterable<string>): Promise<Map<string, string>> {
    const tokens = [...new Set([...ids].filter((id) => UUID.test(id)))];
    const names = new Map<string, string>();
    if (tokens.length === 0) return names;
    const found = await this.prisma.apiToken.findMany({
      where: { id: { in: tokens } },
      select: { id: true, name: true },
    });
    for (const token of found) names.set(token.id, token.name);
    return names;
  }

  /** Names for a page's actors: an API token's name, an agent's hostname (two small lookups by id). */
  private async actorNames(rows: readonly AuditRow[]): Promise<Map<string, string>> {
    const ids = (type: ActorType): string[] => [
      ...new Set(
        rows.filter((row) => row.actor_type === type && UUID.test(row.actor_id)).map((row) => row.actor_id),
      ),
    ];
    const agents = ids('agent');
    const names = await this.tokenNames(ids('api_token'));
    if (agents.length > 0) {
      const found = await this.prisma.host.findMany({
        where: { id: { in: agents } },
        select: { id: true, hostname: true },
      });
      for (const host of found) names.set(host.id, host.hostname);
    }
    return names;
  }
}

interface AuditRow {
  id: string;
  occurred_at: Date;
  actor_type: ActorType;
  actor_id: string;
  action: string;
  target_type: string;
  target_id: string;
  details: Record<string, unknown>;
  request_id: string | null;
  component_name: string | null;
  host_id: string | null;
  host_groups: string[];
  version: string | null;
  outcome: string | null;
}

function toEvent(row: AuditRow, actorName: string | null): AuditEvent {
  return {
    id: row.id,
    occurredAt: row.occurred_at.toISOString(),
    actorType: row.actor_type,
    actorId: row.actor_id,
    actorName,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    details: row.details,
    requestId: row.request_id,
    component: row.component_name,
    hostId: row.host_id,
    hostGroups: row.host_groups,
    version: row.version,
    outcome: row.outcome,
  };
}
