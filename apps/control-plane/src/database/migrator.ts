import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { UpkeepError } from '@upkeep/errors';
import { quoteIdentifier, type DatabaseTarget } from './database-url.ts';

/**
 * The advisory lock `prisma migrate deploy` takes; holding the same one means
 * our start-up migrator and Prisma's CLI never run at the same time either.
 */
export const PRISMA_MIGRATION_LOCK_ID = 72707369;

/** Prisma's own definition of its bookkeeping table, column for column. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationFile {
  readonly name: string;
  readonly sql: string;
  /** sha256 (hex) of migration.sql, as Prisma computes it. */
  readonly checksum: string;
}

export interface MigrationReport {
  readonly applied: readonly string[];
  readonly alreadyApplied: readonly string[];
}

export interface MigrateOptions {
  readonly target: DatabaseTarget;
  readonly migrationsDir: string;
  /** How long to wait for another replica's migration before giving up. Default 120 s. */
  readonly lockTimeoutMs?: number;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

/** Reads prisma/migrations/<name>/migration.sql in name order (the timestamp prefix orders them). */
export async function readMigrations(migrationsDir: string): Promise<MigrationFile[]> {
  let entries;
  try {
    entries = await readdir(migrationsDir, { withFileTypes: true });
  } catch (cause) {
    throw new UpkeepError('CONFIG_NOT_FOUND', `migrations directory ${migrationsDir} cannot be read`, {
      hint: 'run the control plane from the repository or set UPKEEP_MIGRATIONS_DIR',
      cause,
    });
  }
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const bytes = await readFile(join(migrationsDir, name, 'migration.sql'));
    files.push({
      name,
      sql: bytes.toString('utf8'),
      checksum: createHash('sha256').update(bytes).digest('hex'),
    });
  }
  return files;
}

async function connect(target: DatabaseTarget): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: target.connectionString });
  try {
    await client.connect();
  } catch (cause) {
    throw new UpkeepError('INTERNAL', `cannot connect to Postgres: ${(cause as Error).message}`, {
      hint: 'check DATABASE_URL and that Postgres is running',
      cause,
    });
  }
  return client;
}

async function acquireLock(client: pg.Client, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      PRISMA_MIGRATION_LOCK_ID,
    ]);
    if (result.rows[0]?.locked === true) return;
    if (Date.now() > deadline) {
      throw new UpkeepError(
        'OPERATION_IN_PROGRESS',
        `another process held the migration lock for over ${timeoutMs} ms`,
        {
          hint: 'a replica or `prisma migrate` may be stuck; look for it with pg_locks (objid 72707369)',
        },
      );
    }
    await sleep(100);
  }
}

function verifyApplied(file: MigrationFile, rows: readonly MigrationRow[]): 'applied' | 'pending' {
  const live = rows.filter((row) => row.rolled_back_at === null);
  const finished = live.find((row) => row.finished_at !== null);
  if (finished !== undefined) {
    if (finished.checksum !== file.checksum) {
      throw new UpkeepError('STATE_CORRUPT', `migration ${file.name} was changed after it was applied`, {
        details: { applied: finished.checksum, onDisk: file.checksum },
        hint: 'restore the migration file as it was and add a new migration for the change',
      });
    }
    return 'applied';
  }
  const failed = live.find((row) => row.finished_at === null);
  if (failed !== undefined) {
    throw new UpkeepError(
      'STATE_CORRUPT',
      `migration ${file.name} failed or is still running in another process`,
      {
        details: { logs: failed.logs ?? '' },
        hint: 'fix the database by hand, then mark it with `prisma migrate resolve --rolled-back` or `--applied`',
      },
    );
  }
  return 'pending';
}

/**
 * Applies pending migrations under Prisma's advisory lock and records them in
 * `_prisma_migrations` exactly as `prisma migrate deploy` would, so either can
 * take over from the other. Replicas starting together wait for the lock; the
 * first applies, the rest find nothing to do.
 */
export async function migrateDatabase(options: MigrateOptions): Promise<MigrationReport> {
  const files = await readMigrations(options.migrationsDir);
  const client = await connect(options.target);
  const schema = quoteIdentifier(options.target.schema);
  const applied: string[] = [];
  const alreadyApplied: string[] = [];
  try {
    await acquireLock(client, options.lockTimeoutMs ?? 120_000);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(`SET search_path TO ${schema}`);
      await client.query(CREATE_MIGRATIONS_TABLE);
      for (const file of files) {
        const rows = await client.query<MigrationRow>(
          'SELECT migration_name, checksum, finished_at, rolled_back_at, logs FROM "_prisma_migrations" WHERE migration_name = $1 ORDER BY started_at',
          [file.name],
        );
        if (verifyApplied(file, rows.rows) === 'applied') {
          alreadyApplied.push(file.name);
          continue;
        }
        await applyMigration(client, file);
        applied.push(file.name);
        options.log?.('applied migration', { migration: file.name });
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATION_LOCK_ID]);
    }
  } finally {
    await client.end();
  }
  return { applied, alreadyApplied };
}

async function applyMigration(client: pg.Client, file: MigrationFile): Promise<void> {
  const id = randomUUID();
  // The row goes in before the migration, as Prisma does, so a failure is on record.
  await client.query(
    'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)',
    [id, file.checksum, file.name],
  );
  try {
    await client.query('BEGIN');
    await client.query(file.sql);
    await client.query(
      'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
      [id],
    );
    await client.query('COMMIT');
  } catch (cause) {
    await client.query('ROLLBACK');
    const message = (cause as Error).message;
    await client.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, message]);
    throw new UpkeepError('STATE_CORRUPT', `migration ${file.name} failed: ${message}`, {
      hint: 'fix the migration or the database, then `prisma migrate resolve --rolled-back` it',
      cause,
    });
  }
}

/** Migrations on disk that the database has not finished applying (empty when ready). */
export async function unappliedMigrations(
  query: (sql: string) => Promise<readonly { migration_name: string }[]>,
  migrationsDir: string,
): Promise<string[]> {
  const files = await readMigrations(migrationsDir);
  const rows = await query(
    'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
  );
  const done = new Set(rows.map((row) => row.migration_name));
  return files.map((file) => file.name).filter((name) => !done.has(name));
}
