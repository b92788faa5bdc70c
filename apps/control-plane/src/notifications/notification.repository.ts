import { Inject, Injectable } from '@nestjs/common';
import { PRISMA } from '../common/tokens.ts';
import type { Prisma, PrismaClient, Transaction } from '../database/prisma-client.ts';
import type { Page } from '../audit/audit-event.ts';
import { OutboxRepository } from '../outbox/outbox.repository.ts';
import type { NotificationEvent, NotificationKind } from './notification-event.ts';
import type { DeliveryState, DeliveryView, NotificationQuery, NotificationView } from './notification.ts';
import { deliveryIdOf, notificationIdOf } from './notification-ids.ts';
import { createdBefore, encodeKeysetCursor } from '../rest/keyset-cursor.ts';

type NotificationRow = Prisma.NotificationGetPayload<{ include: { deliveries: true } }>;

/** A delivery with what its channel needs to send it. */
export interface PendingDelivery {
  readonly id: string;
  readonly channel: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly notification: NotificationView;
}

function toView(row: NotificationRow): NotificationView {
  return {
    id: row.id,
    kind: row.kind as NotificationKind,
    title: row.title,
    text: row.text,
    componentName: row.componentName,
    hostname: row.hostname,
    rolloutId: row.rolloutId,
    jobId: row.jobId,
    version: row.version,
    dedupeKey: row.dedupeKey,
    details: row.details as Record<string, unknown>,
    createdAt: row.createdAt.toISOString(),
    deliveries: [...row.deliveries]
      .sort((a, b) => a.channel.localeCompare(b.channel))
      .map((delivery): DeliveryView => ({
        id: delivery.id,
        channel: delivery.channel,
        state: delivery.state,
        attempts: delivery.attempts,
        lastError: delivery.lastError,
        deliveredAt: delivery.deliveredAt?.toISOString() ?? null,
        updatedAt: delivery.updatedAt.toISOString(),
      })),
  };
}

/** Notifications, their per-channel deliveries and the outbox messages that start them. */
@Injectable()
export class NotificationRepository {
  private readonly prisma: PrismaClient;
  private readonly outbox: OutboxRepository;

  constructor(@Inject(PRISMA) prisma: PrismaClient, @Inject(OutboxRepository) outbox: OutboxRepository) {
    this.prisma = prisma;
    this.outbox = outbox;
  }

  /**
   * Stores the event, one delivery per channel and one outbox message per delivery, in the caller's
   * transaction. A dedupe key already stored changes nothing (ON CONFLICT DO NOTHING keeps the
   * caller's transaction usable). Returns false for such a repeat.
   */
  async create(
    tx: Transaction,
    event: NotificationEvent,
    channels: readonly string[],
    at: Date,
  ): Promise<boolean> {
    const id = notificationIdOf(event.dedupeKey);
    const inserted = await tx.notification.createMany({
      data: [
        {
          id,
          dedupeKey: event.dedupeKey,
          kind: event.kind,
          title: event.title,
          text: event.text,
          componentName: event.componentName ?? null,
          hostname: event.hostname ?? null,
          rolloutId: event.rolloutId ?? null,
          jobId: event.jobId ?? null,
          version: event.version ?? null,
          details: (event.details ?? {}) as Prisma.InputJsonObject,
          createdAt: at,
        },
      ],
      skipDuplicates: true,
    });
    if (inserted.count === 0) return false;
    for (const channel of channels) {
      const deliveryId = deliveryIdOf(event.dedupeKey, channel);
      await tx.notificationDelivery.create({
        data: { id: deliveryId, notificationId: id, channel, createdAt: at, updatedAt: at },
      });
      await this.outbox.add(
        tx,
        { id: deliveryId, queue: 'notifications', name: 'deliver', payload: { deliveryId } },
        at,
      );
    }
    return true;
  }

  async delivery(id: string): Promise<PendingDelivery | null> {
    const row = await this.prisma.notificationDelivery.findUnique({
      where: { id },
      include: { notification: { include: { deliveries: true } } },
    });
    if (row === null) return null;
    return {
      id: row.id,
      channel: row.channel,
      state: row.state,
      attempts: row.attempts,
      notification: toView(row.notification),
    };
  }

  async markDelivered(id: string, at: Date): Promise<void> {
    await this.prisma.notificationDelivery.updateMany({
      where: { id, state: { in: ['pending', 'retrying'] } },
      data: { state: 'delivered', attempts: { increment: 1 }, deliveredAt: at, updatedAt: at },
    });
  }

  /** Counts a failed attempt and keeps its (redacted) error; `final` marks the delivery failed for good. */
  async recordFailure(id: string, error: string, final: boolean, at: Date): Promise<void> {
    await this.prisma.notificationDelivery.updateMany({
      where: { id, state: { in: ['pending', 'retrying'] } },
      data: {
        state: final ? 'failed' : 'retrying',
        attempts: { increment: 1 },
        lastError: error,
        updatedAt: at,
      },
    });
  }

  /** Deliveries still owed but untouched since `before`: their queue job may be gone (Redis lost). */
  async staleDeliveries(before: Date, limit: number): Promise<string[]> {
    const rows = await this.prisma.notificationDelivery.findMany({
      where: { state: { in: ['pending', 'retrying'] }, updatedAt: { lt: before } },
      orderBy: { updatedAt: 'asc' },
      take: limit,
      select: { id: true },
    });
    return rows.map((row) => row.id);
  }

  async touch(ids: readonly string[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.prisma.notificationDelivery.updateMany({
      where: { id: { in: [...ids] }, state: { in: ['pending', 'retrying'] } },
      data: { updatedAt: at },
    });
  }

  /** Newest first, keyset-paged on (created_at, id). */
  async list(query: NotificationQuery): Promise<Page<NotificationView>> {
    const rows = await this.prisma.notification.findMany({
      where: {
        ...(query.kind === undefined ? {} : { kind: query.kind }),
        ...createdBefore(query.cursor),
      },
      include: { deliveries: true },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
    });
    const items = rows.slice(0, query.limit).map(toView);
    const last = items.at(-1);
    return {
      items,
      nextCursor:
        rows.length > query.limit && last !== undefined
          ? encodeKeysetCursor({ at: last.createdAt, id: last.id })
          : null,
    };
  }
}
