import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, PRISMA } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import type { PrismaClient } from '../database/prisma-client.ts';
import { AuditRepository } from '../audit/audit.repository.ts';
import type { Actor } from '../audit/audit-event.ts';
import { toStoredApiToken, type StoredApiToken } from './api-token.repository.ts';

/** A session found by its hash, with the token it acts as, both judged at the moment of the lookup. */
export interface StoredApiSession {
  readonly id: string;
  readonly expiresAt: Date;
  readonly usable: boolean;
  readonly token: StoredApiToken;
}

@Injectable()
export class ApiSessionRepository {
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

  /** Stores a session (and forgets the expired ones of every token: nothing else removes them). */
  async create(session: { id: string; tokenId: string; expiresAt: Date }, actor: Actor): Promise<void> {
    const now = this.clock.now();
    await this.prisma.$transaction(async (tx) => {
      await tx.apiSession.deleteMany({ where: { expiresAt: { lte: now } } });
      await tx.apiSession.create({ data: { ...session, createdAt: now } });
      await this.audit.record(
        tx,
        {
          actor,
          action: 'session.created',
          targetType: 'api_token',
          targetId: session.tokenId,
          details: { expiresAt: session.expiresAt.toISOString() },
        },
        now,
      );
    });
  }

  /** The session with this id and its token, read through the join so a revoked token counts at once. */
  async findById(id: string): Promise<StoredApiSession | null> {
    const row = await this.prisma.apiSession.findUnique({ where: { id }, include: { token: true } });
    if (row === null) return null;
    const now = this.clock.now();
    return {
      id: row.id,
      expiresAt: row.expiresAt,
      usable: row.expiresAt > now,
      token: toStoredApiToken(row.token, now),
    };
  }

  /** Ends a session; false when it was already gone. */
  async delete(id: string, actor: Actor): Promise<boolean> {
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const deleted = await tx.apiSession.deleteMany({ where: { id } });
      if (deleted.count === 0) return false;
      await this.audit.record(
        tx,
        { actor, action: 'session.ended', targetType: 'api_token', targetId: actor.id },
        now,
      );
      return true;
    });
  }
}
