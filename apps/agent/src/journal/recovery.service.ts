import { UpkeepError, isUpkeepError } from '@upkeep/errors';
import type { Clock } from '../common/clock.port.ts';
import type { Sleep } from '../download/http.port.ts';
import { waitUntilHealthy } from '../health/health-check.service.ts';
import { recordRollback } from '../install/manual-rollback.service.ts';
import { restorePrevious, rollbackFailed } from '../install/restore.service.ts';
import { commitUpgrade } from '../install/upgrade-executor.service.ts';
import type { AgentEventSink, ComponentRuntime, StepHooks } from '../install/upgrade-plan.types.ts';
import type { RollbackPointService } from '../rollback/rollback-point.service.ts';
import type { FailedVersionsRepository } from '../state/failed-versions.repository.ts';
import type { InstalledComponentsRepository } from '../state/installed-components.repository.ts';
import type { JournalEntry, JournalStep } from '../state/journal.types.ts';
import type { StateDatabase } from '../state/state-database.repository.ts';
import type { InstalledComponent, NewUpgradeRecord } from '../state/state.types.ts';
import type { UpgradeHistoryRepository } from '../state/upgrade-history.repository.ts';
import type { OperationJournal } from './operation-journal.service.ts';

export interface RecoveryDeps {
  readonly db: StateDatabase;
  readonly journal: OperationJournal;
  readonly installed: InstalledComponentsRepository;
  readonly history: UpgradeHistoryRepository;
  readonly failed: FailedVersionsRepository;
  readonly rollbackPoints: RollbackPointService;
  /** The component's runtime from the current config; null when the config no longer has it. */
  readonly runtimeFor: (component: string) => ComponentRuntime | null;
  readonly clock: Clock;
  readonly now: () => number;
  readonly sleep: Sleep;
  readonly events?: AgentEventSink | undefined;
  readonly hooks?: StepHooks | undefined;
}

export type RecoveryOutcome = 'aborted' | 'restored' | 'committed' | 'failed';

export interface RecoveryReport {
  readonly operationId: string;
  readonly component: string;
  readonly kind: JournalEntry['kind'];
  readonly fromVersion: string | null;
  readonly toVersion: string | null;
  /** The last step the journal recorded before the interruption. */
  readonly interruptedAt: JournalStep;
  readonly outcome: RecoveryOutcome;
  readonly error?: UpkeepError | undefined;
}

/** Steps before which the live service and binary were never touched. */
const UNTOUCHED: ReadonlySet<JournalStep> = new Set([
  'begin',
  'download',
  'verify',
  'extract',
  'rollback_point',
]);
/** Steps after which the binary on disk may be the new one: undo them. */
const UNDO: ReadonlySet<JournalStep> = new Set([
  'swap',
  'start',
  'health',
  'restore_stop',
  'restore_swap',
  'restore_start',
  'restore_health',
]);

/** The newest value of `key` across an operation's entries. */
function latest(entries: readonly JournalEntry[], key: string): unknown {
  for (let i = entries.length - 1; i >= 0; i -= 1) {
    const data = entries[i]?.data;
    if (data !== undefined && key in data) return data[key];
  }
  return undefined;
}

/**
 * Finishes or undoes every operation a crash, kill -9 or power loss left
 * unfinished, so the host ends with the old version running or the new one
 * committed, never neither:
 * - stopped before `stop`: nothing on the host changed; the operation is closed;
 * - at `stop`: the old binary is intact; the service is started again if down;
 * - at `swap`, `start`, `health` or a restore step: the rollback point is
 *   restored (after a first install, the new binary is removed), restarted and
 *   health-checked;
 * - at `commit`: the health check had passed; the commit is completed from the
 *   journal's own record of it.
 * An operation that cannot be recovered (its rollback point is missing or
 * corrupt, the service will not start) stays open and is reported as failed.
 */
export async function recoverInterruptedOperations(deps: RecoveryDeps): Promise<RecoveryReport[]> {
  const reports: RecoveryReport[] = [];
  for (const last of deps.journal.unfinished()) {
    const handle = deps.journal.resume(last);
    const entries = handle.entries();
    const base = {
      operationId: last.operationId,
      component: last.component,
      kind: last.kind,
      fromVersion: last.fromVersion,
      toVersion: last.toVersion,
      interruptedAt: last.step,
    };
    const now = (): string => deps.clock().toISOString();
    const interrupted = `interrupted at step ${last.step} (agent restarted)`;
    try {
      const runtime = deps.runtimeFor(last.component);
      if (UNTOUCHED.has(last.step)) {
        deps.db.transaction(() => {
          deps.history.append(
            record(last, now(), false, `recovery: ${interrupted}; nothing was changed`, null),
          );
          handle.step('aborted', { recovered: true });
        });
        reports.push({ ...base, outcome: 'aborted' });
        continue;
      }
      if (runtime === null) {
        throw new UpkeepError(
          'UNKNOWN_COMPONENT',
          `${last.component} has an unfinished operation but is no longer in the config`,
          {
            details: { component: last.component, operationId: last.operationId },
            hint: 'put the component back in versions.yaml, run `upkeep-agent recover`, then remove it',
          },
        );
      }
      if (last.step === 'stop') {
        await ensureRunning(runtime, deps);
        deps.db.transaction(() => {
          deps.history.append(
            record(last, now(), false, `recovery: ${interrupted}; the old binary was never replaced`, null),
          );
          handle.step('aborted', { recovered: true });
        });
        reports.push({ ...base, outcome: 'aborted' });
        continue;
      }
      if (last.step === 'commit') {
        const installed = latest(entries, 'installed') as InstalledComponent | undefined;
        const history = latest(entries, 'history') as NewUpgradeRecord | undefined;
        if (installed?.component !== last.component || history?.component !== last.component) {
          throw new UpkeepError(
            'STATE_CORRUPT',
            `journal of ${last.operationId} has a commit step without its record`,
            {
              details: { operationId: last.operationId },
            },
          );
        }
        await ensureRunning(runtime, deps);
        commitUpgrade(deps, handle, installed, history);
        deps.events?.('upgrade_success', {
          component: last.component,
          from: last.fromVersion,
          to: last.toVersion,
          recovered: true,
        });
        reports.push({ ...base, outcome: 'committed' });
        continue;
      }
      if (UNDO.has(last.step)) {
        const rollbackPointId = latest(entries, 'rollbackPointId');
        const newSha256 = latest(entries, 'newSha256');
        const undo = {
          rollbackPointId: typeof rollbackPointId === 'number' ? rollbackPointId : null,
          newSha256: typeof newSha256 === 'string' ? newSha256 : null,
        };
        try {
          await restorePrevious(handle, runtime, undo, {
            rollbackPoints: deps.rollbackPoints,
            now: deps.now,
            sleep: deps.sleep,
            hooks: deps.hooks,
          });
        } catch (error) {
          throw rollbackFailed(last.component, new Error(interrupted), error);
        }
        if (last.kind === 'rollback' && undo.rollbackPointId !== null) {
          // A manual rollback is finished, not undone: its point is the target.
          const point = deps.rollbackPoints.get(last.component, undo.rollbackPointId);
          recordRollback(
            deps,
            runtime,
            point,
            last.fromVersion,
            last.operationId,
            `recovery: manual rollback completed after ${interrupted}`,
            () => {
              handle.step('restored', { recovered: true });
            },
          );
          reports.push({ ...base, outcome: 'restored' });
          continue;
        }
        deps.db.transaction(() => {
          deps.history.append(
            record(last, now(), false, `recovery: ${interrupted}; rolled back`, undo.rollbackPointId),
          );
          if (last.kind !== 'install' && last.fromVersion !== null && last.toVersion !== null) {
            deps.history.append({
              ...record(
                last,
                now(),
                true,
                `recovery: rolled back after ${interrupted}`,
                undo.rollbackPointId,
              ),
              fromVersion: last.toVersion,
              toVersion: last.fromVersion,
              method: 'rollback',
            });
          }
          handle.step('restored', { recovered: true });
        });
        deps.events?.('rollback_executed', {
          component: last.component,
          reason: 'recovery',
          from: last.toVersion,
          to: last.fromVersion,
        });
        reports.push({ ...base, outcome: 'restored' });
        continue;
      }
      throw new UpkeepError(
        'STATE_CORRUPT',
        `journal of ${last.operationId} ends at step ${last.step}, which recovery does not know`,
        {
          details: { operationId: last.operationId, step: last.step },
        },
      );
    } catch (error) {
      const failure = isUpkeepError(error)
        ? error
        : new UpkeepError('INTERNAL', `recovery of ${last.operationId} failed: ${String(error)}`, {
            cause: error,
          });
      deps.events?.('recovery_failed', {
        component: last.component,
        operation_id: last.operationId,
        error: failure.message,
      });
      reports.push({ ...base, outcome: 'failed', error: failure });
    }
  }
  return reports;
}

async function ensureRunning(
  runtime: ComponentRuntime,
  deps: Pick<RecoveryDeps, 'now' | 'sleep'>,
): Promise<void> {
  if (!(await runtime.service.isActive())) await runtime.service.start();
  if (runtime.healthProbe !== null) {
    await waitUntilHealthy(runtime.component, runtime.healthProbe, runtime.healthTiming, {
      now: deps.now,
      sleep: deps.sleep,
    });
  }
}

function record(
  last: JournalEntry,
  at: string,
  success: boolean,
  message: string,
  rollbackPointId: number | null,
): NewUpgradeRecord {
  return {
    component: last.component,
    fromVersion: last.fromVersion,
    toVersion: last.toVersion ?? last.fromVersion ?? 'unknown',
    upgradedAt: at,
    method: 'recovery',
    success,
    errorMessage: message,
    downtimeMs: null,
    rollbackPointId,
    changelog: null,
    operationId: last.operationId,
  };
}
