import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { loadConfig, type AppConfig } from '../config/app-config.ts';
import { startControlPlane, type RunningControlPlane, type StartOptions } from '../bootstrap.ts';
import { createTestSchema, type TestSchema } from './test-database.ts';

/** The test PKI beside this file; from the compiled dist/ (the console fixture process), the one in src/. */
function testTlsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, 'fixtures/tls');
  if (existsSync(beside)) return beside;
  let dir = here;
  for (let depth = 0; depth < 8; depth += 1) {
    const candidate = join(dir, 'apps/control-plane/src/testing/fixtures/tls');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return beside;
}

export const TLS_DIR = testTlsDir();
export const TEST_REDIS_URL = process.env['UPKEEP_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export const tlsFile = (name: string): Buffer => readFileSync(join(TLS_DIR, name));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no port'));
        else resolve(address.port);
      });
    });
  });
}

export interface TestEnvironment {
  readonly env: Record<string, string>;
  readonly schema: TestSchema;
  readonly dir: string;
  readonly grpcUrl: string;
  readonly queuePrefix: string;
  config(): AppConfig;
  start(options?: StartOptions): Promise<RunningControlPlane>;
  /**
   * Another replica on the same database, Redis and queue prefix, with ports of its own; `env` overrides
   * its settings (e.g. an UPKEEP_ARTIFACT_DIR of its own).
   */
  startReplica(
    options?: StartOptions,
    env?: Record<string, string>,
  ): Promise<{ controlPlane: RunningControlPlane; grpcUrl: string }>;
  cleanup(): Promise<void>;
}

export interface TestEnvironmentOptions {
  readonly mtls?: boolean;
  readonly redisUrl?: string;
  readonly extraEnv?: Record<string, string>;
}

/** A quiet logger for tests; set UPKEEP_TEST_LOG=debug to see the control plane talk. */
export function testLogger(): Logger {
  return pino({ level: process.env['UPKEEP_TEST_LOG'] ?? 'silent' });
}

/**
 * Everything one integration test file needs for a real control plane: its own
 * Postgres schema, its own BullMQ prefix, a signing key, free ports, the test PKI.
 */
export async function createTestEnvironment(options: TestEnvironmentOptions = {}): Promise<TestEnvironment> {
  const schema = createTestSchema('cp');
  const dir = await mkdtemp(join(tmpdir(), 'upkeep-cp-'));
  const { privateKey } = generateKeyPairSync('ed25519');
  const keyFile = join(dir, 'signing-key.pem');
  await writeFile(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  const queuePrefix = `test-${randomBytes(6).toString('hex')}`;
  const redisUrl = options.redisUrl ?? TEST_REDIS_URL;
  const env: Record<string, string> = {
    DATABASE_URL: schema.url,
    REDIS_URL: redisUrl,
    UPKEEP_HTTP_ADDRESS: `127.0.0.1:${httpPort}`,
    UPKEEP_GRPC_ADDRESS: `127.0.0.1:${grpcPort}`,
    UPKEEP_TLS_CERT_FILE: join(TLS_DIR, 'server.crt'),
    UPKEEP_TLS_KEY_FILE: join(TLS_DIR, 'server.key'),
    UPKEEP_TLS_CA_FILE: join(TLS_DIR, 'ca.crt'),
    UPKEEP_MTLS: options.mtls === true ? 'on' : 'off',
    UPKEEP_SIGNING_KEY_FILE: keyFile,
    UPKEEP_ARTIFACT_DIR: join(dir, 'artifacts'),
    UPKEEP_QUEUE_PREFIX: queuePrefix,
    UPKEEP_OUTBOX_POLL_MS: '100',
    UPKEEP_RECONCILE_INTERVAL_MS: '60000',
    ...options.extraEnv,
  };
  const running: RunningControlPlane[] = [];
  return {
    env,
    schema,
    dir,
    grpcUrl: `127.0.0.1:${grpcPort}`,
    queuePrefix,
    config: () => loadConfig(env, (path) => readFileSync(path)),
    start: async (startOptions = {}) => {
      const controlPlane = await startControlPlane(
        loadConfig(env, (path) => readFileSync(path)),
        {
          logger: testLogger(),
          ...startOptions,
        },
      );
      running.push(controlPlane);
      return controlPlane;
    },
    startReplica: async (startOptions = {}, overrides = {}) => {
      const [replicaHttp, replicaGrpc] = [await freePort(), await freePort()];
      const replicaEnv = {
        ...env,
        UPKEEP_HTTP_ADDRESS: `127.0.0.1:${replicaHttp}`,
        UPKEEP_GRPC_ADDRESS: `127.0.0.1:${replicaGrpc}`,
        ...overrides,
      };
      const controlPlane = await startControlPlane(
        loadConfig(replicaEnv, (path) => readFileSync(path)),
        {
          logger: testLogger(),
          ...startOptions,
        },
      );
      running.push(controlPlane);
      return { controlPlane, grpcUrl: `127.0.0.1:${replicaGrpc}` };
    },
    cleanup: async () => {
      for (const controlPlane of running.splice(0)) await controlPlane.close().catch(() => undefined);
      await schema.drop();
      await rm(dir, { recursive: true, force: true });
      const redis = new Redis(redisUrl, { lazyConnect: true });
      try {
        await redis.connect();
        const keys = await redis.keys(`${queuePrefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
    },
  };
}
