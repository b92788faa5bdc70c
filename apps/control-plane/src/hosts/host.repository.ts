import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { UpkeepError } from '@upkeep/errors';
import { CLOCK, PRISMA } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import type { Prisma, PrismaClient } from '../database/prisma-client.ts';
import { AuditRepository } from '../audit/audit.repository.ts';
import type { Actor, Page } from '../audit/audit-event.ts';
import type { HostFilter, HostView, InventoryItem } from './host.ts';

type HostRow = Prisma.HostGetPayload<{ include: { inventory: true } }> | Prisma.HostGetPayload<object>;

function toView(row: HostRow): HostView {
  const inventory = 'inventory' in row ? row.inventory : undefined;
  return {
    id: row.id,
    hostname: row.hostname,
    labels: row.labels as Record<string, string>,
    groups: row.groups,
    os: row.os,
    arch: row.arch,
    agentVersion: row.agentVersion,
    status: row.status,
    enrolledAt: row.enrolledAt.toISOString(),
    lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
    ...(inventory === undefined
      ? {}
      : {
          installed: inventory
            .sort((a, b) => a.componentName.localeCompare(b.componentName))
            .map((item) => ({
              name: item.componentName,
              version: item.version,
              binaryPath: item.binaryPath,
              sha256: item.sha256,
              installedAt: item.installedAt?.toISOString() ?? null,
              reportedAt: item.reportedAt.toISOString(),
            })),
        }),
  };
}

@Injectable()
export class HostRepository {
  private readonly prisma: PrismaClient;
  private readonly audit: AuditRepository;
  private readonly clock: Clock;

  constructor(
    @Inject(PRISMA) prisma: PrismaClient,
    @Inject(AuditRepository) audit: AuditRepository,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.prisma = prisma;
    this.audit = audit;
    this.clock = clock;
  }

  async touch(hostId: string, agentVersion: string | undefined): Promise<void> {
    const now = this.clock.now();
    await this.prisma.host.update({
      where: { id: hostId },
      data: {
        lastSeenAt: now,
        ...(agentVersion === undefined || agentVersion === '' ? {} : { agentVersion }),
      },
    });
  }

  /**
   * Replaces the host's inventory with the reported one (absent components were removed).
   * Each component whose version changed, appeared or disappeared gets a
   * `host.inventory_changed` audit event: the upgrade history is built from them.
   */
  async replaceInventory(hostId: string, items: readonly InventoryItem[]): Promise<number> {
    const now = this.clock.now();
    await this.prisma.$transaction(async (tx) => {
      const before = await tx.hostInventory.findMany({
        where: { hostId },
        select: { componentName: true, version: true },
      });
      const previous = new Map(before.map((row) => [row.componentName, row.version]));
      await tx.hostInventory.deleteMany({
        where: { hostId, componentName: { notIn: items.map((item) => item.name) } },
      });
      for (const item of items) {
        const fields = {
          version: item.version,
          binaryPath: item.binaryPath,
          sha256: item.sha256,
          installedAt: item.installedAt,
          rollbackPoints: item.rollbackPoints,
          reportedAt: now,
        };
        await tx.hostInventory.upsert({
          where: { hostId_componentName: { hostId, componentName: item.name } },
          create: { id: randomUUID(), hostId, componentName: item.name, ...fields },
          update: fields,
        });
      }
      const reported = new Map(items.map((item) => [item.name, item.version]));
      const names = [...new Set([...previous.keys(), ...reported.keys()])].sort();
      for (const name of names) {
        const from = previous.get(name) ?? null;
        const to = reported.get(name) ?? null;
        if (from === to) continue;
        await this.audit.record(
          tx,
          {
            actor: { type: 'agent', id: hostId },
            action: 'host.inventory_changed',
            targetType: 'host',
            targetId: hostId,
            details: { fromVersion: from, toVersion: to },
            subject: { component: name, hostId, version: to },
          },
          now,
        );
      }
      await tx.host.update({ where: { id: hostId }, data: { lastSeenAt: now } });
    });
    return items.length;
  }

  /** Hosts whose labels contain all of `filter.labels` (GIN index) and, optionally, in a group. */
  async list(filter: HostFilter): Promise<Page<HostView>> {
    const labels = JSON.stringify(filter.labels);
    const group = filter.group ?? null;
    const after = filter.cursor ?? null;
    const ids = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT id::text AS id FROM hosts
      WHERE labels @> ${labels}::jsonb
        AND (${group}::text IS NULL OR groups @> ARRAY[${group}::text])
        AND (${after}::uuid IS NULL OR id > ${after}::uuid)
      ORDER BY id
      LIMIT ${filter.limit + 1}`;
    const page = ids.slice(0, filter.limit).map((row) => row.id);
    const rows = await this.prisma.host.findMany({ where: { id: { in: page } }, orderBy: { id: 'asc' } });
    return { items: rows.map(toView), nextCursor: ids.length > filter.limit ? (page.at(-1) ?? null) : null };
  }

  /** Ids of the hosts with this hostname (several hosts may share one). */
  async idsByHostname(hostname: string): Promise<string[]> {
    const rows = await this.prisma.host.findMany({
      where: { hostname },
      select: { id: true },
      orderBy: { id: 'asc' },
    });
    return rows.map((row) => row.id);
  }

  async find(hostId: string): Promise<HostView | null> {
    const row = await this.prisma.host.findUnique({ where: { id: hostId }, include: { inventory: true } });
    return row === null ? null : toView(row);
  }

  /** Revokes the host and all its credentials; its sessions are refused from the next call on. */
  async revoke(hostId: string, actor: Actor): Promise<HostView> {
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const updated = await tx.host.updateMany({
        where: { id: hostId },
        data: { status: 'revoked', updatedAt: now },
      });
      if (updated.count === 0) throw new UpkeepError('NOT_FOUND', `host ${hostId} does not exist`);
      await tx.agentCredential.updateMany({ where: { hostId, revokedAt: null }, data: { revokedAt: now } });
      await this.audit.record(
        tx,
        { actor, action: 'host.revoked', targetType: 'host', targetId: hostId, subject: { hostId } },
        now,
      );
      const row = await tx.host.findUniqueOrThrow({ where: { id: hostId }, include: { inventory: true } });
      return toView(row);
    });
  }
}
