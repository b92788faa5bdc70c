import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentSession, enroll, MemoryAgentStateStore } from '@upkeep/agent-client';
import { createTestEnvironment, tlsFile, type TestEnvironment } from './testing/test-control-plane.ts';
import { eventually } from './testing/test-agent.ts';

// The real process, killed with SIGKILL mid-job: nothing graceful happens on the server side.
const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(APP_DIR, 'dist/apps/control-plane/src/main.js');

describe('control plane killed while a job runs', () => {
  let environment: TestEnvironment;
  let server: ChildProcess | undefined;
  let session: AgentSession | undefined;
  let adminToken = '';
  let httpUrl = '';

  const startServer = async (): Promise<ChildProcess> => {
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, ...environment.env, UPKEEP_LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    await eventually(
      async () => {
        try {
          const response = await fetch(`${httpUrl}/readyz`);
          return response.status === 200 ? true : undefined;
        } catch {
          return undefined;
        }
      },
      'the control plane process to be ready',
      20_000,
    );
    return child;
  };

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${httpUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };

  beforeAll(async () => {
    // The test runs the compiled server; an incremental build is quick when nothing changed.
    execFileSync(
      process.execPath,
      [join(APP_DIR, '../../node_modules/typescript/bin/tsc'), '-p', join(APP_DIR, 'tsconfig.json')],
      {
        stdio: 'inherit',
      },
    );
    environment = await createTestEnvironment();
    httpUrl = `http://${environment.env['UPKEEP_HTTP_ADDRESS'] ?? ''}`;
    const created = execFileSync(
      process.execPath,
      [MAIN, 'api-token', 'create', '--name', 'crash-test', '--role', 'admin'],
      {
        env: { ...process.env, ...environment.env },
        encoding: 'utf8',
      },
    );
    adminToken = (JSON.parse(created) as { token: string }).token;
  }, 120_000);

  afterAll(async () => {
    await session?.stop();
    server?.kill('SIGKILL');
    await environment.cleanup();
  });

  it('gets the result after the restart, exactly once', async () => {
    server = await startServer();
    const { token } = await api<{ token: string }>('POST', '/api/enrollment-tokens', {
      singleUse: true,
      ttlSeconds: 600,
    });
    const identity = await enroll({
      serverUrl: environment.grpcUrl,
      token,
      hostname: 'crash-1',
      os: 'linux',
      arch: 'amd64',
      agentVersion: '0.1.0',
      tls: { caPem: tlsFile('ca.crt') },
    });
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const acknowledged: [string, boolean][] = [];
    session = new AgentSession({
      serverUrl: environment.grpcUrl,
      identity,
      tls: { caPem: tlsFile('ca.crt') },
      store: new MemoryAgentStateStore(),
      executor: async () => {
        await released;
        return { outcome: 'succeeded', message: 'survived the crash' };
      },
      inventory: () => Promise.resolve([]),
      agentVersion: '0.1.0',
      backoff: { initialMs: 100, maxMs: 500, multiplier: 2 },
    });
    session.on('result-acknowledged', (jobId, duplicate) => acknowledged.push([jobId, duplicate]));
    session.start();
    await new Promise((resolve) => session?.once('connected', resolve));

    const job = await api<{ id: string }>('POST', '/api/jobs', {
      hostId: identity.agentId,
      kind: 'upgrade',
      component: 'node_exporter',
      targetVersion: '1.8.2',
      artifact: { url: 'https://cp.example/a', sha256: '3'.repeat(64) },
    });
    await eventually(
      async () =>
        (await api<{ state: string }>('GET', `/api/jobs/${job.id}`)).state === 'running' ? true : undefined,
      'the job to run',
    );

    server.kill('SIGKILL');
    await new Promise((resolve) => server?.once('exit', resolve));
    release();
    await sleep(300);

    server = await startServer();
    const finished = await eventually(async () => {
      const current = await api<{ state: string; result: unknown }>('GET', `/api/jobs/${job.id}`);
      return current.state === 'succeeded' ? current : undefined;
    }, 'the result after the restart');
    expect(finished.result).toMatchObject({ message: 'survived the crash' });
    await eventually(
      () => Promise.resolve(acknowledged.length > 0 ? true : undefined),
      'the acknowledgement',
    );
    expect(acknowledged).toEqual([[job.id, false]]);
    const audit = await api<{ items: { action: string }[] }>('GET', `/api/audit-events?targetId=${job.id}`);
    expect(audit.items.map((item) => item.action).sort()).toEqual(['job.created', 'job.succeeded']);
  });
});
