import 'reflect-metadata';
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { UpkeepError, redactUrl } from '@upkeep/errors';
import type { AppConfig } from './config/app-config.ts';
import { systemClock, type Clock } from './common/clock.ts';
import { migrateDatabase } from './database/migrator.ts';
import { createPrismaClient, type PrismaClient } from './database/prisma-client.ts';
import { assertNoEviction } from './redis/redis-eviction-policy.ts';
import { AppModule } from './app.module.ts';
import type { BackgroundOptions } from './outbox/background-work.ts';
import type { RolloutGuard } from './rollouts/rollout-guard.ts';
import type { Notifier } from './notifications/notification-event.ts';
import { grpcServerOptions } from './gateway/grpc-server-options.ts';
import { setUpOpenApi } from './openapi/openapi-document.ts';
import { HttpErrorFilter } from './rest/http-error.filter.ts';
import { consoleSite } from './console/console-site.ts';

export interface StartOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly background?: Partial<BackgroundOptions>;
  /** Guards the rollout driver consults (default none); tests pass fakes. */
  readonly rolloutGuards?: readonly RolloutGuard[];
  /** Overrides the notifier (tests record what would be sent). */
  readonly notifier?: Notifier;
}

export interface RunningControlPlane {
  readonly app: INestApplication;
  readonly httpUrl: string;
  readonly grpcAddress: string;
  readonly prisma: PrismaClient;
  close(): Promise<void>;
}

/** The artifact store must exist (it is created) and be writable, or start-up stops naming the variable. */
async function prepareArtifactDir(config: AppConfig): Promise<void> {
  try {
    await mkdir(config.artifactDir, { recursive: true });
    await access(config.artifactDir, constants.W_OK);
  } catch (cause) {
    throw new UpkeepError(
      'CONFIG_INVALID',
      `UPKEEP_ARTIFACT_DIR ${config.artifactDir} cannot be created or written`,
      {
        hint: 'point UPKEEP_ARTIFACT_DIR at a directory the control plane may write',
        cause,
      },
    );
  }
}

async function connectRedis(config: AppConfig): Promise<Redis> {
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
  // ioredis would otherwise log and retry forever; at start-up an unreachable Redis is fatal.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (cause) {
    redis.disconnect();
    throw new UpkeepError(
      'UNAVAILABLE',
      `cannot reach Redis at ${redactUrl(config.redisUrl)}: ${(cause as Error).message}`,
      {
        hint: 'check REDIS_URL and that Redis is running',
        cause,
      },
    );
  }
  return redis;
}

/**
 * Starts one control-plane replica: refuses an evicting Redis, migrates the
 * database under the advisory lock, then serves REST and the agent gateway.
 */
export async function startControlPlane(
  config: AppConfig,
  options: StartOptions = {},
): Promise<RunningControlPlane> {
  const logger =
    options.logger ?? pino({ level: config.logLevel, base: { service: 'upkeep-control-plane' } });
  await prepareArtifactDir(config);
  const redis = await connectRedis(config);
  let prisma: PrismaClient | undefined;
  try {
    await assertNoEviction((section) => redis.info(section), config.redisUrl);
    const report = await migrateDatabase({
      target: config.database,
      migrationsDir: config.migrationsDir,
      log: (message, fields) => {
        logger.info(fields ?? {}, message);
      },
    });
    logger.info(
      { applied: report.applied, alreadyApplied: report.alreadyApplied.length },
      'database schema is current',
    );
    prisma = createPrismaClient(config.database);
    await prisma.$queryRaw`SELECT 1`;
    const app = await NestFactory.create(
      AppModule.forRoot({
        config,
        logger,
        prisma,
        redis,
        clock: options.clock ?? systemClock,
        background: {
          relay: true,
          reconciler: true,
          workers: true,
          rolloutDriver: true,
          ...options.background,
        },
        ...(options.rolloutGuards === undefined ? {} : { rolloutGuards: options.rolloutGuards }),
        ...(options.notifier === undefined ? {} : { notifier: options.notifier }),
      }),
      /* Nest types its options as a class; a plain object is what it documents and reads. */
      /* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment */
      {
        bufferLogs: true,
        abortOnError: false,
        ...(config.httpTls ? { httpsOptions: { cert: config.tls.cert, key: config.tls.key } } : {}),
      },
      /* eslint-enable @typescript-eslint/no-unsafe-class-instance-assignment */
    );
    app.useLogger(app.get(NestPinoLogger));
    app.useGlobalFilters(new HttpErrorFilter(logger));
    // Registered before Nest's routes are (at listen), for the paths that are not the server's own.
    app.use(consoleSite(config.consoleDir));
    app.connectMicroservice<MicroserviceOptions>(grpcServerOptions(config));
    setUpOpenApi(app);
    await app.startAllMicroservices();
    await app.listen(config.http.port, config.http.host);
    const httpUrl = (await app.getUrl()).replace('[::1]', 'localhost');
    const grpcAddress = `${config.grpc.host}:${config.grpc.port}`;
    logger.info({ httpUrl, grpcAddress, mtls: config.mtls }, 'control plane started');
    const client = prisma;
    return {
      app,
      httpUrl,
      grpcAddress,
      prisma: client,
      close: async () => {
        await app.close();
        await client.$disconnect();
        redis.disconnect();
      },
    };
  } catch (error) {
    await prisma?.$disconnect();
    redis.disconnect();
    throw error;
  }
}
