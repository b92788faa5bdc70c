// bench/gateway: N simulated agents (real gRPC clients over TLS, one connection
// each, many per process) against the compiled control plane in its own process.
// Prints the control plane's RSS and CPU per 1,000 connected agents (idle, with
// heartbeats) and the p50/p99 time from job creation (REST) to the agent receiving it.
//
//   pnpm -s bench:gateway -- --agents 1000 --jobs 200
//
// Uses the machine's Postgres and Redis (its own schema and queue prefix, removed afterwards).
import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { AgentSession, enroll, MemoryAgentStateStore, type AgentIdentity } from '@upkeep/agent-client';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((argument) => argument !== '--'),
  options: {
    agents: { type: 'string', default: '1000' },
    jobs: { type: 'string', default: '200' },
    'idle-seconds': { type: 'string', default: '30' },
  },
});
const AGENTS = Number(values.agents);
const JOBS = Number(values.jobs);
const IDLE_SECONDS = Number(values['idle-seconds']);

const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(APP_DIR, 'dist/apps/control-plane/src/main.js');
const TLS_DIR = join(APP_DIR, 'src/testing/fixtures/tls');
const DATABASE = process.env['UPKEEP_TEST_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env['UPKEEP_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no port'));
        else resolve(address.port);
      });
    });
  });

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function processStats(pid: number): { rssKb: number; cpuTicks: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of /proc/pid/stat (1-based), i.e. 11 and 12 after "comm) ".
  return { rssKb, cpuTicks: Number(fields[11] ?? 0) + Number(fields[12] ?? 0) };
}

async function inBatches<T, R>(
  items: readonly T[],
  size: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let index = 0; index < items.length; index += size) {
    results.push(...(await Promise.all(items.slice(index, index + size).map(task))));
  }
  return results;
}

const schema = `bench_${randomBytes(5).toString('hex')}`;
const prefix = `bench-${randomBytes(5).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'upkeep-bench-'));
const keyFile = join(dir, 'signing-key.pem');
writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));
const [httpPort, grpcPort] = [await freePort(), await freePort()];
const env = {
  ...process.env,
  DATABASE_URL: `${DATABASE}?schema=${schema}`,
  REDIS_URL,
  UPKEEP_HTTP_ADDRESS: `127.0.0.1:${httpPort}`,
  UPKEEP_GRPC_ADDRESS: `127.0.0.1:${grpcPort}`,
  UPKEEP_TLS_CERT_FILE: join(TLS_DIR, 'server.crt'),
  UPKEEP_TLS_KEY_FILE: join(TLS_DIR, 'server.key'),
  UPKEEP_SIGNING_KEY_FILE: keyFile,
  UPKEEP_ARTIFACT_DIR: join(dir, 'artifacts'),
  UPKEEP_QUEUE_PREFIX: prefix,
  UPKEEP_LOG_LEVEL: 'warn',
};
const httpUrl = `http://127.0.0.1:${httpPort}`;
const grpcUrl = `127.0.0.1:${grpcPort}`;
const caPem = readFileSync(join(TLS_DIR, 'ca.crt'));
const sessions: AgentSession[] = [];
const server = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'ignore', 'inherit'] });

async function cleanup(): Promise<void> {
  await Promise.all(sessions.map((session) => session.stop()));
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  const client = new pg.Client({ connectionString: DATABASE });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
}

try {
  for (let attempt = 0; ; attempt += 1) {
    const ready = await fetch(`${httpUrl}/readyz`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) break;
    if (attempt > 300) throw new Error('the control plane did not become ready');
    await sleep(100);
  }
  const pid = server.pid ?? 0;
  const admin = (
    JSON.parse(
      execFileSync(process.execPath, [MAIN, 'api-token', 'create', '--name', 'bench', '--role', 'admin'], {
        env,
        encoding: 'utf8',
      }),
    ) as {
      token: string;
    }
  ).token;
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${httpUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const baseline = processStats(pid);
  const { token } = await api<{ token: string }>('POST', '/api/enrollment-tokens', {
    singleUse: false,
    ttlSeconds: 7200,
  });

  let started = performance.now();
  const identities = await inBatches(
    Array.from({ length: AGENTS }, (_, index) => index),
    25,
    (index): Promise<AgentIdentity> =>
      enroll({
        serverUrl: grpcUrl,
        token,
        hostname: `bench-${index}`,
        os: 'linux',
        arch: 'amd64',
        agentVersion: 'bench',
        tls: { caPem },
      }),
  );
  const enrollSeconds = (performance.now() - started) / 1000;

  const received = new Map<string, number>();
  started = performance.now();
  await inBatches(identities, 100, async (identity) => {
    const session = new AgentSession({
      serverUrl: grpcUrl,
      identity,
      tls: { caPem },
      store: new MemoryAgentStateStore(),
      executor: () => Promise.resolve({ outcome: 'succeeded', message: 'bench' }),
      inventory: () => Promise.resolve([]),
      agentVersion: 'bench',
      channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
    });
    session.on('received', (jobId) => {
      if (!received.has(jobId)) received.set(jobId, performance.now());
    });
    sessions.push(session);
    const connected = new Promise((resolve) => session.once('connected', resolve));
    session.start();
    await connected;
  });
  const connectSeconds = (performance.now() - started) / 1000;

  await sleep(3000);
  const idleStart = processStats(pid);
  await sleep(IDLE_SECONDS * 1000);
  const idleEnd = processStats(pid);
  const cpuPercent = ((idleEnd.cpuTicks - idleStart.cpuTicks) / 100 / IDLE_SECONDS) * 100;

  const latencies: number[] = [];
  for (let index = 0; index < JOBS; index += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, JOBS - index) }, async () => {
        const identity = identities[Math.floor(Math.random() * identities.length)];
        if (identity === undefined) throw new Error('no agent');
        const created = performance.now();
        const job = await api<{ id: string }>('POST', '/api/jobs', {
          hostId: identity.agentId,
          kind: 'cleanup',
          component: 'node_exporter',
        });
        for (let waited = 0; !received.has(job.id); waited += 5) {
          if (waited > 30_000) throw new Error(`job ${job.id} never reached its agent`);
          await sleep(5);
        }
        return (received.get(job.id) ?? created) - created;
      }),
    );
    latencies.push(...batch);
  }
  latencies.sort((a, b) => a - b);
  const loaded = processStats(pid);

  const perThousand = (kb: number): number => Math.round((kb / 1024 / AGENTS) * 1000);
  const figures = {
    agents: AGENTS,
    enrollSeconds: Number(enrollSeconds.toFixed(1)),
    connectSeconds: Number(connectSeconds.toFixed(1)),
    controlPlaneRssMbBaseline: Math.round(baseline.rssKb / 1024),
    controlPlaneRssMbConnected: Math.round(idleEnd.rssKb / 1024),
    rssMbPer1000AgentsAboveBaseline: perThousand(idleEnd.rssKb - baseline.rssKb),
    idleCpuPercentOneCore: Number(cpuPercent.toFixed(1)),
    idleCpuPercentPer1000Agents: Number(((cpuPercent / AGENTS) * 1000).toFixed(2)),
    jobs: latencies.length,
    jobToAgentMsP50: Number(percentile(latencies, 50).toFixed(1)),
    jobToAgentMsP99: Number(percentile(latencies, 99).toFixed(1)),
    controlPlaneRssMbAfterJobs: Math.round(loaded.rssKb / 1024),
  };
  console.log(JSON.stringify(figures, null, 2));
} finally {
  await cleanup();
}
