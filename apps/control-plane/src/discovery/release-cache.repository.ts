import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { CacheEntry, CacheKey, CacheStore } from '@upkeep/sources';
import { PRISMA } from '../common/tokens.ts';
import type { PrismaClient } from '../database/prisma-client.ts';

/**
 * libs/sources' persistent cache tier on the `release_cache` table, shared by every
 * replica: one upstream answer serves the whole fleet. A key's component is the
 * catalog component; entries hang off its first source (discovery writes one per
 * component). The body is kept as a JSON string, exactly as the source validated it.
 */
@Injectable()
export class ReleaseCacheRepository implements CacheStore {
  private readonly prisma: PrismaClient;

  constructor(@Inject(PRISMA) prisma: PrismaClient) {
    this.prisma = prisma;
  }

  async get(key: CacheKey): Promise<CacheEntry | undefined> {
    const row = await this.prisma.releaseCacheEntry.findFirst({
      where: { cacheKey: key.key, source: { component: { name: key.component } } },
      orderBy: { fetchedAt: 'desc' },
    });
    if (row === null || typeof row.body !== 'string') return undefined;
    return {
      body: row.body,
      etag: row.etag,
      last_modified: row.lastModified,
      fetched_at: row.fetchedAt.getTime(),
      ttl_seconds: Math.max(0, Math.round((row.expiresAt.getTime() - row.fetchedAt.getTime()) / 1000)),
    };
  }

  async set(key: CacheKey, entry: CacheEntry): Promise<void> {
    const source = await this.prisma.componentSource.findFirst({
      where: { component: { name: key.component } },
      orderBy: { priority: 'asc' },
      select: { id: true },
    });
    // A component discovery has not registered has nowhere to hang its entry; the memory tier still serves it.
    if (source === null) return;
    const values = {
      etag: entry.etag,
      lastModified: entry.last_modified,
      body: entry.body,
      fetchedAt: new Date(entry.fetched_at),
      expiresAt: new Date(entry.fetched_at + entry.ttl_seconds * 1000),
    };
    await this.prisma.releaseCacheEntry.upsert({
      where: { sourceId_cacheKey: { sourceId: source.id, cacheKey: key.key } },
      create: { id: randomUUID(), sourceId: source.id, cacheKey: key.key, ...values },
      update: values,
    });
  }

  async delete(key: CacheKey): Promise<void> {
    await this.prisma.releaseCacheEntry.deleteMany({
      where: { cacheKey: key.key, source: { component: { name: key.component } } },
    });
  }
}
