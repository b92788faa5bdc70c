import { rm } from 'node:fs/promises';
import { UpkeepError, isUpkeepError } from '@upkeep/errors';
import type { Sleep } from '../download/http.port.ts';
import { waitUntilHealthy } from '../health/health-check.service.ts';
import type { JournalHandle } from '../journal/operation-journal.service.ts';
import type { RollbackPointService } from '../rollback/rollback-point.service.ts';
import type { JournalStep } from '../state/journal.types.ts';
import { sha256File } from '../verify/file-hash.repository.ts';
import { removeStaleTemps } from './atomic-file.repository.ts';
import type { ComponentRuntime, StepHooks } from './upgrade-plan.types.ts';

export interface RestoreContext {
  readonly rollbackPoints: RollbackPointService;
  readonly now: () => number;
  readonly sleep: Sleep;
  readonly hooks?: StepHooks | undefined;
}

/** What the journal knows that an undo needs. */
export interface UndoData {
  /** The rollback point to restore; null after a first install (there was nothing before). */
  readonly rollbackPointId: number | null;
  /** sha256 of the binary the failed operation installed. */
  readonly newSha256: string | null;
}

/**
 * Puts the previous version back: stop, restore the rollback point's files
 * (verified first; a missing or corrupt point stops here and changes nothing),
 * reload the unit if it changed, start, health-check. After a first install
 * there is no point: the new binary is removed, and only if it is the one this
 * operation installed. Every step is journaled, and the whole is idempotent,
 * so recovery can run it again from the top after a crash.
 */
export async function restorePrevious(
  handle: JournalHandle,
  runtime: ComponentRuntime,
  undo: UndoData,
  ctx: RestoreContext,
): Promise<void> {
  const step = async (name: JournalStep, work: () => Promise<void>): Promise<void> => {
    handle.step(name, { ...undo });
    await ctx.hooks?.before?.(name, handle.operationId);
    await work();
    await ctx.hooks?.after?.(name, handle.operationId);
  };
  // Verify before stopping anything: a broken point must not cost the service.
  const point =
    undo.rollbackPointId === null ? null : ctx.rollbackPoints.get(runtime.component, undo.rollbackPointId);
  if (point !== null) await ctx.rollbackPoints.verify(point);

  await step('restore_stop', async () => {
    try {
      await runtime.service.stop();
    } catch {
      // A service that will not stop is replaced by rename all the same and
      // restarted below; its stop error is not the one to report.
    }
  });
  await step('restore_swap', async () => {
    await removeStaleTemps(runtime.binaryPath);
    if (point !== null) {
      const { unitChanged } = await ctx.rollbackPoints.restore(point, runtime.owner);
      if (unitChanged) await runtime.service.unitChanged();
      return;
    }
    const current = await sha256File(runtime.binaryPath).catch(() => null);
    if (current !== null && current === undo.newSha256) await rm(runtime.binaryPath, { force: true });
  });
  if (point === null) return;
  await step('restore_start', () => runtime.service.start());
  await step('restore_health', async () => {
    if (runtime.healthProbe === null) return;
    await waitUntilHealthy(runtime.component, runtime.healthProbe, runtime.healthTiming, {
      now: ctx.now,
      sleep: ctx.sleep,
    });
  });
}

/** Wraps a failed restore: the host may now run neither version, and the operator must know. */
export function rollbackFailed(component: string, original: unknown, restoreError: unknown): UpkeepError {
  if (
    isUpkeepError(restoreError) &&
    (restoreError.code === 'ROLLBACK_POINT_MISSING' || restoreError.code === 'STATE_CORRUPT')
  ) {
    return new UpkeepError(restoreError.code, `${component}: rollback impossible: ${restoreError.message}`, {
      details: { ...restoreError.details, component, originalError: describe(original) },
      hint: `${restoreError.hint ?? ''} The upgrade failed first: ${describe(original)}. The current binary was left in place.`.trim(),
      cause: restoreError,
    });
  }
  return new UpkeepError('ROLLBACK_FAILED', `${component}: rollback failed: ${describe(restoreError)}`, {
    details: { component, originalError: describe(original), restoreError: describe(restoreError) },
    hint: 'the journal keeps the operation open: fix the cause, then run `upkeep-agent recover`',
    cause: restoreError,
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
