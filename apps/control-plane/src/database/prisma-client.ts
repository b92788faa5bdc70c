import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import { quoteIdentifier, type DatabaseTarget } from './database-url.ts';

export type { PrismaClient } from '../generated/prisma/client.ts';
export { Prisma } from '../generated/prisma/client.ts';

/** Prisma through the pg driver adapter: no engine binary, works offline. */
export function createPrismaClient(target: DatabaseTarget, poolSize = 10): PrismaClient {
  const adapter = new PrismaPg(
    {
      connectionString: target.connectionString,
      max: poolSize,
      // Raw SQL (outbox claims, sequence numbers) names tables unqualified.
      options: `-c search_path=${quoteIdentifier(target.schema)}`,
    },
    { schema: target.schema },
  );
  return new PrismaClient({ adapter });
}

/** What repositories receive inside `$transaction(async (tx) => …)`. */
export type Transaction = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];
