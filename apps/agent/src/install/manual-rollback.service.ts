import type { Clock } from '../common/clock.port.ts';
import type { Sleep } from '../download/http.port.ts';
import type { OperationJournal } from '../journal/operation-journal.service.ts';
import type { RollbackPointService } from '../rollback/rollback-point.service.ts';
import type { InstalledComponentsRepository } from '../state/installed-components.repository.ts';
import type { StateDatabase } from '../state/state-database.repository.ts';
import type { RollbackPoint } from '../state/state.types.ts';
import type { UpgradeHistoryRepository } from '../state/upgrade-history.repository.ts';
import { sha256File } from '../verify/file-hash.repository.ts';
import { restorePrevious, rollbackFailed } from './restore.service.ts';
import type { AgentEventSink, ComponentRuntime, StepHooks } from './upgrade-plan.types.ts';

export interface ManualRollbackDeps {
  readonly db: StateDatabase;
  readonly journal: OperationJournal;
  readonly installed: InstalledComponentsRepository;
  readonly history: UpgradeHistoryRepository;
  readonly rollbackPoints: RollbackPointService;
  readonly clock: Clock;
  readonly now: () => number;
  readonly sleep: Sleep;
  readonly events?: AgentEventSink | undefined;
  readonly hooks?: StepHooks | undefined;
}

export interface ManualRollbackResult {
  readonly operationId: string;
  readonly fromVersion: string | null;
  readonly toVersion: string;
  readonly rollbackPointId: number;
}

/**
 * `upkeep-agent rollback <component> [--to <id>]`: restores a rollback point
 * (the newest by default) as a journaled operation of kind `rollback`, and
 * records the restored version as installed. The point is verified before
 * anything is stopped; a missing or corrupt one changes nothing.
 */
export async function rollbackToPoint(
  deps: ManualRollbackDeps,
  runtime: ComponentRuntime,
  pointId: number | null,
): Promise<ManualRollbackResult> {
  const point: RollbackPoint =
    pointId === null
      ? deps.rollbackPoints.latest(runtime.component)
      : deps.rollbackPoints.get(runtime.component, pointId);
  await deps.rollbackPoints.verify(point);
  const current = deps.installed.find(runtime.component);
  const currentSha = await sha256File(runtime.binaryPath).catch(() => null);
  const undo = { rollbackPointId: point.id, newSha256: currentSha };
  const handle = deps.journal.begin(
    'rollback',
    runtime.component,
    current?.version ?? null,
    point.version,
    undo,
  );
  try {
    await restorePrevious(handle, runtime, undo, {
      rollbackPoints: deps.rollbackPoints,
      now: deps.now,
      sleep: deps.sleep,
      hooks: deps.hooks,
    });
  } catch (error) {
    if (handle.entries().at(-1)?.step === 'begin')
      deps.db.transaction(() => {
        handle.step('aborted', { reason: String(error) });
      });
    throw rollbackFailed(runtime.component, new Error('manual rollback'), error);
  }
  recordRollback(
    deps,
    runtime,
    point,
    current?.version ?? null,
    handle.operationId,
    'manual rollback',
    () => {
      handle.step('restored', {});
    },
  );
  deps.events?.('rollback_executed', {
    component: runtime.component,
    reason: 'manual',
    from: current?.version ?? null,
    to: point.version,
    rollback_point_id: point.id,
  });
  return {
    operationId: handle.operationId,
    fromVersion: current?.version ?? null,
    toVersion: point.version,
    rollbackPointId: point.id,
  };
}

/** Records a completed rollback: the point's version is installed, and history says so (one transaction). */
export function recordRollback(
  deps: Pick<ManualRollbackDeps, 'db' | 'installed' | 'history' | 'clock'>,
  runtime: ComponentRuntime,
  point: RollbackPoint,
  fromVersion: string | null,
  operationId: string,
  reason: string,
  close: () => void,
): void {
  const now = deps.clock().toISOString();
  deps.db.transaction(() => {
    deps.installed.save({
      component: runtime.component,
      version: point.version,
      installedAt: now,
      installMethod: 'rollback',
      binaryPath: runtime.binaryPath,
      configPath: runtime.configPath,
      serviceName: runtime.serviceName,
      checksum: point.sha256,
      metadata: { operationId, rollbackPointId: point.id },
    });
    deps.history.append({
      component: runtime.component,
      fromVersion,
      toVersion: point.version,
      upgradedAt: now,
      method: 'rollback',
      success: true,
      errorMessage: reason,
      downtimeMs: null,
      rollbackPointId: point.id,
      changelog: null,
      operationId,
    });
    close();
  });
}
