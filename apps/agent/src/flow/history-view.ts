import type { RollbackPoint, UpgradeRecord } from '../state/state.types.ts';

/** One `upgrade_history` row as the JSON output shows it (the seed's column names). */
export interface HistoryEntry {
  readonly id: number;
  readonly component: string;
  readonly from_version: string | null;
  readonly to_version: string;
  readonly upgraded_at: string;
  readonly method: string | null;
  readonly success: boolean;
  /** Why it failed, or what happened (a rollback's reason). */
  readonly error_message: string | null;
  readonly downtime_ms: number | null;
  readonly rollback_point_id: number | null;
  readonly operation_id: string | null;
  readonly changelog: string | null;
}

export function historyEntryOf(record: UpgradeRecord): HistoryEntry {
  return {
    id: record.id,
    component: record.component,
    from_version: record.fromVersion,
    to_version: record.toVersion,
    upgraded_at: record.upgradedAt,
    method: record.method,
    success: record.success,
    error_message: record.errorMessage,
    downtime_ms: record.downtimeMs,
    rollback_point_id: record.rollbackPointId,
    operation_id: record.operationId,
    changelog: record.changelog,
  };
}

/** One rollback point as `rollback-points --json` shows it. */
export interface RollbackPointEntry {
  readonly id: number;
  readonly component: string;
  readonly version: string;
  readonly created_at: string;
  readonly expires_at: string | null;
  readonly size_bytes: number;
  readonly sha256: string;
  /** Host paths the point restores. */
  readonly restores: readonly string[];
  /** Every file is present with its recorded sha256. */
  readonly intact: boolean;
  readonly problem: string | null;
}

export function rollbackPointEntryOf(
  point: RollbackPoint,
  unmap: (path: string) => string,
  problem: string | null,
): RollbackPointEntry {
  const meta = point.metadata;
  return {
    id: point.id,
    component: point.component,
    version: point.version,
    created_at: point.createdAt,
    expires_at: point.expiresAt,
    size_bytes: point.sizeBytes,
    sha256: point.sha256,
    restores: [meta.binaryPath, meta.configPath, meta.unitPath]
      .filter((p): p is string => p !== null)
      .map(unmap),
    intact: problem === null,
    problem,
  };
}
