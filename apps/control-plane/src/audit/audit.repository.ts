import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { UpkeepError } from '@upkeep/errors';
import { PRISMA } from '../common/tokens.ts';
import type { Prisma, PrismaClient, Transaction } from '../database/prisma-client.ts';
import type { AuditEvent, AuditEventInput, AuditQuery, Page } from './audit-event.ts';

interface Cursor {
  at: string;
  id: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof value.at === 'string' && typeof value.id === 'string' && !Number.isNaN(Date.parse(value.at))) {
      return { at: value.at, id: value.id };
    }
  } catch {
    // falls through to the error below
  }
  throw new UpkeepError('INPUT_INVALID', `cursor "${text}" is not one this API returned`, {
    hint: 'pass nextCursor from the previous page unchanged',
  });
}

/** Writes audit events inside the caller's transaction and pages through them newest first. */
@Injectable()
export class AuditRepository {
  private readonly prisma: PrismaClient;

  constructor(@Inject(PRISMA) prisma: PrismaClient) {
    this.prisma = prisma;
  }

  /** Must run in the same transaction as the change it describes. */
  async record(tx: Transaction, event: AuditEventInput, at: Date): Promise<void> {
    await tx.auditEvent.create({
      data: {
        id: randomUUID(),
        occurredAt: at,
        actorType: event.actor.type,
        actorId: event.actor.id,
        action: event.action,
        targetType: event.targetType,
        targetId: event.targetId,
        details: (event.details ?? {}) as Prisma.InputJsonObject,
        requestId: event.actor.requestId ?? null,
      },
    });
  }

  /** For changes outside Postgres (a stored file): the event in a transaction of its own. */
  async recordAlone(event: AuditEventInput, at: Date): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await this.record(tx, event, at);
    });
  }

  async list(query: AuditQuery): Promise<Page<AuditEvent>> {
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const where: Prisma.AuditEventWhereInput = {
      ...(query.actorId === undefined ? {} : { actorId: query.actorId }),
      ...(query.action === undefined ? {} : { action: query.action }),
      ...(query.targetType === undefined ? {} : { targetType: query.targetType }),
      ...(query.targetId === undefined ? {} : { targetId: query.targetId }),
      occurredAt: {
        ...(query.since === undefined ? {} : { gte: query.since }),
        ...(query.until === undefined ? {} : { lt: query.until }),
      },
      // Keyset pagination on (occurred_at, id): stable while new events arrive.
      ...(cursor === undefined
        ? {}
        : {
            OR: [
              { occurredAt: { lt: new Date(cursor.at) } },
              { occurredAt: new Date(cursor.at), id: { lt: cursor.id } },
            ],
          }),
    };
    const rows = await this.prisma.auditEvent.findMany({
      where,
      orderBy: [{ occurredAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
    });
    const items = rows.slice(0, query.limit).map((row): AuditEvent => ({
      id: row.id,
      occurredAt: row.occurredAt.toISOString(),
      actorType: row.actorType,
      actorId: row.actorId,
      action: row.action,
      targetType: row.targetType,
      targetId: row.targetId,
      details: row.details as Record<string, unknown>,
      requestId: row.requestId,
    }));
    const last = items.at(-1);
    return {
      items,
      nextCursor:
        rows.length > query.limit && last !== undefined
          ? encodeCursor({ at: last.occurredAt, id: last.id })
          : null,
    };
  }
}
