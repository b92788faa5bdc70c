import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppConfig } from '../config/app-config.ts';
import { QueueRepository } from './queue.repository.ts';

type Handlers = Parameters<QueueRepository['startWorkers']>[0];

describe('QueueRepository.startWorkers', () => {
  // lazyConnect: nothing reaches Redis unless a worker starts, which these cases refuse first.
  const queues = new QueueRepository(
    { redisUrl: 'redis://127.0.0.1:1', queuePrefix: 'unit' } as AppConfig,
    pino({ level: 'silent' }),
  );

  afterEach(async () => {
    await queues.onApplicationShutdown();
  });

  it('refuses a handler table that misses a job of the registry', () => {
    expect(() => {
      queues.startWorkers({ assignments: {} } as unknown as Handlers);
    }).toThrow('queue assignments: no handler for [dispatch], unknown []');
  });

  it('refuses a handler for a job the registry does not know', () => {
    const handlers = {
      assignments: { dispatch: () => Promise.resolve(), dispatsh: () => Promise.resolve() },
      discovery: { refresh: () => Promise.resolve() },
      notifications: { deliver: () => Promise.resolve() },
    };
    expect(() => {
      queues.startWorkers(handlers);
    }).toThrow('unknown [dispatsh]');
  });
});
