import type { StateDatabase, SqlRow } from './state-database.repository.ts';
import { optionalTextColumn, textColumn } from './state-row.ts';

/** One documented breaking change (the seed's `breaking_changes` table and config section). */
export interface BreakingChange {
  readonly component: string;
  readonly fromVersion: string;
  readonly toVersion: string;
  readonly changeType: string | null;
  readonly description: string;
  readonly migrationGuide: string | null;
  readonly severity: string | null;
  /** `changelog`, `release_notes` or `manual` (from versions.yaml). */
  readonly source: string | null;
}

function toChange(row: SqlRow): BreakingChange {
  return {
    component: textColumn(row, 'component'),
    fromVersion: textColumn(row, 'from_version'),
    toVersion: textColumn(row, 'to_version'),
    changeType: optionalTextColumn(row, 'change_type'),
    description: textColumn(row, 'description'),
    migrationGuide: optionalTextColumn(row, 'migration_guide'),
    severity: optionalTextColumn(row, 'severity'),
    source: optionalTextColumn(row, 'source'),
  };
}

/** `breaking_changes`: the host's copy of the breaking-change database, kept in step with the config. */
export class BreakingChangesRepository {
  readonly #db: StateDatabase;

  constructor(db: StateDatabase) {
    this.#db = db;
  }

  /** Replaces every change from `source` with `changes` (one transaction), so the table mirrors the config. */
  replaceSource(source: string, changes: readonly Omit<BreakingChange, 'source'>[], now: string): void {
    this.#db.transaction(() => {
      this.#db.run('DELETE FROM breaking_changes WHERE source = :source', { source });
      for (const change of changes) {
        this.#db.run(
          `INSERT INTO breaking_changes
             (component, from_version, to_version, change_type, description, migration_guide, severity, source, added_at)
           VALUES (:component, :from_version, :to_version, :change_type, :description, :migration_guide, :severity, :source, :added_at)`,
          {
            component: change.component,
            from_version: change.fromVersion,
            to_version: change.toVersion,
            change_type: change.changeType,
            description: change.description,
            migration_guide: change.migrationGuide,
            severity: change.severity,
            source,
            added_at: now,
          },
        );
      }
    });
  }

  /** Every recorded change of the component; which apply to an upgrade is the decision engine's call. */
  forComponent(component: string): BreakingChange[] {
    return this.#db
      .all(
        'SELECT * FROM breaking_changes WHERE component = :component ORDER BY from_version, to_version, id',
        { component },
      )
      .map(toChange);
  }
}
