import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fsError } from '../common/fs-error.service.ts';
import { writeFileAtomically } from '../install/atomic-file.repository.ts';
import type { InstalledComponentsRepository } from '../state/installed-components.repository.ts';
import type { RollbackPointsRepository } from '../state/rollback-points.repository.ts';
import type { StateDatabase } from '../state/state-database.repository.ts';
import { integerColumn, optionalTextColumn, textColumn } from '../state/state-row.ts';
import { renderMetrics, type ComponentMetrics } from './metrics-textfile.service.ts';

/** Reads the per-component figures for the metrics file from the state database. */
export function collectMetrics(
  db: StateDatabase,
  installed: InstalledComponentsRepository,
  points: RollbackPointsRepository,
): ComponentMetrics[] {
  const names = new Set<string>();
  for (const row of db.all('SELECT DISTINCT component FROM upgrade_history'))
    names.add(textColumn(row, 'component'));
  for (const c of installed.list()) names.add(c.component);
  for (const c of points.components()) names.add(c);
  return [...names].map((component) => {
    const counts = db.all(
      `SELECT upgrade_method, success, error_message, COUNT(*) AS n FROM upgrade_history
       WHERE component = :component GROUP BY upgrade_method, success, error_message`,
      { component },
    );
    let upgradesSucceeded = 0;
    let upgradesFailed = 0;
    const rollbacks: Record<string, number> = {};
    for (const row of counts) {
      const n = integerColumn(row, 'n');
      if (optionalTextColumn(row, 'upgrade_method') === 'rollback') {
        const message = optionalTextColumn(row, 'error_message') ?? '';
        const reason = message.startsWith('automatic')
          ? 'automatic'
          : message.startsWith('recovery')
            ? 'recovery'
            : 'manual';
        rollbacks[reason] = (rollbacks[reason] ?? 0) + n;
      } else if (integerColumn(row, 'success') !== 0) {
        upgradesSucceeded += n;
      } else {
        upgradesFailed += n;
      }
    }
    const last = db.get(
      `SELECT upgraded_at, downtime_ms FROM upgrade_history
       WHERE component = :component AND success = 1 AND (upgrade_method IS NULL OR upgrade_method != 'rollback')
       ORDER BY upgraded_at DESC, id DESC LIMIT 1`,
      { component },
    );
    const downtime = last?.downtime_ms;
    return {
      component,
      installedVersion: installed.find(component)?.version ?? null,
      upgradesSucceeded,
      upgradesFailed,
      rollbacks,
      lastSuccessSeconds: last === undefined ? null : Date.parse(textColumn(last, 'upgraded_at')) / 1000,
      lastDowntimeSeconds: typeof downtime === 'number' ? downtime / 1000 : null,
      rollbackPoints: points.list(component).length,
    };
  });
}

/** Writes `upkeep.prom` into node_exporter's textfile folder by atomic rename (it never reads half a file). */
export async function writeMetricsTextfile(
  dir: string,
  components: readonly ComponentMetrics[],
  now: Date,
): Promise<string> {
  const path = join(dir, 'upkeep.prom');
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw fsError('create', dir, error, 'check global.metrics.textfile_dir');
  }
  await writeFileAtomically(path, renderMetrics(components, Math.floor(now.getTime() / 1000)), 0o644);
  return path;
}
