import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { CLOCK, CONFIG, LOGGER } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import type { AppConfig } from '../config/app-config.ts';
import { AssignmentDispatcher } from '../jobs/assignment-dispatcher.ts';
import { DiscoveryService } from '../discovery/discovery.service.ts';
import { NotificationDeliveryService } from '../notifications/notification-delivery.service.ts';
import { JobRepository } from '../jobs/job.repository.ts';
import { OutboxRepository } from './outbox.repository.ts';
import { QueueRepository } from './queue.repository.ts';

/** Published outbox rows are kept a week for diagnosis, then deleted. */
const OUTBOX_RETENTION_MS = 7 * 86_400_000;

/** Which background loops this process runs; tests switch them off to stage faults. */
export interface BackgroundOptions {
  readonly relay: boolean;
  readonly reconciler: boolean;
  readonly workers: boolean;
  /** The rollout driver's tick (rollouts/rollout-driver.ts); absent means on. */
  readonly rolloutDriver?: boolean;
}

export const BACKGROUND_OPTIONS = Symbol('BackgroundOptions');

/**
 * The loops that make "work is never lost" true: the relay moves outbox rows
 * to BullMQ, workers act on queue jobs, and the reconciler re-enqueues
 * whatever Postgres says is unfinished (after a Redis flush, a crash between
 * commit and enqueue, or a lost notification).
 */
@Injectable()
export class BackgroundWork implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly config: AppConfig;
  private readonly options: BackgroundOptions;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly outbox: OutboxRepository;
  private readonly queues: QueueRepository;
  private readonly jobs: JobRepository;
  private readonly dispatcher: AssignmentDispatcher;
  private readonly discovery: DiscoveryService;
  private readonly notifications: NotificationDeliveryService;
  private readonly timers: NodeJS.Timeout[] = [];
  private relaying: Promise<number> | undefined;
  private stopped = false;

  constructor(
    @Inject(CONFIG) config: AppConfig,
    @Inject(BACKGROUND_OPTIONS) options: BackgroundOptions,
    @Inject(LOGGER) logger: Logger,
    @Inject(CLOCK) clock: Clock,
    @Inject(OutboxRepository) outbox: OutboxRepository,
    @Inject(QueueRepository) queues: QueueRepository,
    @Inject(JobRepository) jobs: JobRepository,
    @Inject(AssignmentDispatcher) dispatcher: AssignmentDispatcher,
    @Inject(DiscoveryService) discovery: DiscoveryService,
    @Inject(NotificationDeliveryService) notifications: NotificationDeliveryService,
  ) {
    this.config = config;
    this.options = options;
    this.logger = logger;
    this.clock = clock;
    this.outbox = outbox;
    this.queues = queues;
    this.jobs = jobs;
    this.dispatcher = dispatcher;
    this.discovery = discovery;
    this.notifications = notifications;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.workers) {
      this.queues.startWorkers({
        assignments: {
          dispatch: async (payload) => {
            await this.dispatcher.notify(payload.hostId);
          },
        },
        discovery: {
          refresh: async (payload) => {
            await this.discovery.refresh(payload.component);
          },
        },
        notifications: {
          deliver: async (payload) => {
            await this.notifications.deliver(payload.deliveryId);
          },
        },
      });
      await this.discovery.registerSchedules();
    }
    if (this.options.relay) {
      this.every(this.config.outboxPollMs, () => this.relayOnce());
    }
    if (this.options.reconciler) {
      this.every(this.config.reconcileIntervalMs, () => this.reconcileOnce());
    }
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
  }

  private every(intervalMs: number, task: () => Promise<unknown>): void {
    const run = (): void => {
      if (this.stopped) return;
      task()
        .catch((error: unknown) => {
          this.logger.warn({ err: error }, 'background task failed; retrying next round');
        })
        .finally(() => {
          if (!this.stopped) this.timers.push(setTimeout(run, intervalMs).unref());
        });
    };
    this.timers.push(setTimeout(run, 0).unref());
  }

  /** Moves every unpublished outbox row to BullMQ; returns how many. */
  async relayOnce(): Promise<number> {
    // One relay at a time per process; a nudge during a round joins it.
    this.relaying ??= (async () => {
      let total = 0;
      try {
        for (;;) {
          const moved = await this.outbox.relayBatch(async (messages) => {
            for (const message of messages) await this.queues.add(message);
          });
          total += moved;
          if (moved === 0) return total;
        }
      } finally {
        this.relaying = undefined;
      }
    })();
    return this.relaying;
  }

  /** Lets a fresh outbox row go out now rather than at the next poll. */
  nudge(): void {
    if (!this.options.relay) return;
    this.relayOnce().catch((error: unknown) => {
      this.logger.warn({ err: error }, 'relay after commit failed; the poll will retry');
    });
  }

  /** Expires overdue jobs and re-enqueues those not delivered for a full period. */
  async reconcileOnce(
    olderThanMs = this.config.reconcileIntervalMs,
  ): Promise<{ expired: number; requeued: number }> {
    const expired = await this.jobs.expireOverdue();
    await this.outbox.deletePublishedBefore(new Date(this.clock.now().getTime() - OUTBOX_RETENTION_MS));
    const stale = await this.jobs.staleUndelivered(new Date(this.clock.now().getTime() - olderThanMs), 1000);
    for (const { jobId, hostId } of stale) {
      await this.queues.add({
        id: jobId,
        queue: 'assignments',
        name: 'dispatch',
        payload: { jobId, hostId },
      });
    }
    await this.jobs.touch(stale.map((entry) => entry.jobId));
    // Deliveries owed but idle a full period lost their queue job (Redis flushed): enqueue again.
    for (const deliveryId of await this.notifications.staleDeliveries(olderThanMs)) {
      await this.queues.add({
        id: deliveryId,
        queue: 'notifications',
        name: 'deliver',
        payload: { deliveryId },
      });
    }
    if (expired > 0 || stale.length > 0)
      this.logger.info({ expired, requeued: stale.length }, 'reconciled jobs');
    return { expired, requeued: stale.length };
  }
}
