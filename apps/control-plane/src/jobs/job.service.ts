import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { UpkeepError } from '@upkeep/errors';
import { ASSIGNMENT_KINDS, signAssignment, type AssignmentKind } from '@upkeep/assignment';
import { CONFIG } from '../common/tokens.ts';
import type { AppConfig } from '../config/app-config.ts';
import type { Actor, Page } from '../audit/audit-event.ts';
import { BackgroundWork } from '../outbox/background-work.ts';
import { UpstreamArtifactService } from '../artifacts/upstream-artifact.service.ts';
import { HostRepository } from '../hosts/host.repository.ts';
import { JobRepository, type JobFilter } from './job.repository.ts';
import type { JobView } from './job.ts';

export interface CreateJobRequest {
  readonly hostId: string;
  readonly kind: string;
  readonly component: string;
  readonly targetVersion?: string | null | undefined;
  readonly artifact?: { readonly url: string; readonly sha256: string } | null | undefined;
  /** Validity of the signed assignment; default the configured TTL. */
  readonly ttlSeconds?: number | undefined;
}

const COMPONENT = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

@Injectable()
export class JobService {
  private readonly config: AppConfig;
  private readonly jobs: JobRepository;
  private readonly background: BackgroundWork;
  private readonly hosts: HostRepository;
  private readonly upstreamArtifacts: UpstreamArtifactService;

  constructor(
    @Inject(CONFIG) config: AppConfig,
    @Inject(JobRepository) jobs: JobRepository,
    @Inject(BackgroundWork) background: BackgroundWork,
    @Inject(HostRepository) hosts: HostRepository,
    @Inject(UpstreamArtifactService) upstreamArtifacts: UpstreamArtifactService,
  ) {
    this.config = config;
    this.jobs = jobs;
    this.background = background;
    this.hosts = hosts;
    this.upstreamArtifacts = upstreamArtifacts;
  }

  /** Creates, numbers and signs a job for one host; it reaches the agent through the outbox. */
  async create(request: CreateJobRequest, actor: Actor): Promise<JobView> {
    if (!ASSIGNMENT_KINDS.includes(request.kind as AssignmentKind)) {
      throw new UpkeepError(
        'INPUT_INVALID',
        `job kind "${request.kind}" is not one of ${ASSIGNMENT_KINDS.join(', ')}`,
        {
          hint: 'the control plane only asks agents for upgrades, rollbacks and cleanups',
        },
      );
    }
    const kind = request.kind as AssignmentKind;
    if (!UUID.test(request.hostId))
      throw new UpkeepError('INPUT_INVALID', `hostId "${request.hostId}" is not a host id (UUID)`);
    if (!COMPONENT.test(request.component)) {
      throw new UpkeepError('INPUT_INVALID', `component "${request.component}" is not a component name`);
    }
    let artifact = request.artifact ?? null;
    if (artifact === null && kind === 'upgrade' && typeof request.targetVersion === 'string') {
      // No artifact given: fetch the release asset for the host's platform into the store, once.
      const host = await this.hosts.find(request.hostId);
      if (host === null) throw new UpkeepError('NOT_FOUND', `host ${request.hostId} does not exist`);
      artifact = await this.upstreamArtifacts.ensure(
        request.component,
        request.targetVersion,
        host.os,
        host.arch,
      );
    }
    if (artifact !== null) {
      let url: URL | undefined;
      try {
        url = new URL(artifact.url);
      } catch {
        url = undefined;
      }
      if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
        throw new UpkeepError('INPUT_INVALID', `artifact url "${artifact.url}" is not an http(s) URL`);
      }
      if (!SHA256_HEX.test(artifact.sha256)) {
        throw new UpkeepError('INPUT_INVALID', 'artifact sha256 must be 64 lower-case hex digits');
      }
    }
    if (
      kind === 'upgrade' &&
      (request.targetVersion === undefined || request.targetVersion === null || artifact === null)
    ) {
      throw new UpkeepError(
        'INPUT_INVALID',
        'an upgrade needs a targetVersion (and an artifact url and sha256 for a component the control plane does not discover)',
      );
    }
    const ttlSeconds = request.ttlSeconds ?? this.config.assignmentTtlMs / 1000;
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 30 * 86_400) {
      throw new UpkeepError('INPUT_INVALID', `ttlSeconds ${ttlSeconds} is out of range (1 to 2592000)`);
    }
    const key = this.config.signingKey.privateKey;
    const job = await this.jobs.create(
      randomUUID(),
      {
        hostId: request.hostId,
        kind,
        component: request.component,
        targetVersion: request.targetVersion ?? null,
        artifact,
        ttlMs: ttlSeconds * 1000,
      },
      actor,
      (payload) => signAssignment(payload, key),
    );
    this.background.nudge();
    return job;
  }

  async get(id: string): Promise<JobView> {
    const job = await this.jobs.find(id);
    if (job === null) throw new UpkeepError('NOT_FOUND', `job ${id} does not exist`);
    return job;
  }

  list(filter: JobFilter): Promise<Page<JobView>> {
    return this.jobs.list(filter);
  }
}
