import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parseDatabaseUrl, quoteIdentifier, type DatabaseTarget } from '../database/database-url.ts';

/** The machine's Postgres; tests fail (never skip) when it does not answer. */
export const TEST_DATABASE_URL =
  process.env['UPKEEP_TEST_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../../prisma/migrations');

export interface TestSchema {
  readonly url: string;
  readonly target: DatabaseTarget;
  readonly drop: () => Promise<void>;
}

/** A fresh, empty schema of its own for one test file; `drop` removes it with everything in it. */
export function createTestSchema(prefix = 't'): TestSchema {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('schema', schema);
  const target = parseDatabaseUrl(url.toString());
  return {
    url: url.toString(),
    target,
    drop: async () => {
      const client = new pg.Client({ connectionString: target.connectionString });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A pg client whose search_path is the test schema. */
export async function connectToSchema(target: DatabaseTarget): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: target.connectionString });
  await client.connect();
  await client.query(`SET search_path TO ${quoteIdentifier(target.schema)}`);
  return client;
}
