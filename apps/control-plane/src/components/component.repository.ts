import { Inject, Injectable } from '@nestjs/common';
import { PRISMA } from '../common/tokens.ts';
import type { PrismaClient } from '../database/prisma-client.ts';
import type { AdvisoryView, BreakingChangeView, ComponentView, ReleaseView } from './component.ts';

type ReleaseRow = {
  version: string;
  tag: string;
  prerelease: boolean;
  publishedAt: Date | null;
  notesUrl: string | null;
};

const toRelease = (row: ReleaseRow): ReleaseView => ({
  version: row.version,
  tag: row.tag,
  prerelease: row.prerelease,
  publishedAt: row.publishedAt?.toISOString() ?? null,
  notesUrl: row.notesUrl,
});

/** The catalog as discovery filled it, and what the fleet reports installed. */
@Injectable()
export class ComponentRepository {
  private readonly prisma: PrismaClient;

  constructor(@Inject(PRISMA) prisma: PrismaClient) {
    this.prisma = prisma;
  }

  async list(): Promise<ComponentView[]> {
    const [components, installed] = await Promise.all([
      this.prisma.component.findMany({
        orderBy: { name: 'asc' },
        include: {
          sources: { orderBy: { priority: 'asc' }, select: { kind: true, priority: true } },
          releases: { orderBy: [{ publishedAt: { sort: 'desc', nulls: 'last' } }], take: 1 },
        },
      }),
      this.prisma.hostInventory.groupBy({ by: ['componentName', 'version'], _count: { _all: true } }),
    ]);
    // Components hosts report but the catalog does not list yet are shown too.
    const names = new Set([
      ...components.map((component) => component.name),
      ...installed.map((row) => row.componentName),
    ]);
    return [...names].sort().map((name) => {
      const component = components.find((candidate) => candidate.name === name);
      const release = component?.releases[0];
      return {
        name,
        description: component?.description ?? '',
        sources: component?.sources ?? [],
        latest: release === undefined ? null : toRelease(release),
        installed: Object.fromEntries(
          installed.filter((row) => row.componentName === name).map((row) => [row.version, row._count._all]),
        ),
      };
    });
  }

  /** Releases of one component, newest first; null when the catalog does not know it. */
  async releases(name: string, limit: number): Promise<ReleaseView[] | null> {
    const component = await this.prisma.component.findUnique({
      where: { name },
      include: {
        releases: {
          orderBy: [{ publishedAt: { sort: 'desc', nulls: 'last' } }, { version: 'desc' }],
          take: limit,
        },
      },
    });
    return component === null ? null : component.releases.map(toRelease);
  }

  /** Stored advisories and breaking changes of one component; null when the catalog does not know it. */
  async risks(
    name: string,
  ): Promise<{ advisories: AdvisoryView[]; breakingChanges: BreakingChangeView[] } | null> {
    const component = await this.prisma.component.findUnique({
      where: { name },
      include: {
        advisories: { orderBy: [{ publishedAt: { sort: 'desc', nulls: 'last' } }, { externalId: 'asc' }] },
        breakingChanges: { orderBy: { version: 'desc' } },
      },
    });
    if (component === null) return null;
    return {
      advisories: component.advisories.map((row) => ({
        id: row.externalId,
        severity: row.severity,
        summary: row.summary,
        fixedIn: row.fixedIn,
        publishedAt: row.publishedAt?.toISOString() ?? null,
      })),
      breakingChanges: component.breakingChanges.map((row) => ({
        version: row.version,
        description: row.description,
        migrationNotes: row.migrationNotes,
      })),
    };
  }
}
