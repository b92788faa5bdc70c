import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, PRISMA } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import type { PrismaClient } from '../database/prisma-client.ts';
import { AuditRepository } from '../audit/audit.repository.ts';
import type { Actor } from '../audit/audit-event.ts';
import type { ApiRole } from './api-role.ts';

export interface ApiTokenView {
  readonly id: string;
  readonly name: string;
  readonly role: ApiRole;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly createdAt: string;
}

export interface StoredApiToken {
  readonly id: string;
  readonly name: string;
  readonly role: ApiRole;
  readonly expiresAt: Date | null;
  readonly usable: boolean;
}

/** A token row as the guards see it: usable while neither revoked nor expired at `now`. */
export function toStoredApiToken(
  row: { id: string; name: string; role: ApiRole; expiresAt: Date | null; revokedAt: Date | null },
  now: Date,
): StoredApiToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    expiresAt: row.expiresAt,
    usable: row.revokedAt === null && (row.expiresAt === null || row.expiresAt > now),
  };
}

@Injectable()
export class ApiTokenRepository {
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

  async findByHash(tokenHash: string): Promise<StoredApiToken | null> {
    const row = await this.prisma.apiToken.findUnique({ where: { tokenHash } });
    return row === null ? null : toStoredApiToken(row, this.clock.now());
  }

  async create(
    token: { id: string; name: string; role: ApiRole; tokenHash: string; expiresAt: Date | null },
    actor: Actor,
  ): Promise<ApiTokenView> {
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const row = await tx.apiToken.create({ data: { ...token, createdAt: now } });
      await this.audit.record(
        tx,
        {
          actor,
          action: 'api_token.created',
          targetType: 'api_token',
          targetId: token.id,
          details: { name: token.name, role: token.role },
        },
        now,
      );
      return {
        id: row.id,
        name: row.name,
        role: row.role,
        expiresAt: row.expiresAt?.toISOString() ?? null,
        revokedAt: null,
        createdAt: row.createdAt.toISOString(),
      };
    });
  }

  /** Ids of the tokens with this name (names are not unique). */
  async idsByName(name: string): Promise<string[]> {
    const rows = await this.prisma.apiToken.findMany({
      where: { name },
      select: { id: true },
      orderBy: { id: 'asc' },
    });
    return rows.map((row) => row.id);
  }

  async list(): Promise<ApiTokenView[]> {
    const rows = await this.prisma.apiToken.findMany({ orderBy: { createdAt: 'desc' } });
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      role: row.role,
      expiresAt: row.expiresAt?.toISOString() ?? null,
      revokedAt: row.revokedAt?.toISOString() ?? null,
      createdAt: row.createdAt.toISOString(),
    }));
  }

  async revoke(id: string, actor: Actor): Promise<boolean> {
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const updated = await tx.apiToken.updateMany({
        where: { id, revokedAt: null },
        data: { revokedAt: now },
      });
      if (updated.count === 0) return (await tx.apiToken.count({ where: { id } })) > 0;
      await this.audit.record(
        tx,
        { actor, action: 'api_token.revoked', targetType: 'api_token', targetId: id },
        now,
      );
      return true;
    });
  }
}
