import { UpkeepError } from '@upkeep/errors';
import type { StateDatabase, SqlRow } from './state-database.repository.ts';
import {
  integerColumn,
  jsonColumn,
  optionalIntegerColumn,
  optionalTextColumn,
  textColumn,
} from './state-row.ts';
import type { NewRollbackPoint, RollbackPoint, RollbackPointMetadata } from './state.types.ts';

function toMetadata(raw: Record<string, unknown>, row: SqlRow): RollbackPointMetadata {
  const text = (key: string): string | null => {
    const value = raw[key];
    return typeof value === 'string' ? value : null;
  };
  const binaryPath = text('binaryPath');
  const sha256 = text('sha256') ?? optionalTextColumn(row, 'sha256');
  if (binaryPath === null || sha256 === null) {
    throw new UpkeepError(
      'STATE_CORRUPT',
      `rollback point ${String(row.id)} has no binary path or checksum in its metadata`,
      {
        details: { rollbackPointId: row.id },
        hint: 'this rollback point cannot be verified; create a new one or restore the state file',
      },
    );
  }
  return {
    component: text('component') ?? textColumn(row, 'component'),
    version: text('version') ?? textColumn(row, 'version'),
    createdAt: text('createdAt') ?? textColumn(row, 'created_at'),
    binaryPath,
    binaryMode: typeof raw.binaryMode === 'number' ? raw.binaryMode : 0o755,
    sha256,
    configPath: text('configPath'),
    configSha256: text('configSha256'),
    unitPath: text('unitPath'),
    unitSha256: text('unitSha256'),
  };
}

function toPoint(row: SqlRow): RollbackPoint {
  const sha256 = optionalTextColumn(row, 'sha256');
  if (sha256 === null) {
    throw new UpkeepError('STATE_CORRUPT', `rollback point ${String(row.id)} has no sha256`, {
      details: { rollbackPointId: row.id },
      hint: 'rollback points written before schema version 2 cannot be verified; create a new one',
    });
  }
  return {
    id: integerColumn(row, 'id'),
    component: textColumn(row, 'component'),
    version: textColumn(row, 'version'),
    createdAt: textColumn(row, 'created_at'),
    expiresAt: optionalTextColumn(row, 'expires_at'),
    binaryBackupPath: textColumn(row, 'binary_backup_path'),
    sha256,
    configBackupPath: optionalTextColumn(row, 'config_backup_path'),
    configSha256: optionalTextColumn(row, 'config_sha256'),
    unitBackupPath: optionalTextColumn(row, 'unit_backup_path'),
    unitSha256: optionalTextColumn(row, 'unit_sha256'),
    sizeBytes: optionalIntegerColumn(row, 'size_bytes') ?? 0,
    metadata: toMetadata(jsonColumn(row, 'metadata'), row),
  };
}

/** `rollback_points`: snapshots of a component's binary, config and unit file. */
export class RollbackPointsRepository {
  readonly #db: StateDatabase;

  constructor(db: StateDatabase) {
    this.#db = db;
  }

  insert(point: NewRollbackPoint): number {
    return this.#db.transaction(
      () =>
        this.#db.run(
          `INSERT INTO rollback_points
             (component, version, created_at, binary_backup_path, config_backup_path, state_snapshot, expires_at,
              size_bytes, sha256, config_sha256, unit_backup_path, unit_sha256, metadata)
           VALUES (:component, :version, :created_at, :binary_backup_path, :config_backup_path, :state_snapshot,
              :expires_at, :size_bytes, :sha256, :config_sha256, :unit_backup_path, :unit_sha256, :metadata)`,
          {
            component: point.component,
            version: point.version,
            created_at: point.createdAt,
            binary_backup_path: point.binaryBackupPath,
            config_backup_path: point.configBackupPath,
            // The seed kept metadata.json's content here; so do we.
            state_snapshot: JSON.stringify(point.metadata),
            expires_at: point.expiresAt,
            size_bytes: point.sizeBytes,
            sha256: point.sha256,
            config_sha256: point.configSha256,
            unit_backup_path: point.unitBackupPath,
            unit_sha256: point.unitSha256,
            metadata: JSON.stringify(point.metadata),
          },
        ).lastInsertRowid,
    );
  }

  find(id: number): RollbackPoint | null {
    const row = this.#db.get('SELECT * FROM rollback_points WHERE id = :id', { id });
    return row === undefined ? null : toPoint(row);
  }

  /** The component's rollback points, newest first. */
  list(component: string): RollbackPoint[] {
    return this.#db
      .all('SELECT * FROM rollback_points WHERE component = :component ORDER BY created_at DESC, id DESC', {
        component,
      })
      .map(toPoint);
  }

  /** How many rollback points each component has (components without any are absent). */
  countsByComponent(): Map<string, number> {
    return new Map(
      this.#db
        .all('SELECT component, COUNT(*) AS points FROM rollback_points GROUP BY component')
        .map((row) => [textColumn(row, 'component'), integerColumn(row, 'points')]),
    );
  }

  components(): string[] {
    return this.#db
      .all('SELECT DISTINCT component FROM rollback_points ORDER BY component')
      .map((row) => textColumn(row, 'component'));
  }

  delete(id: number): void {
    this.#db.transaction(() => {
      this.#db.run('DELETE FROM rollback_points WHERE id = :id', { id });
    });
  }
}
