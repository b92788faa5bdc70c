import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, PRISMA } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import type { Prisma, PrismaClient } from '../database/prisma-client.ts';
import { AuditRepository } from '../audit/audit.repository.ts';
import type { Actor } from '../audit/audit-event.ts';

export interface NewEnrollmentToken {
  readonly id: string;
  readonly tokenHash: string;
  readonly description: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly groups: readonly string[];
  readonly singleUse: boolean;
  readonly expiresAt: Date;
}

export interface EnrollmentTokenView {
  readonly id: string;
  readonly description: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly groups: readonly string[];
  readonly singleUse: boolean;
  readonly expiresAt: string;
  readonly useCount: number;
  readonly revokedAt: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
}

export interface Redemption {
  readonly tokenHash: string;
  readonly hostId: string;
  readonly hostname: string;
  readonly os: string;
  readonly arch: string;
  readonly agentVersion: string;
  readonly requestedLabels: Readonly<Record<string, string>>;
  readonly credentialId: string;
  readonly secretHash: string;
  readonly certFingerprint: string | null;
}

export type RedemptionResult =
  | { readonly ok: true; readonly labels: Record<string, string>; readonly groups: string[] }
  | { readonly ok: false; readonly reason: 'unknown' | 'expired' | 'revoked' | 'used' };

interface ClaimedToken {
  id: string;
  labels: Record<string, string>;
  groups: string[] | null;
}

function toView(row: {
  id: string;
  description: string;
  labels: Prisma.JsonValue;
  groups: string[];
  singleUse: boolean;
  expiresAt: Date;
  useCount: number;
  revokedAt: Date | null;
  createdBy: string;
  createdAt: Date;
}): EnrollmentTokenView {
  return {
    id: row.id,
    description: row.description,
    labels: row.labels as Record<string, string>,
    groups: row.groups,
    singleUse: row.singleUse,
    expiresAt: row.expiresAt.toISOString(),
    useCount: row.useCount,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
  };
}

@Injectable()
export class EnrollmentRepository {
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

  async createToken(token: NewEnrollmentToken, actor: Actor): Promise<EnrollmentTokenView> {
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const row = await tx.enrollmentToken.create({
        data: {
          id: token.id,
          tokenHash: token.tokenHash,
          description: token.description,
          labels: token.labels,
          groups: [...token.groups],
          singleUse: token.singleUse,
          expiresAt: token.expiresAt,
          createdBy: actor.id,
          createdAt: now,
        },
      });
      await this.audit.record(
        tx,
        {
          actor,
          action: 'enrollment_token.created',
          targetType: 'enrollment_token',
          targetId: token.id,
          details: {
            singleUse: token.singleUse,
            expiresAt: token.expiresAt.toISOString(),
            labels: token.labels,
            groups: token.groups,
          },
          // The groups its hosts will join: `?group=` finds the tokens that let hosts into a group.
          subject: { hostGroups: token.groups },
        },
        now,
      );
      return toView(row);
    });
  }

  async listTokens(limit: number): Promise<EnrollmentTokenView[]> {
    const rows = await this.prisma.enrollmentToken.findMany({
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit,
    });
    return rows.map(toView);
  }

  /** Revokes a token; returns false when there is no such token. */
  async revokeToken(id: string, actor: Actor): Promise<boolean> {
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const updated = await tx.enrollmentToken.updateMany({
        where: { id, revokedAt: null },
        data: { revokedAt: now },
      });
      if (updated.count === 0) return (await tx.enrollmentToken.count({ where: { id } })) > 0;
      await this.audit.record(
        tx,
        { actor, action: 'enrollment_token.revoked', targetType: 'enrollment_token', targetId: id },
        now,
      );
      return true;
    });
  }

  /**
   * Consumes the token and creates the host and its credential, all in one
   * transaction. The conditional UPDATE is what makes a single-use token
   * single-use under concurrency: Postgres serialises the two updates of the
   * row and re-checks `use_count = 0` for the second, which then matches nothing.
   */
  async redeem(redemption: Redemption): Promise<RedemptionResult> {
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const claimed = await tx.$queryRaw<ClaimedToken[]>`
        UPDATE enrollment_tokens SET use_count = use_count + 1
        WHERE token_hash = ${redemption.tokenHash}
          AND revoked_at IS NULL
          AND expires_at > ${now}
          AND (single_use = false OR use_count = 0)
        RETURNING id, labels, groups`;
      const token = claimed[0];
      if (token === undefined) {
        const existing = await tx.enrollmentToken.findUnique({ where: { tokenHash: redemption.tokenHash } });
        if (existing === null) return { ok: false, reason: 'unknown' };
        if (existing.revokedAt !== null) return { ok: false, reason: 'revoked' };
        if (existing.expiresAt <= now) return { ok: false, reason: 'expired' };
        return { ok: false, reason: 'used' };
      }
      // Labels bound to the token win: a host cannot talk its way into another group.
      const labels = { ...redemption.requestedLabels, ...token.labels };
      const groups = token.groups ?? [];
      await tx.host.create({
        data: {
          id: redemption.hostId,
          hostname: redemption.hostname,
          os: redemption.os,
          arch: redemption.arch,
          agentVersion: redemption.agentVersion,
          labels,
          groups,
          enrolledAt: now,
          lastSeenAt: now,
          createdAt: now,
          updatedAt: now,
        },
      });
      await tx.agentCredential.create({
        data: {
          id: redemption.credentialId,
          hostId: redemption.hostId,
          secretHash: redemption.secretHash,
          certFingerprint: redemption.certFingerprint,
          enrollmentTokenId: token.id,
          createdAt: now,
        },
      });
      await this.audit.record(
        tx,
        {
          actor: { type: 'agent', id: redemption.hostId },
          action: 'host.enrolled',
          targetType: 'host',
          targetId: redemption.hostId,
          details: {
            hostname: redemption.hostname,
            enrollmentTokenId: token.id,
            labels,
            groups,
            mtls: redemption.certFingerprint !== null,
          },
          subject: { hostId: redemption.hostId, hostGroups: groups },
        },
        now,
      );
      return { ok: true, labels, groups };
    });
  }
}
