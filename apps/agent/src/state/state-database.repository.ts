import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type SQLOutputValue } from 'node:sqlite';
import { UpkeepError } from '@upkeep/errors';
import { STATE_MIGRATIONS, STATE_SCHEMA_VERSION, type StateMigration } from './state-migrations.ts';

export type SqlParams = Readonly<Record<string, SQLInputValue>>;
export type SqlRow = Readonly<Record<string, SQLOutputValue>>;

/**
 * The agent's SQLite state file. Every write goes through `transaction`, every
 * value through a bound parameter; nothing is spliced into SQL text.
 */
export class StateDatabase {
  readonly path: string;
  readonly #db: DatabaseSync;
  #inTransaction = false;

  private constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.#db = db;
  }

  /**
   * Opens (creating when missing) the state file at `path` (`:memory:` for tests), switches
   * it to WAL with full fsync, and migrates it in place to the current schema.
   */
  static open(path: string, migrations: readonly StateMigration[] = STATE_MIGRATIONS): StateDatabase {
    let db: DatabaseSync;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      db = new DatabaseSync(path, { enableForeignKeyConstraints: true });
    } catch (error) {
      throw openError(path, error);
    }
    const state = new StateDatabase(path, db);
    try {
      db.exec('PRAGMA busy_timeout = 5000');
      // WAL keeps readers off the writer's back; synchronous=FULL makes a
      // committed step survive power loss, which the journal relies on.
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = FULL');
      state.#migrate(migrations);
    } catch (error) {
      db.close();
      throw openError(path, error);
    }
    return state;
  }

  /** The schema version recorded in the file (`PRAGMA user_version`). */
  schemaVersion(): number {
    const row = this.#db.prepare('PRAGMA user_version').get();
    const value = row?.user_version;
    return typeof value === 'number' ? value : 0;
  }

  /** Runs `work` in one IMMEDIATE transaction: all of it is written, or none of it. */
  transaction<T>(work: () => T): T {
    if (this.#inTransaction) return work();
    this.#db.exec('BEGIN IMMEDIATE');
    this.#inTransaction = true;
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    } finally {
      this.#inTransaction = false;
    }
  }

  /** Runs a write statement; must be called inside `transaction`. */
  run(sql: string, params: SqlParams = {}): { changes: number; lastInsertRowid: number } {
    if (!this.#inTransaction) {
      throw new UpkeepError('INTERNAL', 'a state write ran outside a transaction', { details: { sql } });
    }
    const result = this.#db.prepare(sql).run(params);
    return { changes: Number(result.changes), lastInsertRowid: Number(result.lastInsertRowid) };
  }

  get(sql: string, params: SqlParams = {}): SqlRow | undefined {
    return this.#db.prepare(sql).get(params);
  }

  all(sql: string, params: SqlParams = {}): SqlRow[] {
    return this.#db.prepare(sql).all(params);
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  #migrate(migrations: readonly StateMigration[]): void {
    const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
    const current = this.schemaVersion();
    if (current > latest) {
      throw new UpkeepError(
        'STATE_CORRUPT',
        `state file ${this.path} has schema version ${current}, newer than this agent knows (${latest})`,
        {
          details: { path: this.path, schemaVersion: current, supported: latest },
          hint: 'run the upkeep-agent release that wrote this file, or a newer one',
        },
      );
    }
    const pending = [...migrations].filter((m) => m.version > current).sort((a, b) => a.version - b.version);
    for (const migration of pending) {
      // user_version lives in the file header and commits with the step, so a
      // crash mid-migration leaves the previous version, never half a step.
      this.transaction(() => {
        migration.up(this.#db);
        this.#db.exec(`PRAGMA user_version = ${String(Math.trunc(migration.version))}`);
      });
    }
  }
}

export { STATE_SCHEMA_VERSION };

function openError(path: string, error: unknown): UpkeepError {
  if (error instanceof UpkeepError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EACCES' || code === 'EPERM' || /readonly|permission|unable to open/i.test(message)) {
    return new UpkeepError('PERMISSION_DENIED', `cannot open state file ${path}: ${message}`, {
      details: { path },
      hint: 'check global.state_db.path and that the agent may write to its folder (or use --root)',
      cause: error,
    });
  }
  return new UpkeepError('STATE_CORRUPT', `state file ${path} cannot be read: ${message}`, {
    details: { path },
    hint: 'restore the state file from a backup, or move it away to start with an empty state',
    cause: error,
  });
}
