import { Inject, Injectable } from '@nestjs/common';
import { PRISMA } from '../common/tokens.ts';
import type { PrismaClient } from '../database/prisma-client.ts';

export interface StoredCredential {
  readonly credentialId: string;
  readonly hostId: string;
  readonly certFingerprint: string | null;
  readonly revoked: boolean;
  readonly hostRevoked: boolean;
}

@Injectable()
export class AgentCredentialRepository {
  private readonly prisma: PrismaClient;

  constructor(@Inject(PRISMA) prisma: PrismaClient) {
    this.prisma = prisma;
  }

  async findBySecretHash(secretHash: string): Promise<StoredCredential | null> {
    const row = await this.prisma.agentCredential.findUnique({
      where: { secretHash },
      include: { host: { select: { status: true } } },
    });
    if (row === null) return null;
    return {
      credentialId: row.id,
      hostId: row.hostId,
      certFingerprint: row.certFingerprint,
      revoked: row.revokedAt !== null,
      hostRevoked: row.host.status === 'revoked',
    };
  }
}
