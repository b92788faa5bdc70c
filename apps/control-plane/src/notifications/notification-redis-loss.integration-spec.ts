import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningControlPlane } from '../bootstrap.ts';
import { BackgroundWork } from '../outbox/background-work.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import { eventually } from '../testing/test-agent.ts';
import { NOTIFIER, type Notifier } from './notification-event.ts';

// Redis is a cache of work here: a delivery whose queue job vanished is found in Postgres and sent.
describe('notification deliveries after Redis lost their jobs', () => {
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;
  let server: Server;
  const received: unknown[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    environment = await createTestEnvironment();
    const policyFile = join(environment.dir, 'versions.yaml');
    await writeFile(
      policyFile,
      JSON.stringify({
        components: {},
        upgrade_policies: { notifications: { channels: ['hook'], webhooks: { hook: { url } } } },
      }),
    );
    environment.env['UPKEEP_POLICY_FILE'] = policyFile;
    // Workers run; the relay is off (so nothing reaches BullMQ behind the test's back) and the
    // reconciler is driven by the test.
    controlPlane = await environment.start({ background: { relay: false, reconciler: false } });
  }, 120_000);

  afterAll(async () => {
    await environment.cleanup();
    server.close();
  });

  it('re-enqueues a pending delivery from Postgres once its queue job is gone', async () => {
    const notifier = controlPlane.app.get<Notifier>(NOTIFIER);
    await controlPlane.prisma.$transaction(async (tx) => {
      await notifier.enqueue(
        tx,
        { kind: 'rollout_paused', title: 'paused', text: 'wave 1 failed', dedupeKey: 'redis-loss' },
        new Date(),
      );
    });
    // The outbox row marked published, the queue's keys gone: what a Redis flush after the relay leaves.
    await controlPlane.prisma.outboxMessage.updateMany({
      where: { queue: 'notifications', publishedAt: null },
      data: { publishedAt: new Date() },
    });
    const redis = new Redis(environment.env['REDIS_URL'] ?? '', { lazyConnect: true });
    await redis.connect();
    const keys = await redis.keys(`${environment.queuePrefix}:notifications:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    expect(received).toEqual([]);

    const reconciled = await controlPlane.app.get(BackgroundWork).reconcileOnce(0);
    expect(reconciled).toBeDefined();
    await eventually(
      async () => (received.length > 0 ? Promise.resolve(true) : undefined),
      'the delivery',
      30_000,
    );
    const delivery = await eventually(async () => {
      const row = await controlPlane.prisma.notificationDelivery.findFirst({ where: { channel: 'hook' } });
      return row?.state === 'delivered' ? row : undefined;
    }, 'the delivery to be recorded');
    expect(delivery.attempts).toBe(1);
    expect(received).toEqual([expect.objectContaining({ kind: 'rollout_paused', title: 'paused' })]);
  }, 60_000);
});
