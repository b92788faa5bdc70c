import type { StateDatabase, SqlRow } from './state-database.repository.ts';
import { integerColumn, optionalIntegerColumn, optionalTextColumn, textColumn } from './state-row.ts';
import type { InstallMethod, NewUpgradeRecord, UpgradeRecord } from './state.types.ts';

function toRecord(row: SqlRow): UpgradeRecord {
  const downtimeMs = optionalIntegerColumn(row, 'downtime_ms');
  const downtimeSeconds = optionalIntegerColumn(row, 'downtime_seconds');
  return {
    id: integerColumn(row, 'id'),
    component: textColumn(row, 'component'),
    fromVersion: optionalTextColumn(row, 'from_version'),
    toVersion: textColumn(row, 'to_version'),
    upgradedAt: textColumn(row, 'upgraded_at'),
    method: optionalTextColumn(row, 'upgrade_method') as InstallMethod | null,
    success: integerColumn(row, 'success') !== 0,
    errorMessage: optionalTextColumn(row, 'error_message'),
    // Rows written by the seed's scripts only have seconds.
    downtimeMs: downtimeMs ?? (downtimeSeconds === null ? null : downtimeSeconds * 1000),
    rollbackPointId: optionalIntegerColumn(row, 'rollback_point_id'),
    changelog: optionalTextColumn(row, 'changelog'),
    operationId: optionalTextColumn(row, 'operation_id'),
  };
}

/** `upgrade_history`: every upgrade, rollback and failure, newest first when read. */
export class UpgradeHistoryRepository {
  readonly #db: StateDatabase;

  constructor(db: StateDatabase) {
    this.#db = db;
  }

  /** Appends one record and returns its id. */
  append(record: NewUpgradeRecord): number {
    return this.#db.transaction(
      () =>
        this.#db.run(
          `INSERT INTO upgrade_history
             (component, from_version, to_version, upgraded_at, upgrade_method, success, error_message,
              downtime_seconds, downtime_ms, rollback_point_id, changelog, operation_id)
           VALUES (:component, :from_version, :to_version, :upgraded_at, :method, :success, :error_message,
              :downtime_seconds, :downtime_ms, :rollback_point_id, :changelog, :operation_id)`,
          {
            component: record.component,
            from_version: record.fromVersion,
            to_version: record.toVersion,
            upgraded_at: record.upgradedAt,
            method: record.method,
            success: record.success ? 1 : 0,
            error_message: record.errorMessage,
            downtime_seconds: record.downtimeMs === null ? null : Math.round(record.downtimeMs / 1000),
            downtime_ms: record.downtimeMs,
            rollback_point_id: record.rollbackPointId,
            changelog: record.changelog,
            operation_id: record.operationId,
          },
        ).lastInsertRowid,
    );
  }

  /** The newest `limit` records (default 10, the seed's), of one component or of all. */
  list(options: { component?: string | undefined; limit?: number | undefined } = {}): UpgradeRecord[] {
    const limit = Math.max(1, Math.trunc(options.limit ?? 10));
    if (options.component === undefined) {
      return this.#db
        .all('SELECT * FROM upgrade_history ORDER BY upgraded_at DESC, id DESC LIMIT :limit', { limit })
        .map(toRecord);
    }
    return this.#db
      .all(
        'SELECT * FROM upgrade_history WHERE component = :component ORDER BY upgraded_at DESC, id DESC LIMIT :limit',
        { component: options.component, limit },
      )
      .map(toRecord);
  }

  findByOperation(operationId: string): UpgradeRecord | null {
    const row = this.#db.get(
      'SELECT * FROM upgrade_history WHERE operation_id = :operationId ORDER BY id DESC',
      {
        operationId,
      },
    );
    return row === undefined ? null : toRecord(row);
  }

  /** Downtimes (ms) of the component's successful upgrades, newest first: the dry run's estimate. */
  successfulDowntimes(component: string, limit = 20): number[] {
    return this.#db
      .all(
        `SELECT downtime_ms FROM upgrade_history
         WHERE component = :component AND success = 1 AND downtime_ms IS NOT NULL
         ORDER BY upgraded_at DESC, id DESC LIMIT :limit`,
        { component, limit },
      )
      .map((row) => integerColumn(row, 'downtime_ms'));
  }
}
