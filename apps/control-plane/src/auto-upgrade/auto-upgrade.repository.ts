import { Inject, Injectable } from '@nestjs/common';
import { PRISMA } from '../common/tokens.ts';
import type { PrismaClient, Transaction } from '../database/prisma-client.ts';

/** How long one auto-upgrade decision may hold its lock (planning reads the fleet; creating writes it). */
const LOCK_TIMEOUT_MS = 120_000;

/**
 * Postgres for auto-upgrade: a transaction-scoped advisory lock per component, version and
 * environment, so only one replica at a time decides about it, and the check
 * that a rollout of that version already exists.
 */
@Injectable()
export class AutoUpgradeRepository {
  private readonly prisma: PrismaClient;

  constructor(@Inject(PRISMA) prisma: PrismaClient) {
    this.prisma = prisma;
  }

  /**
   * Runs `work` inside a transaction holding the advisory lock named `key` (released at its end),
   * or returns `busy` at once when another transaction holds it: a waiter would hold a pooled
   * connection while the holder may need one to create the rollout.
   */
  async underLock<T>(key: string, work: (tx: Transaction) => Promise<T>): Promise<T | 'busy'> {
    return this.prisma.$transaction(
      async (tx) => {
        const [row] = await tx.$queryRaw<{ locked: boolean }[]>`
          SELECT pg_try_advisory_xact_lock(hashtextextended(${key}, 0)) AS locked`;
        return row?.locked === true ? work(tx) : 'busy';
      },
      { timeout: LOCK_TIMEOUT_MS, maxWait: 30_000 },
    );
  }

  /** The id of a rollout (any state, by anyone) of this component version in this environment, if any. */
  async existingRollout(
    tx: Transaction,
    component: string,
    environment: string,
    version: string,
  ): Promise<string | null> {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT id::text AS id FROM rollouts
      WHERE component_name = ${component} AND environment = ${environment} AND target_version = ${version}
      ORDER BY created_at LIMIT 1`;
    return rows[0]?.id ?? null;
  }
}
