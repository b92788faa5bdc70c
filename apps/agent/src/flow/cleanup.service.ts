import type { AgentContext } from '../runtime/agent-context.repository.ts';
import { retentionOf } from '../runtime/component-runtime.service.ts';
import {
  clearWorkDir,
  pruneArtifactCache,
  type RemovedArtifact,
} from '../runtime/artifact-cache.repository.ts';

export interface CleanupReport {
  readonly rollback_points_removed: readonly {
    readonly component: string;
    readonly id: number;
    readonly version: string;
    readonly bytes: number;
  }[];
  readonly artifacts_removed: readonly RemovedArtifact[];
  readonly work_dirs_removed: number;
  readonly journal_entries_removed: number;
  readonly cache_entries_removed: number;
  readonly bytes_freed: number;
}

/**
 * `cleanup`: rollback points past retention (the newest and those an unfinished
 * operation needs are kept), downloaded artifacts of versions not installed,
 * leftover extraction folders, journal entries of finished operations (history
 * keeps their outcome), and cached upstream answers past `cache.max_age`.
 */
export async function cleanup(ctx: AgentContext): Promise<CleanupReport> {
  const needed = new Set<number>();
  for (const open of ctx.journal.unfinished()) {
    for (const entry of ctx.journalRepo.entries(open.operationId)) {
      const id = entry.data['rollbackPointId'];
      if (typeof id === 'number') needed.add(id);
    }
  }
  const components = new Set([...ctx.points.components(), ...ctx.componentNames]);
  const retention = retentionOf(ctx.global);
  const pointsRemoved: CleanupReport['rollback_points_removed'][number][] = [];
  for (const component of components) {
    for (const point of await ctx.rollbackPoints.prune(component, retention, needed)) {
      pointsRemoved.push({ component, id: point.id, version: point.version, bytes: point.sizeBytes });
    }
  }
  const keep = new Map(ctx.installed.list().map((c) => [c.component, c.version]));
  const artifacts = await pruneArtifactCache(ctx.locations.artifactCache, keep);
  const workDirs = ctx.journal.unfinished().length === 0 ? await clearWorkDir(ctx.locations.workDir) : 0;
  const journalRemoved = ctx.journalRepo.pruneFinished(ctx.clock().toISOString());
  const cacheRemoved = ctx.resolver.pruneCache(
    new Date(ctx.clock().getTime() - ctx.global.cache.max_age * 1000),
  );
  const report: CleanupReport = {
    rollback_points_removed: pointsRemoved,
    artifacts_removed: artifacts,
    work_dirs_removed: workDirs,
    journal_entries_removed: journalRemoved,
    cache_entries_removed: cacheRemoved,
    bytes_freed:
      pointsRemoved.reduce((sum, p) => sum + p.bytes, 0) + artifacts.reduce((sum, a) => sum + a.bytes, 0),
  };
  ctx.log.event('cleanup_completed', { ...report });
  return report;
}
