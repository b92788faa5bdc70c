import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { UpkeepError, isUpkeepError } from '@upkeep/errors';
import { CLOCK, LOGGER } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import { AuditRepository } from '../audit/audit.repository.ts';
import type { Actor } from '../audit/audit-event.ts';
import {
  ArtifactRepository,
  MAX_ARTIFACT_BYTES,
  SHA256_HEX,
  type StoredArtifact,
} from './artifact.repository.ts';
import { ArtifactOriginRepository, type ArtifactOrigin } from './artifact-origin.repository.ts';
import { UpstreamArtifactService, type ServedArtifact } from './upstream-artifact.service.ts';

@Injectable()
export class ArtifactService {
  private readonly artifacts: ArtifactRepository;
  private readonly origins: ArtifactOriginRepository;
  private readonly upstream: UpstreamArtifactService;
  private readonly audit: AuditRepository;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(
    @Inject(ArtifactRepository) artifacts: ArtifactRepository,
    @Inject(ArtifactOriginRepository) origins: ArtifactOriginRepository,
    @Inject(UpstreamArtifactService) upstream: UpstreamArtifactService,
    @Inject(AuditRepository) audit: AuditRepository,
    @Inject(CLOCK) clock: Clock,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.artifacts = artifacts;
    this.origins = origins;
    this.upstream = upstream;
    this.audit = audit;
    this.clock = clock;
    this.logger = logger;
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

  /**
   * The file to serve. One this replica's store lacks but some replica fetched from upstream
   * (`artifact_origins`) is fetched again first, verified as the first time, so replicas need no shared
   * UPKEEP_ARTIFACT_DIR; the caller waits for the whole file and never sees a partial one.
   * @throws UpkeepError NOT_FOUND when the digest was never fetched from upstream (an upload elsewhere),
   * or the error of the new fetch (UPSTREAM_UNREACHABLE, DOWNLOAD_FAILED, SIGNATURE_INVALID, …).
   */
  async locate(sha256: string): Promise<{ path: string; size: number }> {
    const digest = this.validDigest(sha256);
    const found = (await this.artifacts.find(digest)) ?? (await this.fetchMissing(digest));
    return { path: this.artifacts.pathOf(digest), size: found.size };
  }

  private async fetchMissing(digest: string): Promise<StoredArtifact> {
    const origin = await this.origins.find(digest);
    if (origin === null) {
      throw new UpkeepError(
        'NOT_FOUND',
        `artifact sha256:${digest} is not in this replica's store and was not fetched from upstream by any replica, so it cannot be fetched again`,
        {
          details: { sha256: digest },
          hint: 'an artifact uploaded with PUT /api/artifacts/sha256/<hex> is kept only by the replica that received it: share UPKEEP_ARTIFACT_DIR between replicas, or upload it again',
        },
      );
    }
    const subject = `${origin.component} ${origin.version} (${origin.assetName}, ${origin.os}/${origin.arch})`;
    this.logger.info(this.originDetails(origin), 'artifact missing from this replica: fetching it again');
    let served: ServedArtifact;
    try {
      served = await this.upstream.ensure(origin.component, origin.version, origin.os, origin.arch);
    } catch (error) {
      if (!isUpkeepError(error)) throw error;
      throw new UpkeepError(
        error.code,
        `artifact sha256:${digest} is not in this replica's store, and fetching it again from upstream as ${subject} failed: ${error.message}`,
        {
          details: { ...error.details, ...this.originDetails(origin) },
          ...(error.hint === undefined ? {} : { hint: error.hint }),
          cause: error,
        },
      );
    }
    if (served.sha256 !== digest) {
      throw new UpkeepError(
        'CHECKSUM_MISMATCH',
        `artifact sha256:${digest} is not in this replica's store, and upstream now publishes sha256:${served.sha256} for ${subject}`,
        {
          details: { ...this.originDetails(origin), published: served.sha256 },
          hint: 'the release changed upstream since it was first fetched: create the job again to use the new artifact, or upload the old one with PUT /api/artifacts/sha256/<hex>',
        },
      );
    }
    const stored = await this.artifacts.find(digest);
    if (stored === null) {
      throw new UpkeepError(
        'INTERNAL',
        `artifact sha256:${digest} was fetched again but is not in the store`,
      );
    }
    return stored;
  }

  private originDetails(origin: ArtifactOrigin): Record<string, string> {
    return {
      sha256: origin.sha256,
      component: origin.component,
      version: origin.version,
      os: origin.os,
      arch: origin.arch,
      asset: origin.assetName,
    };
  }

  private validDigest(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) {
      throw new UpkeepError('INPUT_INVALID', `"${sha256}" is not a lower-case hex sha256 digest`);
    }
    return sha256;
  }
}
