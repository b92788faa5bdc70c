import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CONFIG, LOGGER } from '../common/tokens.ts';
import type { AppConfig } from '../config/app-config.ts';
import {
  JOB_NAMES,
  QUEUE_NAMES,
  type JobName,
  type OutboxMessage,
  type QueueName,
  type QueuePayloads,
} from './queue-registry.ts';

export type JobHandler<Q extends QueueName, N extends JobName<Q>> = (
  payload: QueuePayloads[Q][N],
  jobId: string,
) => Promise<void>;

export const QUEUE_JOB_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
export type QueueJobState = (typeof QUEUE_JOB_STATES)[number];

type HandlerTable = { [Q in QueueName]: { [N in JobName<Q>]: JobHandler<Q, N> } };

/** BullMQ behind one small interface: queues, their workers, and nothing else touches bullmq. */
@Injectable()
export class QueueRepository implements OnApplicationShutdown {
  private readonly config: AppConfig;
  private readonly logger: Logger;
  private readonly connection: Redis;
  private readonly queues = new Map<QueueName, Queue>();
  private readonly workers: Worker[] = [];

  constructor(@Inject(CONFIG) config: AppConfig, @Inject(LOGGER) logger: Logger) {
    this.config = config;
    this.logger = logger;
    // BullMQ needs maxRetriesPerRequest: null so its blocking commands wait out a Redis restart.
    this.connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  }

  private queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (queue === undefined) {
      queue = new Queue(name, { connection: this.connection, prefix: this.config.queuePrefix });
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Adds under the message's operation UUID: a job already waiting with that id is not added twice. */
  async add(message: OutboxMessage): Promise<void> {
    const retry = this.retryOf(message.queue);
    await this.queue(message.queue).add(message.name, message.payload, {
      jobId: message.id,
      // Removed on completion so the reconciler can enqueue the same operation again later.
      removeOnComplete: true,
      removeOnFail: 1000,
      attempts: retry.attempts,
      backoff: { type: 'exponential', delay: retry.delayMs },
    });
  }

  /** Notification deliveries retry as configured (UPKEEP_NOTIFY_*); every other queue 5 times from 1 s. */
  private retryOf(queue: QueueName): { attempts: number; delayMs: number } {
    return queue === 'notifications'
      ? { attempts: this.config.notifications.maxAttempts, delayMs: this.config.notifications.backoffMs }
      : { attempts: 5, delayMs: 1000 };
  }

  /**
   * Creates or updates a repeatable job under a deterministic scheduler id: every
   * replica may call this at start-up and one schedule results.
   */
  async upsertScheduler<Q extends QueueName, N extends JobName<Q>>(
    queue: Q,
    schedulerId: string,
    everyMs: number,
    name: N,
    payload: QueuePayloads[Q][N],
  ): Promise<void> {
    await this.queue(queue).upsertJobScheduler(
      schedulerId,
      { every: everyMs },
      { name, data: payload, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
  }

  async removeScheduler(queue: QueueName, schedulerId: string): Promise<void> {
    await this.queue(queue).removeJobScheduler(schedulerId);
  }

  /** Ids of the job schedulers of a queue (for tests and diagnostics). */
  async schedulerIds(queue: QueueName): Promise<string[]> {
    const schedulers = await this.queue(queue).getJobSchedulers();
    return schedulers.map((scheduler) => scheduler.key);
  }

  /** Ids of jobs waiting, delayed or active in a queue (for tests and diagnostics). */
  async jobIds(name: QueueName): Promise<string[]> {
    const jobs = await this.queue(name).getJobs(['waiting', 'delayed', 'active', 'prioritized']);
    return jobs.map((job) => job.id ?? '').filter((id) => id !== '');
  }

  /** How many jobs of a queue wait, run, failed or are delayed (the metrics endpoint's queue figures). */
  async jobCounts(name: QueueName): Promise<Readonly<Record<QueueJobState, number>>> {
    const counts = await this.queue(name).getJobCounts(...QUEUE_JOB_STATES);
    return Object.fromEntries(QUEUE_JOB_STATES.map((state) => [state, counts[state] ?? 0])) as Record<
      QueueJobState,
      number
    >;
  }

  /**
   * Starts one worker per queue. Refuses a table that misses a job name of the
   * registry (the type system already insists; this guards the wiring at run time).
   */
  startWorkers(handlers: HandlerTable): void {
    for (const queueName of QUEUE_NAMES) {
      const table = handlers[queueName] as Record<string, JobHandler<QueueName, never> | undefined>;
      const names = JOB_NAMES[queueName] as readonly string[];
      const missing = names.filter((name) => typeof table[name] !== 'function');
      const unknown = Object.keys(table).filter((name) => !names.includes(name));
      if (missing.length > 0 || unknown.length > 0) {
        throw new Error(
          `queue ${queueName}: no handler for [${missing.join(', ')}], unknown [${unknown.join(', ')}]`,
        );
      }
      const worker = new Worker(
        queueName,
        async (job: Job) => {
          const handler = table[job.name];
          if (handler === undefined) throw new Error(`no handler for ${queueName}/${job.name}`);
          await handler(job.data as never, job.id ?? '');
        },
        { connection: this.connection.duplicate(), prefix: this.config.queuePrefix, concurrency: 20 },
      );
      worker.on('failed', (job, error) => {
        this.logger.warn({ queue: queueName, jobId: job?.id, err: error }, 'queue job failed');
      });
      worker.on('error', (error) => {
        this.logger.error({ queue: queueName, err: error }, 'queue worker error');
      });
      this.workers.push(worker);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.connection.disconnect();
  }
}
