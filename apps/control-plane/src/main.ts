import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isUpkeepError, UpkeepError } from '@upkeep/errors';
import { loadConfig, type AppConfig } from './config/app-config.ts';
import { startControlPlane } from './bootstrap.ts';
import { systemClock } from './common/clock.ts';
import { migrateDatabase } from './database/migrator.ts';
import { createPrismaClient } from './database/prisma-client.ts';
import { AuditRepository } from './audit/audit.repository.ts';
import { ApiTokenRepository } from './auth/api-token.repository.ts';
import { ApiTokenService } from './auth/api-token.service.ts';

const USAGE = `usage:
  upkeep-server                                   start the control plane (configured by environment variables)
  upkeep-server api-token create --name NAME --role viewer|operator|approver|admin [--ttl-days N]
                                                  create an API token (the first admin token comes from here)`;

async function createApiToken(config: AppConfig, args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: { name: { type: 'string' }, role: { type: 'string' }, 'ttl-days': { type: 'string' } },
  });
  if (values.name === undefined || values.role === undefined)
    throw new UpkeepError('USAGE', `--name and --role are required\n${USAGE}`);
  const ttl = values['ttl-days'] === undefined ? null : Number(values['ttl-days']);
  if (ttl !== null && (!Number.isSafeInteger(ttl) || ttl < 1))
    throw new UpkeepError('USAGE', '--ttl-days must be a positive integer');
  await migrateDatabase({ target: config.database, migrationsDir: config.migrationsDir });
  const prisma = createPrismaClient(config.database, 1);
  try {
    const service = new ApiTokenService(
      new ApiTokenRepository(prisma, new AuditRepository(prisma), systemClock),
      systemClock,
      randomBytes,
    );
    const created = await service.create(values.name, values.role, ttl, {
      type: 'system',
      id: 'upkeep-server-cli',
    });
    process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
  } finally {
    await prisma.$disconnect();
  }
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadConfig(process.env, (path) => readFileSync(path));
  if (argv[0] === 'api-token' && argv[1] === 'create') {
    await createApiToken(config, argv.slice(2));
    return;
  }
  if (argv.length > 0) throw new UpkeepError('USAGE', `unknown command: ${argv.join(' ')}\n${USAGE}`);
  const controlPlane = await startControlPlane(config);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`upkeep-server: ${signal} received, draining agent sessions and stopping\n`);
    controlPlane.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => {
    stop('SIGTERM');
  });
  process.on('SIGINT', () => {
    stop('SIGINT');
  });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (isUpkeepError(error)) {
    process.stderr.write(
      `upkeep-server: ${error.message}\n${error.hint === undefined ? '' : `  hint: ${error.hint}\n`}`,
    );
    process.exit(
      error.code === 'CONFIG_INVALID' || error.code === 'CONFIG_NOT_FOUND' || error.code === 'USAGE' ? 2 : 1,
    );
  }
  process.stderr.write(`upkeep-server: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
