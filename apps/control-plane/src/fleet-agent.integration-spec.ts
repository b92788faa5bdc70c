import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runAgent } from '../../../test/support/run-process.ts';
import {
  DEMO_COMPONENT,
  DEMO_REPO,
  demoPaths,
  stopDemoService,
  writeDemoHost,
} from '../../../test/support/agent/demo-host.ts';
import { servedVersion } from '../../../test/support/exporter/exporter-program.ts';
import { exporterAssetName, exporterRelease } from '../../../test/support/exporter/exporter-releases.ts';
import { freePort } from '../../../test/support/free-port.ts';
import { startUpstream, type Upstream } from '../../../test/support/upstream/index.ts';
import type { RunningControlPlane } from './bootstrap.ts';
import { ApiTokenService } from './auth/api-token.service.ts';
import { createTestEnvironment, TLS_DIR, type TestEnvironment } from './testing/test-control-plane.ts';
import { EnrollmentService } from './enrollment/enrollment.service.ts';
import { HostService } from './hosts/host.service.ts';
import { eventually, TEST_OPERATOR } from './testing/test-agent.ts';

interface Reply<T> {
  readonly status: number;
  readonly body: T;
}

// End to end with real processes: the control plane (Postgres, Redis, gRPC), `upkeep-agent enroll`
// and `upkeep-agent run` spawned from source on a host folder whose demo_exporter really serves HTTP
// and is really stopped and started. Here rather than in test/e2e because the control plane needs
// the legacy decorators only this app's tsconfig enables.
describe('upkeep-agent run in a fleet', () => {
  const node = process.execPath;
  const root = mkdtempSync(join(tmpdir(), 'upkeep-fleet-agent-'));
  const release110 = exporterRelease({ version: '1.1.0', published_at: '2026-09-01T00:00:00Z' }, node);
  const archive110 = Buffer.from(
    release110.assets?.find((a) => a.name === exporterAssetName('1.1.0'))?.content ?? '',
  );
  const sha110 = createHash('sha256').update(archive110).digest('hex');
  let upstream: Upstream;
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;
  let operator = '';
  let port = 0;
  let agent: ChildProcess | undefined;
  let agentLog = '';
  // A host name, not an IP: Node warns about an IP as TLS server name.
  const server = (): string => environment.grpcUrl.replace('127.0.0.1', 'localhost');

  const api = async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Reply<T>> => {
    const response = await fetch(`${controlPlane.httpUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${operator}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  };

  beforeAll(async () => {
    upstream = await startUpstream({
      github: {
        [DEMO_REPO]: [
          release110,
          exporterRelease({ version: '1.0.0', published_at: '2026-08-01T00:00:00Z' }, node),
        ],
      },
    });
    port = await freePort();
    writeDemoHost(root, { upstreamUrl: upstream.url, port });
    environment = await createTestEnvironment();
    controlPlane = await environment.start();
    operator = (
      await controlPlane.app
        .get(ApiTokenService)
        .create('op', 'operator', null, { type: 'system', id: 'e2e' })
    ).token;
  });

  afterAll(async () => {
    if (agent !== undefined && agent.exitCode === null) {
      agent.kill('SIGTERM');
      await new Promise((resolve) => agent?.once('exit', resolve));
    }
    stopDemoService(root);
    await environment.cleanup();
    await upstream.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('enrolls, runs an upgrade job from the artifact cache, and reports the new inventory', async () => {
    // The host runs 1.0.0, installed locally.
    const local = await runAgent(['upgrade', DEMO_COMPONENT, '1.0.0', '--root', root, '--json']);
    expect(local.code).toBe(0);
    expect(await servedVersion(port)).toBe('1.0.0');

    const bad = await runAgent([
      'enroll',
      '--server',
      server(),
      '--token',
      'upk_enroll_nope',
      '--ca-file',
      join(TLS_DIR, 'ca.crt'),
      '--root',
      root,
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(`enrollment at ${server()} failed`);
    expect(bad.stderr).toContain('ask an operator for a new enrollment token');

    const token = await api<{ token: string }>('POST', '/api/enrollment-tokens', {
      description: 'fleet agent e2e',
      labels: { env: 'e2e' },
      groups: [],
      singleUse: true,
      ttlSeconds: 600,
    });
    expect(token.status).toBe(201);
    const enrolled = await runAgent([
      'enroll',
      '--server',
      server(),
      '--token',
      token.body.token,
      '--ca-file',
      join(TLS_DIR, 'ca.crt'),
      '--label',
      'role=web',
      '--root',
      root,
      '--json',
    ]);
    expect(enrolled.stderr).toBe('');
    expect(enrolled.code).toBe(0);
    const { agent_id: hostId, identity_file: identityFile } = JSON.parse(enrolled.stdout) as {
      agent_id: string;
      identity_file: string;
    };
    expect(identityFile).toBe(join(root, 'var/lib/upkeep/agent-identity.json'));
    const again = await runAgent([
      'enroll',
      '--server',
      server(),
      '--token',
      token.body.token,
      '--root',
      root,
    ]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('already enrolled');

    const uploaded = await fetch(`${controlPlane.httpUrl}/api/artifacts/sha256/${sha110}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/octet-stream' },
      body: archive110,
    });
    expect(uploaded.status).toBe(201);

    agent = spawn(
      node,
      [`${REPO_ROOT}apps/agent/src/main.ts`, 'run', '--root', root, '--heartbeat-seconds', '1'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    agent.stderr?.on('data', (chunk: Buffer) => {
      agentLog += chunk.toString();
    });

    await eventually(
      async () => {
        const host = await api<{ installed: { name: string; version: string }[] }>(
          'GET',
          `/api/hosts/${hostId}`,
        );
        return host.body.installed.some((c) => c.name === DEMO_COMPONENT && c.version === '1.0.0')
          ? true
          : undefined;
      },
      'the first inventory',
      20_000,
    );

    const job = await api<{ id: string }>('POST', '/api/jobs', {
      hostId,
      kind: 'upgrade',
      component: DEMO_COMPONENT,
      targetVersion: '1.1.0',
      artifact: { url: `${controlPlane.httpUrl}/artifacts/sha256/${sha110}`, sha256: sha110 },
    });
    expect(job.status).toBe(201);
    const done = await eventually(
      async () => {
        const answer = await api<{ state: string; steps: { name: string }[]; result: unknown }>(
          'GET',
          `/api/jobs/${job.body.id}`,
        );
        return answer.body.state === 'succeeded' || answer.body.state === 'failed' ? answer.body : undefined;
      },
      'the upgrade job',
      60_000,
    );
    expect(done.state, agentLog).toBe('succeeded');
    expect(done.steps.map((s) => s.name)).toEqual(
      expect.arrayContaining(['fetch', 'download', 'verify', 'swap']),
    );
    expect(await servedVersion(port)).toBe('1.1.0');
    await eventually(
      async () => {
        const host = await api<{ installed: { name: string; version: string; sha256: string }[] }>(
          'GET',
          `/api/hosts/${hostId}`,
        );
        return host.body.installed.some((c) => c.name === DEMO_COMPONENT && c.version === '1.1.0')
          ? true
          : undefined;
      },
      'the inventory after the upgrade',
      20_000,
    );
    expect(readFileSync(demoPaths(root).stateDb).length).toBeGreaterThan(0);

    // A rollback job runs the local rollback flow: the previous version is back and serving.
    const rollback = await api<{ id: string }>('POST', '/api/jobs', {
      hostId,
      kind: 'rollback',
      component: DEMO_COMPONENT,
    });
    expect(rollback.status).toBe(201);
    const rolledBack = await eventually(
      async () => {
        const answer = await api<{ state: string }>('GET', `/api/jobs/${rollback.body.id}`);
        return answer.body.state === 'succeeded' || answer.body.state === 'failed' ? answer.body : undefined;
      },
      'the rollback job',
      60_000,
    );
    expect(rolledBack.state, agentLog).toBe('succeeded');
    expect(await servedVersion(port)).toBe('1.0.0');

    agent.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => agent?.once('exit', resolve));
    expect(code, agentLog).toBe(0);
    expect(agentLog).toContain('"fleet_stopped"');
  }, 120_000);
});

describe('upkeep-agent enroll and run with mutual TLS', () => {
  const root = mkdtempSync(join(tmpdir(), 'upkeep-fleet-mtls-'));
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;
  let agent: ChildProcess | undefined;
  let agentLog = '';

  beforeAll(async () => {
    writeDemoHost(root, { upstreamUrl: 'http://127.0.0.1:9', port: await freePort() });
    environment = await createTestEnvironment({ mtls: true });
    controlPlane = await environment.start();
  });

  afterAll(async () => {
    if (agent !== undefined && agent.exitCode === null) {
      agent.kill('SIGTERM');
      await new Promise((resolve) => agent?.once('exit', resolve));
    }
    await environment.cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps the client pair for run, and the control plane sees the agent', async () => {
    const server = environment.grpcUrl.replace('127.0.0.1', 'localhost');
    const { token } = await controlPlane.app
      .get(EnrollmentService)
      .createToken(
        { description: '', labels: {}, groups: [], singleUse: false, ttlSeconds: 600 },
        TEST_OPERATOR,
      );
    const ca = join(TLS_DIR, 'ca.crt');
    const without = await runAgent([
      'enroll',
      '--server',
      server,
      '--token',
      token,
      '--ca-file',
      ca,
      '--root',
      root,
    ]);
    expect(without.code).not.toBe(0);
    expect(without.stderr).toContain(`enrollment at ${server} failed`);
    const half = await runAgent([
      'enroll',
      '--server',
      server,
      '--token',
      token,
      '--ca-file',
      ca,
      '--client-cert',
      join(TLS_DIR, 'agent-a.crt'),
      '--root',
      root,
    ]);
    expect(half.stderr).toContain('needs both --client-cert and --client-key');

    const enrolled = await runAgent([
      'enroll',
      '--server',
      server,
      '--token',
      token,
      '--ca-file',
      ca,
      '--client-cert',
      join(TLS_DIR, 'agent-a.crt'),
      '--client-key',
      join(TLS_DIR, 'agent-a.key'),
      '--root',
      root,
      '--json',
    ]);
    expect(enrolled.stderr).toBe('');
    expect(enrolled.code).toBe(0);
    const { agent_id: hostId } = JSON.parse(enrolled.stdout) as { agent_id: string };

    agent = spawn(
      process.execPath,
      [`${REPO_ROOT}apps/agent/src/main.ts`, 'run', '--root', root, '--heartbeat-seconds', '1'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    agent.stderr?.on('data', (chunk: Buffer) => {
      agentLog += chunk.toString();
    });
    // Heartbeats over the mutual TLS session move the host's last-seen time forward.
    const first = await eventually(
      async () => (await controlPlane.app.get(HostService).get(hostId)).lastSeenAt ?? undefined,
      'the mutual TLS session',
      20_000,
    );
    await eventually(
      async () => {
        const seen = (await controlPlane.app.get(HostService).get(hostId)).lastSeenAt;
        return seen !== null && seen > first ? seen : undefined;
      },
      'a heartbeat',
      20_000,
    );
    expect(agentLog).toContain('"fleet_connected"');
    agent.kill('SIGTERM');
    expect(await new Promise<number | null>((resolve) => agent?.once('exit', resolve)), agentLog).toBe(0);
  }, 60_000);
});
