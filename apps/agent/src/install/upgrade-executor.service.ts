import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UpkeepError, isUpkeepError } from '@upkeep/errors';
import {
  locateBinary,
  type ExtractRequest,
  type ExtractedTree,
} from '../archive/archive-extract.repository.ts';
import type { Clock } from '../common/clock.port.ts';
import { fsError } from '../common/fs-error.service.ts';
import type { DownloadRequest, DownloadResult } from '../download/artifact-download.repository.ts';
import type { Sleep } from '../download/http.port.ts';
import { waitUntilHealthy } from '../health/health-check.service.ts';
import { verifyBinaryVersion } from '../health/version-check.service.ts';
import type { JournalHandle, OperationJournal } from '../journal/operation-journal.service.ts';
import type { RollbackPointService } from '../rollback/rollback-point.service.ts';
import type { ProcessRunner } from '../service/process-runner.port.ts';
import { renameFlagsInExecStart, type FlagRename } from '../service/unit-file.service.ts';
import type { FailedVersionsRepository } from '../state/failed-versions.repository.ts';
import type { InstalledComponentsRepository } from '../state/installed-components.repository.ts';
import type { JournalStep } from '../state/journal.types.ts';
import type { StateDatabase } from '../state/state-database.repository.ts';
import type { InstalledComponent, NewUpgradeRecord } from '../state/state.types.ts';
import type { UpgradeHistoryRepository } from '../state/upgrade-history.repository.ts';
import { verifyChecksum } from '../verify/checksum.service.ts';
import { sha256File } from '../verify/file-hash.repository.ts';
import type { SignatureCheck, SignatureOutcome } from '@upkeep/signatures';
import { ensureRoomFor, installFileAtomically, replaceFile } from './atomic-file.repository.ts';
import { restorePrevious, rollbackFailed } from './restore.service.ts';
import type { AgentEventSink, StepHooks, UpgradePlan, UpgradeResult } from './upgrade-plan.types.ts';

export interface UpgradeExecutorDeps {
  readonly db: StateDatabase;
  readonly journal: OperationJournal;
  readonly installed: InstalledComponentsRepository;
  readonly history: UpgradeHistoryRepository;
  readonly failed: FailedVersionsRepository;
  readonly rollbackPoints: RollbackPointService;
  readonly download: (request: DownloadRequest) => Promise<DownloadResult>;
  readonly extract: (request: ExtractRequest) => Promise<ExtractedTree>;
  readonly verifySignature: (check: SignatureCheck) => Promise<SignatureOutcome>;
  readonly run: ProcessRunner;
  readonly clock: Clock;
  /** A monotonic clock in ms, for downtime and health timing. */
  readonly now: () => number;
  readonly sleep: Sleep;
  /** Downloads land in `<cacheDir>/<component>/<version>/`. */
  readonly cacheDir: string;
  /** Fresh extraction folders are made under it. */
  readonly workDir: string;
  readonly events?: AgentEventSink | undefined;
  readonly hooks?: StepHooks | undefined;
}

/** Steps after which a failure must put the previous version back. */
const LIVE_STEPS: ReadonlySet<JournalStep> = new Set(['stop', 'swap', 'start', 'health']);

/**
 * Runs one install or upgrade on this host, step by step, each journaled before
 * it runs: download, verify, extract, rollback point, stop, swap, start,
 * health, commit. A failure before `stop` changes nothing on the host; a
 * failure after it restores the rollback point, restarts and re-checks the old
 * version, and records the failure and the version as failed. Decisions (should
 * this upgrade happen?) are the caller's: this only carries one out.
 */
export class UpgradeExecutor {
  readonly #deps: UpgradeExecutorDeps;

  constructor(deps: UpgradeExecutorDeps) {
    this.#deps = deps;
  }

  async execute(plan: UpgradePlan): Promise<UpgradeResult> {
    const deps = this.#deps;
    const { runtime } = plan;
    const kind = plan.fromVersion === null ? 'install' : 'upgrade';
    const handle = deps.journal.begin(kind, runtime.component, plan.fromVersion, plan.toVersion, {
      url: plan.artifact.url,
      method: plan.method,
      binaryPath: runtime.binaryPath,
    });
    const emit = (event: string, fields: Record<string, unknown> = {}): void => {
      deps.events?.(event, {
        component: runtime.component,
        from: plan.fromVersion,
        to: plan.toVersion,
        operation_id: handle.operationId,
        ...fields,
      });
    };
    emit('upgrade_started', { method: plan.method });
    const warnings: string[] = [];
    let current: JournalStep = 'begin';
    const step = async <T>(
      name: JournalStep,
      data: Record<string, unknown>,
      work: () => Promise<T>,
    ): Promise<T> => {
      current = name;
      handle.step(name, data);
      emit('upgrade_step', { step: name });
      await deps.hooks?.before?.(name, handle.operationId);
      const result = await work();
      await deps.hooks?.after?.(name, handle.operationId);
      return result;
    };

    const cacheFolder = join(deps.cacheDir, runtime.component, plan.toVersion);
    const artifactPath = join(cacheFolder, plan.artifact.fileName);
    // Filled in as the steps run; an object, not lets, because closures set it.
    const progress: {
      extractRoot: string | null;
      rollbackPointId: number | null;
      newSha256: string | null;
      stoppedAt: number | null;
    } = { extractRoot: null, rollbackPointId: null, newSha256: null, stoppedAt: null };
    try {
      const downloaded = await step('download', { url: plan.artifact.url, path: artifactPath }, () =>
        this.#download(plan, artifactPath),
      );
      await step('verify', { sha256: downloaded.sha256 }, async () => {
        const outcome = verifyChecksum({
          artifact: plan.artifact.fileName,
          actualSha256: downloaded.sha256,
          expectedSha256: plan.artifact.expectedSha256,
          required: plan.artifact.checksumRequired,
        });
        if (outcome.status === 'unverified') {
          warnings.push(outcome.warning);
          emit('checksum_unverified', { warning: outcome.warning });
        }
        if (plan.artifact.signature !== undefined) {
          const signaturePath = `${artifactPath}.sig`;
          await deps.download({
            url: plan.artifact.signature.url,
            destination: signaturePath,
            maxBytes: 1024 * 1024,
            headers: plan.artifact.headers,
          });
          await deps.verifySignature({
            artifactPath,
            signaturePath,
            armoredPublicKeys: plan.artifact.signature.armoredPublicKeys,
          });
        }
      });
      const staged = await step('extract', { workDir: deps.workDir }, async () => {
        const tree = await deps.extract({
          archivePath: artifactPath,
          archiveType: plan.artifact.archiveType,
          workDir: deps.workDir,
          limits: plan.artifact.archiveLimits,
          binaryName: plan.artifact.binaryName ?? runtime.component,
        });
        progress.extractRoot = tree.root;
        const binary = locateBinary(tree, {
          binaryPathInArchive: plan.artifact.binaryPathInArchive,
          binaryName:
            plan.artifact.binaryName ??
            (plan.artifact.archiveType === 'binary' ? runtime.component : undefined),
        });
        progress.newSha256 = await sha256File(binary);
        return binary;
      });
      const fromVersion = plan.fromVersion;
      const hasCurrent = fromVersion !== null && (await exists(runtime.binaryPath));
      const flagRenames = plan.flagRenames ?? [];
      // The rewritten unit is worked out before anything stops: a unit it
      // cannot be done for refuses the upgrade with the host untouched.
      const newUnit = await step('rollback_point', { hasCurrent }, async () => {
        await ensureRoomFor(runtime.binaryPath, (await stat(staged)).size);
        const unit =
          flagRenames.length === 0 ? null : await rewrittenUnit(runtime.unitPath, flagRenames, hasCurrent);
        if (!hasCurrent) return unit;
        const point = await deps.rollbackPoints.create(
          {
            component: runtime.component,
            version: fromVersion,
            binaryPath: runtime.binaryPath,
            configPath: runtime.configPath,
            unitPath: runtime.unitPath,
          },
          runtime.retention,
        );
        progress.rollbackPointId = point.id;
        return unit;
      });
      const undo = () => ({ rollbackPointId: progress.rollbackPointId, newSha256: progress.newSha256 });
      await step('stop', undo(), async () => {
        progress.stoppedAt = deps.now();
        await runtime.service.stop();
      });
      const swapData = {
        ...undo(),
        target: runtime.binaryPath,
        // Recovery restores the rollback point, unit included; this says why it differs.
        ...(newUnit === null ? {} : { unitRewrite: { path: newUnit.path, flagRenames } }),
      };
      await step('swap', swapData, async () => {
        // A first install may be the first file in its folder (`install -D`).
        if (!hasCurrent) await mkdir(dirname(runtime.binaryPath), { recursive: true });
        await installFileAtomically(staged, {
          target: runtime.binaryPath,
          mode: runtime.mode,
          owner: runtime.owner,
        });
        if (newUnit !== null) {
          await replaceFile({ target: newUnit.path, mode: newUnit.mode }, async (handle) => {
            await handle.writeFile(newUnit.text);
          });
          await runtime.service.unitChanged();
          emit('unit_rewritten', {
            unit: newUnit.path,
            flags: flagRenames.map((r) => `${r.flag} -> ${r.renamedTo}`),
          });
        }
      });
      await step('start', undo(), () => runtime.service.start());
      const healthyAt = await step('health', undo(), async () => {
        let firstHealthy = deps.now();
        if (runtime.healthProbe !== null) {
          const outcome = await waitUntilHealthy(
            runtime.component,
            runtime.healthProbe,
            runtime.healthTiming,
            { now: deps.now, sleep: deps.sleep },
          );
          firstHealthy = deps.now() - outcome.healthyForMs;
        }
        if (runtime.versionCheck !== null) {
          await verifyBinaryVersion(
            {
              component: runtime.component,
              binaryPath: runtime.binaryPath,
              expected: plan.toVersion,
              argv: runtime.versionCheck.argv,
              pattern: runtime.versionCheck.pattern,
            },
            deps.run,
          );
        }
        return firstHealthy;
      });
      const downtimeMs = Math.max(0, Math.round(healthyAt - (progress.stoppedAt ?? healthyAt)));
      const sha256 = progress.newSha256 ?? '';
      const now = deps.clock().toISOString();
      const installed: InstalledComponent = {
        component: runtime.component,
        version: plan.toVersion,
        installedAt: now,
        installMethod: plan.method,
        binaryPath: runtime.binaryPath,
        configPath: runtime.configPath,
        serviceName: runtime.serviceName,
        checksum: sha256,
        metadata: {
          operationId: handle.operationId,
          artifactUrl: plan.artifact.url,
          artifactSha256: downloaded.sha256,
        },
      };
      const record: NewUpgradeRecord = {
        component: runtime.component,
        fromVersion: plan.fromVersion,
        toVersion: plan.toVersion,
        upgradedAt: now,
        method: plan.method,
        success: true,
        errorMessage: warnings.length > 0 ? warnings.join('; ') : null,
        downtimeMs,
        rollbackPointId: progress.rollbackPointId,
        changelog: plan.changelog ?? null,
        operationId: handle.operationId,
      };
      // The commit entry carries the whole result, so recovery can finish a
      // commit that a crash interrupted without guessing.
      current = 'commit';
      handle.step('commit', { installed, history: record });
      await deps.hooks?.before?.('commit', handle.operationId);
      commitUpgrade(deps, handle, installed, record);
      await deps.hooks?.after?.('commit', handle.operationId);
      emit('upgrade_success', { downtime_ms: downtimeMs, rollback_point_id: progress.rollbackPointId });
      await this.#afterCommit(plan, progress.extractRoot);
      return {
        operationId: handle.operationId,
        component: runtime.component,
        fromVersion: plan.fromVersion,
        toVersion: plan.toVersion,
        downtimeMs,
        rollbackPointId: progress.rollbackPointId,
        sha256,
        warnings,
      };
    } catch (error) {
      if (progress.extractRoot !== null)
        await rm(progress.extractRoot, { recursive: true, force: true }).catch(() => undefined);
      throw await this.#fail(
        plan,
        handle,
        current,
        error,
        { rollbackPointId: progress.rollbackPointId, newSha256: progress.newSha256 },
        emit,
      );
    }
  }

  async #download(plan: UpgradePlan, destination: string): Promise<DownloadResult> {
    // A cached artifact whose checksum is known and matches is not fetched again.
    if (plan.artifact.expectedSha256 !== null && (await exists(destination))) {
      const sha256 = await sha256File(destination);
      if (sha256 === plan.artifact.expectedSha256.toLowerCase()) {
        return { path: destination, sha256, size: (await stat(destination)).size, attempts: 0, resumes: 0 };
      }
      await rm(destination, { force: true });
    }
    return this.#deps.download({
      url: plan.artifact.url,
      destination,
      maxBytes: plan.artifact.maxBytes,
      headers: plan.artifact.headers,
      onProgress: this.#deps.hooks?.onDownloadProgress,
    });
  }

  async #afterCommit(plan: UpgradePlan, extractRoot: string | null): Promise<void> {
    if (extractRoot !== null) await rm(extractRoot, { recursive: true, force: true }).catch(() => undefined);
    try {
      await this.#deps.rollbackPoints.prune(plan.runtime.component, plan.runtime.retention);
    } catch (error) {
      this.#deps.events?.('rollback_cleanup_failed', {
        component: plan.runtime.component,
        error: String(error),
      });
    }
  }

  async #fail(
    plan: UpgradePlan,
    handle: JournalHandle,
    failedStep: JournalStep,
    error: unknown,
    undo: { rollbackPointId: number | null; newSha256: string | null },
    emit: (event: string, fields?: Record<string, unknown>) => void,
  ): Promise<unknown> {
    const deps = this.#deps;
    const { runtime } = plan;
    const message = error instanceof Error ? error.message : String(error);
    const failure = (extra: Partial<NewUpgradeRecord> = {}): NewUpgradeRecord => ({
      component: runtime.component,
      fromVersion: plan.fromVersion,
      toVersion: plan.toVersion,
      upgradedAt: deps.clock().toISOString(),
      method: plan.method,
      success: false,
      errorMessage: `${failedStep}: ${message}`,
      downtimeMs: null,
      rollbackPointId: undo.rollbackPointId,
      changelog: plan.changelog ?? null,
      operationId: handle.operationId,
      ...extra,
    });
    emit('upgrade_failure', {
      step: failedStep,
      error: message,
      code: isUpkeepError(error) ? error.code : 'INTERNAL',
    });

    if (!LIVE_STEPS.has(failedStep)) {
      deps.db.transaction(() => {
        deps.history.append(failure());
        handle.step('aborted', { reason: message });
      });
      return annotated(error, { failedStep, operationId: handle.operationId });
    }
    if (!plan.autoRollback) {
      deps.db.transaction(() => {
        deps.history.append(
          failure({ errorMessage: `${failedStep}: ${message} (--no-rollback: left in place)` }),
        );
        deps.failed.record(runtime.component, plan.toVersion, message, deps.clock().toISOString());
        handle.step('abandoned', { reason: message, noRollback: true });
      });
      return annotated(error, { failedStep, operationId: handle.operationId, leftInPlace: true });
    }
    try {
      await restorePrevious(handle, runtime, undo, {
        rollbackPoints: deps.rollbackPoints,
        now: deps.now,
        sleep: deps.sleep,
        hooks: deps.hooks,
      });
    } catch (restoreError) {
      deps.db.transaction(() => {
        deps.history.append(
          failure({ errorMessage: `${failedStep}: ${message}; rollback failed: ${String(restoreError)}` }),
        );
        deps.failed.record(runtime.component, plan.toVersion, message, deps.clock().toISOString());
      });
      emit('rollback_failed', { error: String(restoreError) });
      return rollbackFailed(runtime.component, error, restoreError);
    }
    deps.db.transaction(() => {
      deps.history.append(failure());
      if (plan.fromVersion !== null) {
        deps.history.append({
          component: runtime.component,
          fromVersion: plan.toVersion,
          toVersion: plan.fromVersion,
          upgradedAt: deps.clock().toISOString(),
          method: 'rollback',
          success: true,
          errorMessage: `automatic rollback after ${failedStep} failed: ${message}`,
          downtimeMs: null,
          rollbackPointId: undo.rollbackPointId,
          changelog: null,
          operationId: handle.operationId,
        });
      }
      deps.failed.record(runtime.component, plan.toVersion, message, deps.clock().toISOString());
      handle.step('restored', { reason: message });
    });
    emit('rollback_executed', { reason: message, step: failedStep, rollback_point_id: undo.rollbackPointId });
    if (!isUpkeepError(error)) return error;
    const restoredTo =
      plan.fromVersion === null ? 'nothing installed, as before' : `${plan.fromVersion} restored`;
    return new UpkeepError(
      error.code,
      `${runtime.component} ${plan.toVersion}: ${error.message} (rolled back: ${restoredTo})`,
      {
        details: { ...error.details, operationId: handle.operationId, rolledBack: true, failedStep },
        hint: error.hint,
        cause: error,
      },
    );
  }
}

/** The commit: current version, history and the journal's end, in one transaction. */
export function commitUpgrade(
  deps: Pick<UpgradeExecutorDeps, 'db' | 'installed' | 'history' | 'failed'>,
  handle: JournalHandle,
  installed: InstalledComponent,
  record: NewUpgradeRecord,
): void {
  deps.db.transaction(() => {
    deps.installed.save(installed);
    deps.history.append(record);
    deps.failed.clear(installed.component, installed.version);
    handle.step('committed', {});
  });
}

/** The same error with what the caller reports added: the step that failed, the operation. */
function annotated(error: unknown, details: Readonly<Record<string, unknown>>): unknown {
  if (!isUpkeepError(error)) return error;
  return new UpkeepError(error.code, error.message, {
    details: { ...error.details, ...details },
    hint: error.hint,
    cause: error,
  });
}

/** The unit text with the renamed flags rewritten, or a refusal naming the flag to change by hand. */
async function rewrittenUnit(
  unitPath: string | null,
  renames: readonly FlagRename[],
  hasCurrent: boolean,
): Promise<{ path: string; text: string; mode: number }> {
  const flags = renames.map((r) => `${r.flag} -> ${r.renamedTo}`).join(', ');
  if (unitPath === null || !hasCurrent) {
    throw new UpkeepError(
      'UPGRADE_REFUSED',
      `cannot rewrite renamed flags (${flags}): no unit file to rewrite`,
      {
        hint: `change the service's command line by hand (${flags}), then run the upgrade again`,
      },
    );
  }
  let text: string;
  let mode: number;
  try {
    text = await readFile(unitPath, 'utf8');
    mode = (await stat(unitPath)).mode & 0o7777;
  } catch (error) {
    throw fsError('read', unitPath, error);
  }
  return { path: unitPath, text: renameFlagsInExecStart(text, renames), mode };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
