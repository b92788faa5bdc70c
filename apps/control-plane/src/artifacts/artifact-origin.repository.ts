import { Inject, Injectable } from '@nestjs/common';
import { PRISMA } from '../common/tokens.ts';
import type { PrismaClient } from '../database/prisma-client.ts';

/** The release asset an artifact was fetched from, enough to fetch it again with `ensure`. */
export interface ArtifactOrigin {
  readonly sha256: string;
  readonly component: string;
  readonly version: string;
  readonly os: string;
  readonly arch: string;
  readonly assetName: string;
  /** Redacted: no credentials. */
  readonly assetUrl: string;
  readonly fetchedAt: Date;
}

/**
 * `artifact_origins`: which release asset each upstream-fetched artifact is, shared by every replica,
 * so a replica that does not hold a digest in its own store can fetch it again.
 */
@Injectable()
export class ArtifactOriginRepository {
  private readonly prisma: PrismaClient;

  constructor(@Inject(PRISMA) prisma: PrismaClient) {
    this.prisma = prisma;
  }

  /** Creates or refreshes the row of `origin.sha256`; `fetchedAt` stays the first fetch's. */
  async record(origin: ArtifactOrigin): Promise<void> {
    const { sha256, fetchedAt, ...asset } = origin;
    await this.prisma.artifactOrigin.upsert({
      where: { sha256 },
      create: { sha256, fetchedAt, ...asset },
      update: asset,
    });
  }

  async find(sha256: string): Promise<ArtifactOrigin | null> {
    const row = await this.prisma.artifactOrigin.findUnique({ where: { sha256 } });
    if (row === null) return null;
    return {
      sha256: row.sha256,
      component: row.component,
      version: row.version,
      os: row.os,
      arch: row.arch,
      assetName: row.assetName,
      assetUrl: row.assetUrl,
      fetchedAt: row.fetchedAt,
    };
  }
}
