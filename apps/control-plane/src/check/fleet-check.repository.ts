import { Inject, Injectable } from '@nestjs/common';
import { PRISMA } from '../common/tokens.ts';
import type { PrismaClient } from '../database/prisma-client.ts';
import type { FleetCheckFilter, HostInstallations, VersionCount } from './fleet-check.ts';

/** Active hosts with their inventory, filtered by labels (GIN index), group and component. */
@Injectable()
export class FleetCheckRepository {
  private readonly prisma: PrismaClient;

  constructor(@Inject(PRISMA) prisma: PrismaClient) {
    this.prisma = prisma;
  }

  /** Active hosts per environment label, component and version: a GROUP BY, bounded by the fleet's variety. */
  async versionCounts(environmentLabel: string): Promise<VersionCount[]> {
    return this.prisma.$queryRaw<VersionCount[]>`
      SELECT h.labels ->> ${environmentLabel} AS environment, i.component_name AS component,
             i.version, count(*)::int AS hosts
      FROM host_inventory i JOIN hosts h ON h.id = i.host_id
      WHERE h.status = 'active'
      GROUP BY 1, 2, 3`;
  }

  async hostsWithInventory(filter: FleetCheckFilter): Promise<HostInstallations[]> {
    const labels = JSON.stringify(filter.labels);
    const group = filter.group ?? null;
    const ids = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT id::text AS id FROM hosts
      WHERE status = 'active'
        AND labels @> ${labels}::jsonb
        AND (${group}::text IS NULL OR groups @> ARRAY[${group}::text])`;
    const rows = await this.prisma.host.findMany({
      where: { id: { in: ids.map((row) => row.id) } },
      orderBy: [{ hostname: 'asc' }, { id: 'asc' }],
      select: {
        id: true,
        hostname: true,
        labels: true,
        inventory: { orderBy: { componentName: 'asc' }, select: { componentName: true, version: true } },
      },
    });
    return rows.map((row) => ({
      hostId: row.id,
      hostname: row.hostname,
      labels: row.labels as Record<string, string>,
      installed: row.inventory.map((item) => ({ component: item.componentName, version: item.version })),
    }));
  }
}
