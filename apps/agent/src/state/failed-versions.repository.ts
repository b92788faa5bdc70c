import type { StateDatabase, SqlRow } from './state-database.repository.ts';
import { integerColumn, textColumn } from './state-row.ts';
import type { FailedVersion } from './state.types.ts';

function toFailed(row: SqlRow): FailedVersion {
  return {
    component: textColumn(row, 'component'),
    version: textColumn(row, 'version'),
    attempts: integerColumn(row, 'attempts'),
    firstFailedAt: textColumn(row, 'first_failed_at'),
    lastFailedAt: textColumn(row, 'last_failed_at'),
    reason: textColumn(row, 'reason'),
  };
}

/**
 * `failed_versions`: the loop cap. A version that failed on this host is not
 * tried again automatically; `--force` (or clearing it) lifts that.
 */
export class FailedVersionsRepository {
  readonly #db: StateDatabase;

  constructor(db: StateDatabase) {
    this.#db = db;
  }

  record(component: string, version: string, reason: string, now: string): FailedVersion {
    return this.#db.transaction(() => {
      this.#db.run(
        `INSERT INTO failed_versions (component, version, attempts, first_failed_at, last_failed_at, reason)
         VALUES (:component, :version, 1, :now, :now, :reason)
         ON CONFLICT(component, version) DO UPDATE SET
           attempts = attempts + 1, last_failed_at = excluded.last_failed_at, reason = excluded.reason`,
        { component, version, now, reason },
      );
      const failed = this.find(component, version);
      if (failed === null) throw new Error('failed version vanished inside its own transaction');
      return failed;
    });
  }

  find(component: string, version: string): FailedVersion | null {
    const row = this.#db.get(
      'SELECT * FROM failed_versions WHERE component = :component AND version = :version',
      {
        component,
        version,
      },
    );
    return row === undefined ? null : toFailed(row);
  }

  list(component: string): FailedVersion[] {
    return this.#db
      .all('SELECT * FROM failed_versions WHERE component = :component ORDER BY last_failed_at DESC', {
        component,
      })
      .map(toFailed);
  }

  clear(component: string, version: string): void {
    this.#db.transaction(() => {
      this.#db.run('DELETE FROM failed_versions WHERE component = :component AND version = :version', {
        component,
        version,
      });
    });
  }
}
