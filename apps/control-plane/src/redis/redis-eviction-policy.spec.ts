import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { assertNoEviction } from './redis-eviction-policy.ts';

const info = (policy: string | null) => () =>
  Promise.resolve(
    `# Memory\r\nused_memory:1000\r\n${policy === null ? '' : `maxmemory_policy:${policy}\r\n`}`,
  );

describe('assertNoEviction', () => {
  it('accepts noeviction', async () => {
    await expect(assertNoEviction(info('noeviction'), 'redis://r:6379')).resolves.toBeUndefined();
  });

  it.each(['allkeys-lru', 'volatile-ttl', 'allkeys-random'])(
    'refuses %s and explains why',
    async (policy) => {
      const error = await assertNoEviction(info(policy), 'redis://:secret@r:6379').catch(
        (caught: unknown) => caught,
      );
      expect(isUpkeepError(error) && error.code).toBe('CONFIG_INVALID');
      expect((error as Error).message).toContain(`maxmemory-policy ${policy}`);
      expect((error as Error).message).toContain('would otherwise delete queued jobs');
      expect((error as Error).message).not.toContain('secret');
    },
  );

  it('refuses a Redis that does not report a policy', async () => {
    await expect(assertNoEviction(info(null), 'redis://r')).rejects.toThrow(
      'did not report its maxmemory_policy',
    );
  });
});
