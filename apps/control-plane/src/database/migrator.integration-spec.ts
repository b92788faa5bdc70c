import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import {
  connectToSchema,
  createTestSchema,
  MIGRATIONS_DIR,
  type TestSchema,
} from '../testing/test-database.ts';
import { migrateDatabase, readMigrations, unappliedMigrations } from './migrator.ts';

interface MigrationRecord {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  applied_steps_count: number;
  logs: string | null;
}

describe('migrateDatabase', () => {
  const cleanups: (() => Promise<void>)[] = [];
  const newSchema = (): TestSchema => {
    const schema = createTestSchema('migrator');
    cleanups.push(schema.drop);
    return schema;
  };
  const copyMigrations = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'upkeep-migrations-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    return dir;
  };
  const records = async (schema: TestSchema): Promise<MigrationRecord[]> => {
    const client = await connectToSchema(schema.target);
    try {
      const result = await client.query<MigrationRecord>(
        'SELECT * FROM "_prisma_migrations" ORDER BY started_at',
      );
      return result.rows;
    } finally {
      await client.end();
    }
  };

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('applies every migration once and records it as prisma migrate deploy does', async () => {
    const schema = newSchema();
    const files = await readMigrations(MIGRATIONS_DIR);
    expect(files.length).toBeGreaterThan(0);

    const first = await migrateDatabase({ target: schema.target, migrationsDir: MIGRATIONS_DIR });
    expect(first.applied).toEqual(files.map((file) => file.name));

    const rows = await records(schema);
    const sqlBytes = await readFile(join(MIGRATIONS_DIR, files[0]!.name, 'migration.sql'));
    expect(rows[0]).toMatchObject({
      migration_name: files[0]!.name,
      checksum: createHash('sha256').update(sqlBytes).digest('hex'),
      applied_steps_count: 1,
      logs: null,
    });
    expect(rows[0]!.finished_at).toBeInstanceOf(Date);
    expect(rows[0]!.id).toMatch(/^[0-9a-f-]{36}$/);

    const second = await migrateDatabase({ target: schema.target, migrationsDir: MIGRATIONS_DIR });
    expect(second).toEqual({ applied: [], alreadyApplied: files.map((file) => file.name) });
    expect(await records(schema)).toHaveLength(files.length);
  });

  it('migrates once when four replicas start at the same moment', async () => {
    const schema = newSchema();
    const reports = await Promise.all(
      Array.from({ length: 4 }, () =>
        migrateDatabase({ target: schema.target, migrationsDir: MIGRATIONS_DIR }),
      ),
    );
    const appliers = reports.filter((report) => report.applied.length > 0);
    expect(appliers).toHaveLength(1);
    expect(reports.filter((report) => report.applied.length === 0)).toHaveLength(3);
    const rows = await records(schema);
    expect(rows.map((row) => row.migration_name)).toEqual(appliers[0]!.applied);
  });

  it('refuses to start when an applied migration was edited afterwards', async () => {
    const schema = newSchema();
    const dir = await copyMigrations();
    await migrateDatabase({ target: schema.target, migrationsDir: dir });
    const [file] = await readMigrations(dir);
    await writeFile(join(dir, file!.name, 'migration.sql'), `${file!.sql}\n-- edited\n`);

    const error = await migrateDatabase({ target: schema.target, migrationsDir: dir }).catch(
      (caught: unknown) => caught,
    );
    expect(isUpkeepError(error) && error.code).toBe('STATE_CORRUPT');
    expect((error as Error).message).toContain(`${file!.name} was changed after it was applied`);
  });

  it('records a failing migration, rolls its changes back and refuses to go on until it is resolved', async () => {
    const schema = newSchema();
    const dir = await copyMigrations();
    await mkdir(join(dir, '29990101000000_broken'));
    await writeFile(
      join(dir, '29990101000000_broken', 'migration.sql'),
      'CREATE TABLE "half_done" ("id" INTEGER);\nSELECT no_such_function();\n',
    );

    const first = await migrateDatabase({ target: schema.target, migrationsDir: dir }).catch(
      (caught: unknown) => caught,
    );
    expect((first as Error).message).toContain('29990101000000_broken failed');
    const rows = await records(schema);
    const broken = rows.find((row) => row.migration_name === '29990101000000_broken');
    expect(broken?.finished_at).toBeNull();
    expect(broken?.logs).toContain('no_such_function');

    const client = await connectToSchema(schema.target);
    try {
      const table = await client.query("SELECT to_regclass('half_done') AS found");
      expect(table.rows[0]).toEqual({ found: null });
      const pending = await unappliedMigrations(
        async (sql) => (await client.query<{ migration_name: string }>(sql)).rows,
        dir,
      );
      expect(pending).toEqual(['29990101000000_broken']);
    } finally {
      await client.end();
    }

    const again = await migrateDatabase({ target: schema.target, migrationsDir: dir }).catch(
      (caught: unknown) => caught,
    );
    expect((again as Error).message).toContain('failed or is still running');
  });
});
