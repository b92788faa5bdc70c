import type { DatabaseSync } from 'node:sqlite';
import { ensureVersionCacheTable } from '@upkeep/sources';

/** One ordered, in-place schema change; `version` becomes `PRAGMA user_version` once it ran. */
export interface StateMigration {
  readonly version: number;
  readonly name: string;
  readonly up: (db: DatabaseSync) => void;
}

/**
 * The agent's schema history. Never edit a shipped step: add a new one, because a
 * host's state file may be at any earlier version and is migrated in place.
 *
 * Version 1 is the seed's schema table for table, except the `FOREIGN KEY
 * (component) REFERENCES installed_components(component)` clauses: history must
 * record the failed first install of a component that was never installed, and
 * must outlive a component's removal, so those references cannot hold.
 */
export const STATE_MIGRATIONS: readonly StateMigration[] = [
  {
    version: 1,
    name: 'seed schema',
    up: (db) => {
      db.exec(`
        CREATE TABLE installed_components (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          component TEXT NOT NULL UNIQUE,
          version TEXT NOT NULL,
          installed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
          install_method TEXT,
          binary_path TEXT,
          config_path TEXT,
          service_name TEXT,
          checksum TEXT,
          metadata JSON,
          CONSTRAINT unique_component UNIQUE(component)
        );
        CREATE INDEX idx_component ON installed_components(component);
        CREATE INDEX idx_version ON installed_components(version);

        CREATE TABLE upgrade_history (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          component TEXT NOT NULL,
          from_version TEXT,
          to_version TEXT NOT NULL,
          upgraded_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
          upgrade_method TEXT,
          success BOOLEAN NOT NULL,
          error_message TEXT,
          downtime_seconds INTEGER,
          rollback_point_id INTEGER,
          changelog TEXT
        );
        CREATE INDEX idx_component_history ON upgrade_history(component, upgraded_at DESC);
        CREATE INDEX idx_success ON upgrade_history(success);

        CREATE TABLE rollback_points (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          component TEXT NOT NULL,
          version TEXT NOT NULL,
          created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
          binary_backup_path TEXT NOT NULL,
          config_backup_path TEXT,
          state_snapshot JSON,
          expires_at TIMESTAMP,
          size_bytes INTEGER
        );
        CREATE INDEX idx_rollback_component ON rollback_points(component, created_at DESC);
        CREATE INDEX idx_expires ON rollback_points(expires_at);

        CREATE TABLE compatibility_matrix (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          component TEXT NOT NULL,
          version_constraint TEXT NOT NULL,
          requires_component TEXT NOT NULL,
          requires_version_constraint TEXT NOT NULL,
          reason TEXT,
          added_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
        );
        CREATE INDEX idx_compat_component ON compatibility_matrix(component);

        CREATE TABLE breaking_changes (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          component TEXT NOT NULL,
          from_version TEXT NOT NULL,
          to_version TEXT NOT NULL,
          change_type TEXT,
          description TEXT NOT NULL,
          migration_guide TEXT,
          severity TEXT,
          source TEXT,
          added_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
        );
        CREATE INDEX idx_breaking_component ON breaking_changes(component);
        CREATE INDEX idx_breaking_versions ON breaking_changes(component, from_version, to_version);
      `);
      // The table libs/sources' SqliteCacheStore reads and writes: one definition, there.
      ensureVersionCacheTable(db);
    },
  },
  {
    version: 2,
    name: 'crash safety: journal, failed versions, rollback point checksums, downtime in ms',
    up: (db) => {
      db.exec(`
        ALTER TABLE upgrade_history ADD COLUMN downtime_ms INTEGER;
        ALTER TABLE upgrade_history ADD COLUMN operation_id TEXT;

        ALTER TABLE rollback_points ADD COLUMN sha256 TEXT;
        ALTER TABLE rollback_points ADD COLUMN config_sha256 TEXT;
        ALTER TABLE rollback_points ADD COLUMN unit_backup_path TEXT;
        ALTER TABLE rollback_points ADD COLUMN unit_sha256 TEXT;
        ALTER TABLE rollback_points ADD COLUMN metadata JSON;

        -- One row per step, written (and synced) before the step runs: the
        -- operation's last row tells recovery what may be half done.
        CREATE TABLE journal (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          operation_id TEXT NOT NULL,
          seq INTEGER NOT NULL,
          kind TEXT NOT NULL,
          component TEXT NOT NULL,
          from_version TEXT,
          to_version TEXT,
          step TEXT NOT NULL,
          data JSON NOT NULL,
          created_at TIMESTAMP NOT NULL,
          CONSTRAINT unique_journal_step UNIQUE(operation_id, seq)
        );
        CREATE INDEX idx_journal_operation ON journal(operation_id, seq);
        CREATE INDEX idx_journal_component ON journal(component, created_at);

        -- Versions that failed on this host: not tried again automatically.
        CREATE TABLE failed_versions (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          component TEXT NOT NULL,
          version TEXT NOT NULL,
          attempts INTEGER NOT NULL,
          first_failed_at TIMESTAMP NOT NULL,
          last_failed_at TIMESTAMP NOT NULL,
          reason TEXT NOT NULL,
          CONSTRAINT unique_failed_version UNIQUE(component, version)
        );
      `);
    },
  },
  {
    version: 3,
    name: 'fleet jobs: accepted assignments and results kept until the control plane acknowledges them',
    up: (db) => {
      db.exec(`
        -- One row per assignment accepted from the control plane; a repeated job id is never run twice.
        CREATE TABLE fleet_jobs (
          job_id TEXT PRIMARY KEY,
          sequence INTEGER NOT NULL,
          kind TEXT NOT NULL,
          component TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('running', 'finished')),
          accepted_at TIMESTAMP NOT NULL,
          outcome TEXT,
          message TEXT,
          details JSON,
          finished_at TIMESTAMP,
          result_acknowledged BOOLEAN NOT NULL DEFAULT 0
        );
        CREATE INDEX idx_fleet_jobs_pending ON fleet_jobs(state, result_acknowledged);
      `);
    },
  },
];

/** The schema version this agent writes. */
export const STATE_SCHEMA_VERSION = STATE_MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
