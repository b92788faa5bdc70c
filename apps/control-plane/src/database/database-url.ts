import { UpkeepError } from '@upkeep/errors';

/** A Postgres URL split into what `pg` understands and the schema Prisma's `?schema=` names. */
export interface DatabaseTarget {
  readonly connectionString: string;
  readonly schema: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Reads `?schema=` the way Prisma does (default `public`) and removes it, because
 * `pg` would pass unknown parameters on to the server as startup options.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new UpkeepError('CONFIG_INVALID', 'DATABASE_URL is not a URL', {
      hint: 'use postgresql://user:password@host:5432/database?schema=public',
      cause,
    });
  }
  if (parsed.protocol !== 'postgresql:' && parsed.protocol !== 'postgres:') {
    throw new UpkeepError(
      'CONFIG_INVALID',
      `DATABASE_URL has protocol "${parsed.protocol}", expected postgresql:`,
      {
        hint: 'use postgresql://user:password@host:5432/database?schema=public',
      },
    );
  }
  const schema = parsed.searchParams.get('schema') ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new UpkeepError(
      'CONFIG_INVALID',
      `DATABASE_URL names schema "${schema}", which is not a plain identifier`,
      {
        hint: 'use lower-case letters, digits and underscores',
      },
    );
  }
  parsed.searchParams.delete('schema');
  return { connectionString: parsed.toString(), schema };
}

/** Double-quotes an identifier already checked against SCHEMA_NAME. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
