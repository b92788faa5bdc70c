import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { startPrivateRedis, type PrivateRedis } from '../testing/private-redis.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';

describe('start-up refuses a Redis that may evict queued jobs', () => {
  let redis: PrivateRedis;
  let environment: TestEnvironment;

  beforeAll(async () => {
    redis = await startPrivateRedis(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']);
    environment = await createTestEnvironment({ redisUrl: redis.url });
  });

  afterAll(async () => {
    await environment.cleanup();
    await redis.stop();
  });

  it('stops with a message that names the policy and says why', async () => {
    const error = await environment.start().catch((caught: unknown) => caught);
    expect(isUpkeepError(error) && error.code).toBe('CONFIG_INVALID');
    expect((error as Error).message).toContain('has maxmemory-policy allkeys-lru');
    expect((error as Error).message).toContain('needs noeviction');
    expect((error as Error).message).toContain('delete queued jobs');
  });

  it('refuses an unreachable Redis with UNAVAILABLE naming it', async () => {
    const unreachable = await createTestEnvironment({ redisUrl: 'redis://127.0.0.1:1' });
    try {
      const error = await unreachable.start().catch((caught: unknown) => caught);
      expect(isUpkeepError(error) && error.code).toBe('UNAVAILABLE');
      expect((error as Error).message).toContain('cannot reach Redis at redis://127.0.0.1:1');
    } finally {
      // cleanup() would try the unreachable Redis; drop what was created instead.
      await unreachable.schema.drop();
      await rm(unreachable.dir, { recursive: true, force: true });
    }
  });
});
