// A real control-plane process (`upkeep-server`, compiled by tsc because of NestJS's
// decorators) for end-to-end tests, the fleet demo and bench/rollout: its own Postgres
// schema and BullMQ prefix, a fresh signing key, free ports, the test PKI.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { withBuildLock } from '../console/build-lock.ts';
import { freePort } from '../free-port.ts';
import { REPO_ROOT, runProcess } from '../run-process.ts';
import { processCpu, type ProcessCpu } from './process-cpu.ts';

/** The test PKI: a CA and a server certificate for localhost and 127.0.0.1. */
export const TLS_DIR = join(REPO_ROOT, 'apps/control-plane/src/testing/fixtures/tls');
export const CA_FILE = join(TLS_DIR, 'ca.crt');
export const CONTROL_PLANE_MAIN = join(REPO_ROOT, 'apps/control-plane/dist/apps/control-plane/src/main.js');

export const DEFAULT_DATABASE_URL =
  process.env['UPKEEP_TEST_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';
export const DEFAULT_REDIS_URL = process.env['UPKEEP_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export type Role = 'viewer' | 'operator' | 'approver' | 'admin';

let build: Promise<void> | null = null;

/**
 * Compiles the control plane (incremental tsc, as `pnpm -s build` does) once per
 * process; a few seconds when nothing changed.
 */
export function buildControlPlane(): Promise<void> {
  // Under the shared build lock: test files started in parallel compile once, not over each other.
  build ??= withBuildLock('control-plane', () =>
    runProcess(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'apps/control-plane/tsconfig.json'],
      { timeoutMs: 600_000 },
    ),
  ).then((result) => {
    if (result.code !== 0 || !existsSync(CONTROL_PLANE_MAIN)) {
      build = null;
      throw new Error(
        `building the control plane failed (${String(result.code)}):\n${result.stdout}${result.stderr}`,
      );
    }
  });
  return build;
}

export interface ControlPlaneProcessOptions {
  /** Folder for the signing key, artifact store and log (created). */
  readonly dir: string;
  readonly databaseUrl?: string;
  readonly redisUrl?: string;
  /** Postgres schema of its own; default a fresh random one, dropped by `stop({ dropData: true })`. */
  readonly schema?: string;
  readonly queuePrefix?: string;
  /** versions.yaml with the components the fleet runs (UPKEEP_POLICY_FILE). */
  readonly policyFile?: string;
  readonly httpPort?: number;
  readonly grpcPort?: number;
  readonly logLevel?: string;
  readonly extraEnv?: Readonly<Record<string, string>>;
}

export interface ControlPlaneProcess {
  readonly pid: number;
  readonly httpUrl: string;
  /** host:port of the agent gateway, with the certificate's host name. */
  readonly grpcAddress: string;
  readonly caFile: string;
  readonly schema: string;
  readonly queuePrefix: string;
  /** The environment it runs with (for `upkeep-server api-token create` and replicas). */
  readonly env: Readonly<Record<string, string>>;
  /** Its log so far (JSON lines). */
  log(): string;
  cpu(): ProcessCpu | null;
  /** `upkeep-server api-token create`: a token of that role. */
  createApiToken(name: string, role: Role): Promise<string>;
  /** Stops it (SIGTERM, then SIGKILL after 20 s); with dropData, drops its schema and queue keys. */
  stop(options?: { readonly dropData?: boolean }): Promise<void>;
}

interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}

interface RedisClient {
  connect(): Promise<void>;
  keys(pattern: string): Promise<string[]>;
  del(...keys: string[]): Promise<number>;
  on(event: 'error', listener: () => void): void;
  disconnect(): void;
}

// pg and ioredis are the control plane's dependencies; the test support borrows them.
const fromControlPlane = createRequire(join(REPO_ROOT, 'apps/control-plane/package.json'));

/** Drops a schema and the keys under a queue prefix: what a control plane of a test left behind. */
export async function dropControlPlaneData(
  databaseUrl: string,
  schema: string,
  redisUrl: string,
  queuePrefix: string,
): Promise<void> {
  const { Client } = fromControlPlane('pg') as {
    Client: new (options: { connectionString: string }) => PgClient;
  };
  const url = new URL(databaseUrl);
  url.searchParams.delete('schema');
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema.replaceAll('"', '""')}" CASCADE`);
  } finally {
    await client.end();
  }
  const { Redis } = fromControlPlane('ioredis') as {
    Redis: new (url: string, options: { lazyConnect: boolean }) => RedisClient;
  };
  const redis = new Redis(redisUrl, { lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const keys = await redis.keys(`${queuePrefix}:*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  } finally {
    redis.disconnect();
  }
}

/** Starts `upkeep-server` (built first) and waits until /readyz answers 200. */
export async function startControlPlaneProcess(
  options: ControlPlaneProcessOptions,
): Promise<ControlPlaneProcess> {
  await buildControlPlane();
  mkdirSync(options.dir, { recursive: true });
  const schema = options.schema ?? `cp_${randomBytes(6).toString('hex')}`;
  const queuePrefix = options.queuePrefix ?? `fleet-${randomBytes(6).toString('hex')}`;
  const databaseUrl = options.databaseUrl ?? DEFAULT_DATABASE_URL;
  const redisUrl = options.redisUrl ?? DEFAULT_REDIS_URL;
  const url = new URL(databaseUrl);
  url.searchParams.set('schema', schema);
  const keyFile = join(options.dir, 'signing-key.pem');
  if (!existsSync(keyFile)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  }
  const httpPort = options.httpPort ?? (await freePort());
  const grpcPort = options.grpcPort ?? (await freePort());
  const env: Record<string, string> = {
    DATABASE_URL: url.toString(),
    REDIS_URL: redisUrl,
    UPKEEP_HTTP_ADDRESS: `127.0.0.1:${String(httpPort)}`,
    UPKEEP_GRPC_ADDRESS: `127.0.0.1:${String(grpcPort)}`,
    UPKEEP_TLS_CERT_FILE: join(TLS_DIR, 'server.crt'),
    UPKEEP_TLS_KEY_FILE: join(TLS_DIR, 'server.key'),
    UPKEEP_TLS_CA_FILE: CA_FILE,
    UPKEEP_MTLS: 'off',
    UPKEEP_SIGNING_KEY_FILE: keyFile,
    UPKEEP_ARTIFACT_DIR: join(options.dir, 'artifacts'),
    UPKEEP_QUEUE_PREFIX: queuePrefix,
    UPKEEP_OUTBOX_POLL_MS: '100',
    UPKEEP_LOG_LEVEL: options.logLevel ?? 'info',
    ...(options.policyFile === undefined ? {} : { UPKEEP_POLICY_FILE: options.policyFile }),
    ...options.extraEnv,
  };
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', CONTROL_PLANE_MAIN], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // Keep the start and the last 4 MB: enough to explain a failure, bounded for long benches.
  const append = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > 8_000_000) output = output.slice(0, 1_000_000) + output.slice(-4_000_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else
      child.once('exit', () => {
        resolve();
      });
  });
  const httpUrl = `http://127.0.0.1:${String(httpPort)}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `the control plane exited with ${String(child.exitCode)} at start-up:\n${output.slice(-4000)}`,
      );
    }
    try {
      const ready = await fetch(`${httpUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (ready.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the control plane was not ready within 120 s:\n${output.slice(-4000)}`);
    }
    await sleep(200);
  }
  const pid = child.pid ?? 0;
  let stopped = false;
  return {
    pid,
    httpUrl,
    grpcAddress: `localhost:${String(grpcPort)}`,
    caFile: CA_FILE,
    schema,
    queuePrefix,
    env,
    log: () => output,
    cpu: () => processCpu(pid),
    createApiToken: async (name, role) => {
      const created = await runProcess(
        process.execPath,
        [CONTROL_PLANE_MAIN, 'api-token', 'create', '--name', name, '--role', role],
        { env: { ...process.env, ...env }, timeoutMs: 120_000 },
      );
      if (created.code !== 0) throw new Error(`api-token create failed: ${created.stderr}`);
      return (JSON.parse(created.stdout) as { token: string }).token;
    },
    stop: async (stopOptions = {}) => {
      if (!stopped) {
        stopped = true;
        if (child.exitCode === null) {
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
          await exited;
          clearTimeout(killer);
        }
      }
      if (stopOptions.dropData === true)
        await dropControlPlaneData(databaseUrl, schema, redisUrl, queuePrefix);
    },
  };
}
