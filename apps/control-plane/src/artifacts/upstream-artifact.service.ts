import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { UpkeepError } from '@upkeep/errors';
import { parsePlatform, releaseDetails } from '@upkeep/sources';
import { CLOCK, CONFIG, LOGGER } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import type { AppConfig } from '../config/app-config.ts';
import { AuditRepository } from '../audit/audit.repository.ts';
import { SYSTEM_ACTOR } from '../audit/audit-event.ts';
import { DiscoveryService } from '../discovery/discovery.service.ts';
import { ArtifactRepository } from './artifact.repository.ts';
import { MAX_ARTIFACT_BYTES } from './artifact.service.ts';
import { UpstreamDownloadRepository } from './upstream-download.repository.ts';

/** Where agents download an artifact from, and the hash they check it against. */
export interface ServedArtifact {
  readonly url: string;
  readonly sha256: string;
}

/**
 * Brings a release asset into the content-addressed artifact store: the asset and
 * its sha256 come from `releaseDetails` (the release's checksum file or registry
 * hash), the bytes are downloaded once, verified while they are written, and served
 * to agents from this control plane. Concurrent requests for one asset share a download.
 */
@Injectable()
export class UpstreamArtifactService {
  private readonly config: AppConfig;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly discovery: DiscoveryService;
  private readonly artifacts: ArtifactRepository;
  private readonly downloads: UpstreamDownloadRepository;
  private readonly audit: AuditRepository;
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    @Inject(CONFIG) config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(CLOCK) clock: Clock,
    @Inject(DiscoveryService) discovery: DiscoveryService,
    @Inject(ArtifactRepository) artifacts: ArtifactRepository,
    @Inject(UpstreamDownloadRepository) downloads: UpstreamDownloadRepository,
    @Inject(AuditRepository) audit: AuditRepository,
  ) {
    this.config = config;
    this.logger = logger;
    this.clock = clock;
    this.discovery = discovery;
    this.artifacts = artifacts;
    this.downloads = downloads;
    this.audit = audit;
  }

  /** The stored artifact for `component` at `version` on `os`/`arch`, fetching it first when needed. */
  async ensure(component: string, version: string, os: string, arch: string): Promise<ServedArtifact> {
    const { source, spec, context } = this.discovery.sourceOf(component);
    const details = await releaseDetails(
      source,
      version,
      {
        platform: parsePlatform(`${os}-${arch}`),
        download: spec.download,
      },
      context,
    );
    const sha256 = details.checksum.sha256;
    if (sha256 === null) {
      throw new UpkeepError(
        'CHECKSUM_NOT_FOUND',
        `${component} ${version}: no sha256 is published for ${details.asset.name}`,
        {
          details: { reason: details.checksum.reason },
          hint: 'set download.checksum_file in versions.yaml, or upload the artifact with PUT /api/artifacts/sha256/<hex>',
        },
      );
    }
    const digest = sha256.toLowerCase();
    if ((await this.artifacts.find(digest)) === null) {
      let download = this.inFlight.get(digest);
      if (download === undefined) {
        download = this.fetchInto(digest, details.asset.url, spec.download.maxSizeMb, {
          component,
          version,
          asset: details.asset.name,
        }).finally(() => this.inFlight.delete(digest));
        this.inFlight.set(digest, download);
      }
      await download;
    }
    return { url: `${this.config.publicUrl}/artifacts/sha256/${digest}`, sha256: digest };
  }

  private async fetchInto(
    sha256: string,
    url: string,
    maxSizeMb: number | undefined,
    what: { component: string; version: string; asset: string },
  ): Promise<void> {
    const body = await this.downloads.open(url);
    const maxBytes = maxSizeMb === undefined ? MAX_ARTIFACT_BYTES : Math.floor(maxSizeMb * 1024 * 1024);
    const stored = await this.artifacts.store(body, sha256, maxBytes);
    this.logger.info({ ...what, sha256, size: stored.size }, 'artifact fetched from upstream');
    await this.audit.recordAlone(
      {
        actor: SYSTEM_ACTOR,
        action: 'artifact.fetched',
        targetType: 'artifact',
        targetId: sha256,
        details: { ...what, size: stored.size },
        subject: { component: what.component, version: what.version },
      },
      this.clock.now(),
    );
  }
}
