import { UpkeepError, redactUrl } from '@upkeep/errors';

/**
 * Refuses a Redis that may evict keys: BullMQ keeps queued jobs as ordinary
 * keys, so an eviction policy would drop work silently under memory pressure.
 * Reads INFO (allowed on managed Redis where CONFIG is not).
 */
export async function assertNoEviction(
  info: (section: string) => Promise<string>,
  redisUrl: string,
): Promise<void> {
  const text = await info('memory');
  const policy = /^maxmemory_policy:(\S+)/m.exec(text)?.[1];
  if (policy === undefined) {
    throw new UpkeepError(
      'CONFIG_INVALID',
      `Redis at ${redactUrl(redisUrl)} did not report its maxmemory_policy`,
      {
        hint: 'use Redis 5 or newer',
      },
    );
  }
  if (policy !== 'noeviction') {
    throw new UpkeepError(
      'CONFIG_INVALID',
      `Redis at ${redactUrl(redisUrl)} has maxmemory-policy ${policy}; the control plane needs noeviction, ` +
        'because Redis would otherwise delete queued jobs when it runs short of memory',
      { hint: 'set `maxmemory-policy noeviction` in redis.conf (or CONFIG SET maxmemory-policy noeviction)' },
    );
  }
}
