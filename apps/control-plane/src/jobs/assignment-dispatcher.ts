import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { UpkeepError } from '@upkeep/errors';
import { CONFIG, LOGGER, REDIS } from '../common/tokens.ts';
import type { AppConfig } from '../config/app-config.ts';
import { SessionRegistry } from '../gateway/session-registry.ts';
import { JobRepository } from './job.repository.ts';

/**
 * Gets assignments from Postgres to the agent's open session, wherever it is:
 * `notify` publishes on Redis, and the replica holding the session sends the
 * host's unfinished assignments in sequence order. Postgres stays the truth:
 * a lost notification only delays delivery until the next session or reconcile.
 */
@Injectable()
export class AssignmentDispatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly config: AppConfig;
  private readonly logger: Logger;
  private readonly redis: Redis;
  private readonly registry: SessionRegistry;
  private readonly jobs: JobRepository;
  private subscriber: Redis | undefined;
  /** Per-host chain, so two deliveries to one host never interleave. */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    @Inject(CONFIG) config: AppConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(REDIS) redis: Redis,
    @Inject(SessionRegistry) registry: SessionRegistry,
    @Inject(JobRepository) jobs: JobRepository,
  ) {
    this.config = config;
    this.logger = logger;
    this.redis = redis;
    this.registry = registry;
    this.jobs = jobs;
  }

  private get channel(): string {
    return `${this.config.queuePrefix}:agent-dispatch`;
  }

  private get revokeChannel(): string {
    return `${this.config.queuePrefix}:agent-revoke`;
  }

  async onModuleInit(): Promise<void> {
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, hostId: string) => {
      if (channel === this.revokeChannel) {
        for (const sink of this.registry.sinks(hostId)) {
          sink.fail(new UpkeepError('UNAUTHENTICATED', `agent ${hostId} has been revoked`));
        }
      } else if (this.registry.sinks(hostId).length > 0) {
        void this.deliverTo(hostId);
      }
    });
    await subscriber.subscribe(this.channel, this.revokeChannel);
  }

  async onApplicationShutdown(): Promise<void> {
    this.subscriber?.disconnect();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Ends the host's open sessions on every replica (after its revocation is committed). */
  async disconnect(hostId: string): Promise<void> {
    await this.redis.publish(this.revokeChannel, hostId);
  }

  /** Asks every replica to deliver the host's pending assignments. */
  async notify(hostId: string): Promise<void> {
    await this.redis.publish(this.channel, hostId);
  }

  /** Sends the host's unfinished assignments down its sessions on this replica. */
  deliverTo(hostId: string): Promise<void> {
    const previous = this.inFlight.get(hostId) ?? Promise.resolve();
    const next = previous
      .then(() => this.send(hostId))
      .catch((error: unknown) => {
        this.logger.error({ hostId, err: error }, 'delivering assignments failed');
      });
    this.inFlight.set(hostId, next);
    void next.then(() => {
      if (this.inFlight.get(hostId) === next) this.inFlight.delete(hostId);
    });
    return next;
  }

  private async send(hostId: string): Promise<void> {
    const sinks = this.registry.sinks(hostId);
    if (sinks.length === 0) return;
    const assignments = await this.jobs.pendingAssignments(hostId);
    if (assignments.length === 0) return;
    for (const sink of sinks) {
      for (const assignment of assignments) {
        sink.send({ event: { $case: 'assignment', value: assignment } });
      }
    }
    await this.jobs.markDelivered(assignments.map((assignment) => assignment.jobId));
    this.logger.debug(
      { hostId, jobs: assignments.map((assignment) => assignment.jobId) },
      'assignments sent',
    );
  }
}
