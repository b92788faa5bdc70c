import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { OsvRecord as SourceOsvRecord, Release } from '@upkeep/sources';
import { PRISMA } from '../common/tokens.ts';
import type { PrismaClient } from '../database/prisma-client.ts';
import type { Prisma } from '../database/prisma-client.ts';
import type { ComponentSource } from './component-source.ts';

/** Advisory lock key of catalog registration (distinct from the migrator's 72707369). */
const CATALOG_LOCK = 72707370;

/** A stored release as `resolveVersion` and the artifact fetcher read it. */
export interface StoredRelease {
  readonly version: string;
  readonly tag: string;
  readonly prerelease: boolean;
  readonly publishedAt: string | null;
}

/** The catalog discovery writes: components, their source, releases and advisories. */
@Injectable()
export class CatalogRepository {
  private readonly prisma: PrismaClient;

  constructor(@Inject(PRISMA) prisma: PrismaClient) {
    this.prisma = prisma;
  }

  /**
   * Creates or updates each component and its (single) source from versions.yaml, in one
   * transaction under an advisory lock, so replicas starting together write the catalog once.
   */
  async registerComponents(components: readonly ComponentSource[], now: Date): Promise<void> {
    if (components.length === 0) return;
    await this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CATALOG_LOCK})`;
        for (const component of components) {
          const config = JSON.parse(JSON.stringify(component.spec)) as Prisma.InputJsonObject;
          const row = await tx.component.upsert({
            where: { name: component.name },
            create: { id: randomUUID(), name: component.name },
            update: { updatedAt: now },
          });
          const [first] = await tx.componentSource.findMany({
            where: { componentId: row.id },
            orderBy: { priority: 'asc' },
            take: 1,
          });
          if (first === undefined) {
            await tx.componentSource.create({
              data: { id: randomUUID(), componentId: row.id, kind: component.spec.kind, config, priority: 0 },
            });
          } else if (
            first.kind !== component.spec.kind ||
            canonicalJson(first.config) !== canonicalJson(config)
          ) {
            // The file changed where releases come from: the old source's cache no longer applies.
            await tx.componentSource.update({
              where: { id: first.id },
              data: { kind: component.spec.kind, config },
            });
            await tx.releaseCacheEntry.deleteMany({ where: { sourceId: first.id } });
          }
        }
      },
      { timeout: 60_000 },
    );
  }

  /** Upserts the releases whose tag reads as a version; returns how many were new. */
  async storeReleases(component: string, releases: readonly Release[], now: Date): Promise<number> {
    const row = await this.prisma.component.findUnique({ where: { name: component }, select: { id: true } });
    if (row === null) return 0;
    const existing = new Set(
      (await this.prisma.release.findMany({ where: { componentId: row.id }, select: { version: true } })).map(
        (release) => release.version,
      ),
    );
    let added = 0;
    for (const release of releases) {
      if (release.version === null) continue;
      const values = {
        tag: release.tag,
        prerelease: release.prerelease,
        publishedAt: release.published_at === null ? null : new Date(release.published_at),
        assets: release.assets.map((asset) => ({
          name: asset.name,
          url: asset.url,
          size: asset.size,
          ...(asset.sha256 === undefined ? {} : { sha256: asset.sha256 }),
        })),
      };
      await this.prisma.release.upsert({
        where: { componentId_version: { componentId: row.id, version: release.version } },
        create: {
          id: randomUUID(),
          componentId: row.id,
          version: release.version,
          discoveredAt: now,
          ...values,
        },
        update: values,
      });
      if (!existing.has(release.version)) added += 1;
    }
    return added;
  }

  /** Replaces a component's advisories with what OSV answered (the whole record is kept in `affected`). */
  async storeAdvisories(component: string, records: readonly SourceOsvRecord[]): Promise<void> {
    const row = await this.prisma.component.findUnique({ where: { name: component }, select: { id: true } });
    if (row === null) return;
    await this.prisma.$transaction(async (tx) => {
      await tx.advisory.deleteMany({ where: { componentId: row.id } });
      if (records.length === 0) return;
      await tx.advisory.createMany({
        data: records.map((record) => ({
          id: randomUUID(),
          componentId: row.id,
          externalId: record.id,
          severity: severityOf(record),
          summary: typeof record['summary'] === 'string' ? record['summary'] : '',
          affected: JSON.parse(JSON.stringify(record)) as Prisma.InputJsonObject,
          publishedAt: typeof record['published'] === 'string' ? new Date(record['published']) : null,
        })),
        skipDuplicates: true,
      });
    });
  }

  /** Stored releases per component name, newest first. */
  async releasesOf(names: readonly string[]): Promise<Map<string, StoredRelease[]>> {
    const rows = await this.prisma.release.findMany({
      where: { component: { name: { in: [...names] } } },
      orderBy: [{ publishedAt: { sort: 'desc', nulls: 'last' } }, { version: 'desc' }],
      select: {
        version: true,
        tag: true,
        prerelease: true,
        publishedAt: true,
        component: { select: { name: true } },
      },
    });
    const byName = new Map<string, StoredRelease[]>(names.map((name) => [name, []]));
    for (const row of rows) {
      byName.get(row.component.name)?.push({
        version: row.version,
        tag: row.tag,
        prerelease: row.prerelease,
        publishedAt: row.publishedAt?.toISOString() ?? null,
      });
    }
    return byName;
  }

  /** Stored OSV records per component name; a component without any stored has none in the map. */
  async advisoriesOf(names: readonly string[]): Promise<Map<string, unknown[]>> {
    const rows = await this.prisma.advisory.findMany({
      where: { component: { name: { in: [...names] } } },
      select: { affected: true, component: { select: { name: true } } },
    });
    const byName = new Map<string, unknown[]>();
    for (const row of rows) {
      const list = byName.get(row.component.name) ?? [];
      list.push(row.affected);
      byName.set(row.component.name, list);
    }
    return byName;
  }
}

/** JSON with object keys sorted: jsonb does not keep the key order it was given. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function severityOf(record: SourceOsvRecord): string {
  const specific = record['database_specific'];
  if (typeof specific === 'object' && specific !== null) {
    const severity = (specific as Record<string, unknown>)['severity'];
    if (typeof severity === 'string' && severity !== '') return severity.toLowerCase();
  }
  return 'unknown';
}
