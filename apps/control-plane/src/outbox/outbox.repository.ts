import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, PRISMA } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import type { PrismaClient, Transaction } from '../database/prisma-client.ts';
import type { OutboxMessage } from './queue-registry.ts';

@Injectable()
export class OutboxRepository {
  private readonly prisma: PrismaClient;
  private readonly clock: Clock;

  constructor(@Inject(PRISMA) prisma: PrismaClient, @Inject(CLOCK) clock: Clock) {
    this.prisma = prisma;
    this.clock = clock;
  }

  /** Must run in the transaction of the state change the message follows. */
  async add(tx: Transaction, message: OutboxMessage, at: Date): Promise<void> {
    await tx.outboxMessage.create({
      data: {
        id: message.id,
        queue: message.queue,
        name: message.name,
        payload: message.payload,
        createdAt: at,
      },
    });
  }

  /**
   * Hands unpublished rows to `publish` and marks them published, holding row
   * locks meanwhile (SKIP LOCKED lets replicas relay in parallel without
   * doubling up). If `publish` throws, nothing is marked and the rows wait for
   * the next round; if the process dies after publishing but before commit, the
   * next round publishes again under the same job id, which BullMQ ignores.
   */
  async relayBatch(
    publish: (messages: readonly OutboxMessage[]) => Promise<void>,
    limit = 100,
  ): Promise<number> {
    return this.prisma.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<{ id: string; queue: string; name: string; payload: unknown }[]>`
          SELECT id::text AS id, queue, name, payload FROM outbox
          WHERE published_at IS NULL
          ORDER BY created_at
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED`;
        if (rows.length === 0) return 0;
        await publish(rows as unknown as OutboxMessage[]);
        await tx.outboxMessage.updateMany({
          where: { id: { in: rows.map((row) => row.id) } },
          data: { publishedAt: this.clock.now(), attempts: { increment: 1 } },
        });
        return rows.length;
      },
      { timeout: 15_000 },
    );
  }

  /** Forgets rows published before `before`; their work is in BullMQ or done. */
  async deletePublishedBefore(before: Date): Promise<number> {
    const deleted = await this.prisma.outboxMessage.deleteMany({ where: { publishedAt: { lt: before } } });
    return deleted.count;
  }

  async unpublishedCount(): Promise<number> {
    return this.prisma.outboxMessage.count({ where: { publishedAt: null } });
  }
}
