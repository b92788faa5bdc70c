import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { AgentSession } from '@upkeep/agent-client';
import type { RunningControlPlane } from '../bootstrap.ts';
import { BackgroundWork } from '../outbox/background-work.ts';
import { QueueRepository } from '../outbox/queue.repository.ts';
import { startPrivateRedis, type PrivateRedis } from '../testing/private-redis.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import { enrollTestAgent, eventually, startTestAgent, TEST_OPERATOR } from '../testing/test-agent.ts';
import { JobService } from './job.service.ts';

// FLUSHALL on a Redis of its own: the machine's Redis serves other tests in parallel.
describe('Redis flushed: the state rebuilds from Postgres', () => {
  let redis: PrivateRedis;
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;
  let session: AgentSession | undefined;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    environment = await createTestEnvironment({ redisUrl: redis.url });
    // Workers off, so queued jobs stay visible in BullMQ for the test to inspect.
    controlPlane = await environment.start({ background: { workers: false, reconciler: false } });
  });

  afterAll(async () => {
    await session?.stop();
    await environment.cleanup();
    await redis.stop();
  });

  it('re-enqueues unfinished jobs under the same operation id and still delivers them', async () => {
    const jobs = controlPlane.app.get(JobService);
    const queues = controlPlane.app.get(QueueRepository);
    const identity = await enrollTestAgent(environment, controlPlane);
    const created = await jobs.create(
      {
        hostId: identity.agentId,
        kind: 'upgrade',
        component: 'promtail',
        targetVersion: '3.0.0',
        artifact: { url: 'https://cp.example/a', sha256: 'e'.repeat(64) },
      },
      TEST_OPERATOR,
    );
    await eventually(
      async () => ((await queues.jobIds('assignments')).includes(created.id) ? true : undefined),
      'the relay',
    );

    const admin = new Redis(redis.url);
    try {
      await admin.flushall();
      expect(await admin.dbsize()).toBe(0);
    } finally {
      admin.disconnect();
    }
    expect(await queues.jobIds('assignments')).toEqual([]);

    const reconciled = await controlPlane.app.get(BackgroundWork).reconcileOnce(0);
    expect(reconciled.requeued).toBe(1);
    expect(await queues.jobIds('assignments')).toEqual([created.id]);

    // And the agent gets the job from Postgres when it connects, whatever Redis lost.
    session = startTestAgent(environment, identity);
    const job = await eventually(async () => {
      const current = await jobs.get(created.id);
      return current.state === 'succeeded' ? current : undefined;
    }, 'the job to succeed');
    expect(job.deliveryCount).toBeGreaterThanOrEqual(1);
  });
});
