import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { PRISMA, REDIS } from '../common/tokens.ts';
import type { PrismaClient } from '../database/prisma-client.ts';
import { unappliedMigrations } from '../database/migrator.ts';

@Injectable()
export class HealthRepository {
  private readonly prisma: PrismaClient;
  private readonly redis: Redis;

  constructor(@Inject(PRISMA) prisma: PrismaClient, @Inject(REDIS) redis: Redis) {
    this.prisma = prisma;
    this.redis = redis;
  }

  async pingPostgres(): Promise<void> {
    await this.prisma.$queryRaw`SELECT 1`;
  }

  async pingRedis(): Promise<void> {
    await this.redis.ping();
  }

  unappliedMigrations(migrationsDir: string): Promise<string[]> {
    return unappliedMigrations(
      (sql) => this.prisma.$queryRawUnsafe<{ migration_name: string }[]>(sql),
      migrationsDir,
    );
  }
}
