import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { UpkeepError } from '@upkeep/errors';
import { LOGGER } from '../common/tokens.ts';
import { SessionRegistry } from '../gateway/session-registry.ts';
import { AgentNotificationRepository } from './agent-notification.repository.ts';
import { JobRepository } from './job.repository.ts';

/**
 * Gets assignments from Postgres to the agent's open session, wherever it is:
 * `notify` publishes on Redis, and the replica holding the session sends the
 * host's unfinished assignments in sequence order. Postgres stays the truth:
 * a lost notification only delays delivery until the next session or reconcile.
 */
@Injectable()
export class AssignmentDispatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger: Logger;
  private readonly notifications: AgentNotificationRepository;
  private readonly registry: SessionRegistry;
  private readonly jobs: JobRepository;
  /** Per-host chain, so two deliveries to one host never interleave. */
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    @Inject(LOGGER) logger: Logger,
    @Inject(AgentNotificationRepository) notifications: AgentNotificationRepository,
    @Inject(SessionRegistry) registry: SessionRegistry,
    @Inject(JobRepository) jobs: JobRepository,
  ) {
    this.logger = logger;
    this.notifications = notifications;
    this.registry = registry;
    this.jobs = jobs;
  }

  async onModuleInit(): Promise<void> {
    await this.notifications.subscribe({
      deliver: (hostId) => {
        if (this.registry.sinks(hostId).length > 0) void this.deliverTo(hostId);
      },
      revoke: (hostId) => {
        for (const sink of this.registry.sinks(hostId)) {
          sink.fail(new UpkeepError('UNAUTHENTICATED', `agent ${hostId} has been revoked`));
        }
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Asks every replica to deliver the host's pending assignments. */
  async notify(hostId: string): Promise<void> {
    await this.notifications.publishDeliver(hostId);
  }

  /** Ends the host's open sessions on every replica (after its revocation is committed). */
  async disconnect(hostId: string): Promise<void> {
    await this.notifications.publishRevoke(hostId);
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
