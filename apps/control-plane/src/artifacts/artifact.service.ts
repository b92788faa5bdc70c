import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { UpkeepError } from '@upkeep/errors';
import { CLOCK } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import { AuditRepository } from '../audit/audit.repository.ts';
import type { Actor } from '../audit/audit-event.ts';
import { ArtifactRepository, SHA256_HEX, type StoredArtifact } from './artifact.repository.ts';

/** Largest artifact accepted: infrastructure binaries are tens of MB; 2 GiB leaves room. */
export const MAX_ARTIFACT_BYTES = 2 * 1024 ** 3;

@Injectable()
export class ArtifactService {
  private readonly artifacts: ArtifactRepository;
  private readonly audit: AuditRepository;
  private readonly clock: Clock;

  constructor(
    @Inject(ArtifactRepository) artifacts: ArtifactRepository,
    @Inject(AuditRepository) audit: AuditRepository,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.artifacts = artifacts;
    this.audit = audit;
    this.clock = clock;
  }

  /** Stores an uploaded artifact after checking it hashes to `sha256`, and audits it. */
  async upload(sha256: string, body: Readable, actor: Actor): Promise<StoredArtifact> {
    const digest = this.validDigest(sha256);
    const stored = await this.artifacts.store(body, digest, MAX_ARTIFACT_BYTES);
    await this.audit.recordAlone(
      {
        actor,
        action: 'artifact.stored',
        targetType: 'artifact',
        targetId: digest,
        details: { size: stored.size },
      },
      this.clock.now(),
    );
    return stored;
  }

  /** The file to serve; NOT_FOUND when the store does not have it. */
  async locate(sha256: string): Promise<{ path: string; size: number }> {
    const digest = this.validDigest(sha256);
    const found = await this.artifacts.find(digest);
    if (found === null) throw new UpkeepError('NOT_FOUND', `artifact sha256:${digest} is not in the store`);
    return { path: this.artifacts.pathOf(digest), size: found.size };
  }

  private validDigest(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) {
      throw new UpkeepError('INPUT_INVALID', `"${sha256}" is not a lower-case hex sha256 digest`);
    }
    return sha256;
  }
}
