import { Inject, Injectable } from '@nestjs/common';
import { PRISMA } from '../common/tokens.ts';
import type { PrismaClient } from '../database/prisma-client.ts';
import type { DriftHost, LastUpgrade, StoredAdvisory } from './drift.ts';

function rolledBackOf(result: unknown): { rolledBack: boolean; message: string } {
  if (typeof result !== 'object' || result === null) return { rolledBack: false, message: '' };
  const record = result as Record<string, unknown>;
  const details = record['details'];
  const rolledBack =
    typeof details === 'object' &&
    details !== null &&
    (details as Record<string, unknown>)['rolled_back'] === true;
  return { rolledBack, message: typeof record['message'] === 'string' ? record['message'] : '' };
}

/** What the drift report reads besides the fleet check: host groups, last upgrades, advisories. */
@Injectable()
export class DriftRepository {
  private readonly prisma: PrismaClient;

  constructor(@Inject(PRISMA) prisma: PrismaClient) {
    this.prisma = prisma;
  }

  async hosts(ids: readonly string[]): Promise<Map<string, DriftHost>> {
    const rows = await this.prisma.host.findMany({
      where: { id: { in: [...ids] } },
      select: { id: true, groups: true, lastSeenAt: true },
    });
    return new Map(
      rows.map((row) => [row.id, { hostId: row.id, groups: row.groups, lastSeenAt: row.lastSeenAt }]),
    );
  }

  /** The newest finished upgrade job per host × component, for the given hosts. */
  async lastUpgrades(hostIds: readonly string[]): Promise<Map<string, LastUpgrade>> {
    if (hostIds.length === 0) return new Map();
    const rows = await this.prisma.$queryRaw<
      {
        id: string;
        host_id: string;
        component_name: string;
        target_version: string | null;
        state: string;
        result: unknown;
        finished_at: Date | null;
      }[]
    >`
      SELECT DISTINCT ON (host_id, component_name)
        id::text AS id, host_id::text AS host_id, component_name, target_version, state::text AS state,
        result, finished_at
      FROM jobs
      WHERE kind = 'upgrade' AND finished_at IS NOT NULL AND host_id = ANY(${[...hostIds]}::uuid[])
      ORDER BY host_id, component_name, finished_at DESC, id DESC`;
    const byKey = new Map<string, LastUpgrade>();
    for (const row of rows) {
      byKey.set(`${row.host_id}\u0000${row.component_name}`, {
        hostId: row.host_id,
        component: row.component_name,
        jobId: row.id,
        targetVersion: row.target_version,
        state: row.state,
        ...rolledBackOf(row.result),
        finishedAt: row.finished_at,
      });
    }
    return byKey;
  }

  async advisories(components: readonly string[]): Promise<StoredAdvisory[]> {
    const rows = await this.prisma.advisory.findMany({
      where: { component: { name: { in: [...components] } } },
      orderBy: { externalId: 'asc' },
      select: {
        externalId: true,
        severity: true,
        summary: true,
        fixedIn: true,
        affected: true,
        component: { select: { name: true } },
      },
    });
    return rows.map((row) => ({
      component: row.component.name,
      externalId: row.externalId,
      severity: row.severity,
      summary: row.summary,
      fixedIn: row.fixedIn,
      record: row.affected,
    }));
  }
}
