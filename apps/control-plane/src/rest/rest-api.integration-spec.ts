import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enroll, type AgentSession } from '@upkeep/agent-client';
import type { RunningControlPlane } from '../bootstrap.ts';
import { ApiTokenService } from '../auth/api-token.service.ts';
import { createTestEnvironment, tlsFile, type TestEnvironment } from '../testing/test-control-plane.ts';
import { eventually, startTestAgent } from '../testing/test-agent.ts';

const OPENAPI_FILE = join(dirname(fileURLToPath(import.meta.url)), '../../openapi.json');

interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

describe('REST API', () => {
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;
  let session: AgentSession | undefined;
  const tokens: Record<'viewer' | 'operator' | 'admin', string> = { viewer: '', operator: '', admin: '' };
  const tokenIds: Record<string, string> = {};

  const api = async <T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; requestId?: string } = {},
  ): Promise<Answer<T>> => {
    const response = await fetch(`${controlPlane.httpUrl}${path}`, {
      method,
      headers: {
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.requestId === undefined ? {} : { 'x-request-id': options.requestId }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: (text === '' ? {} : JSON.parse(text)) as T,
      headers: response.headers,
    };
  };

  beforeAll(async () => {
    environment = await createTestEnvironment();
    controlPlane = await environment.start();
    const service = controlPlane.app.get(ApiTokenService);
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      const created = await service.create(`${role}-token`, role, null, { type: 'system', id: 'test' });
      tokens[role] = created.token;
      tokenIds[role] = created.id;
    }
  });

  afterAll(async () => {
    await session?.stop();
    await environment.cleanup();
  });

  it('answers /healthz and /readyz without a token', async () => {
    expect(await api('GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await api('GET', '/readyz')).toMatchObject({
      status: 200,
      body: { status: 'ready', checks: { postgres: 'ok', redis: 'ok', migrations: 'ok' } },
    });
  });

  it('refuses a missing or unknown token with 401 and a role below the endpoint with 403', async () => {
    const missing = await api('GET', '/api/hosts');
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect((await api('GET', '/api/hosts', { token: `upk_api_${'x'.repeat(43)}` })).status).toBe(401);

    const forbidden = await api('POST', '/api/enrollment-tokens', { token: tokens.viewer, body: {} });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({
      error: { code: 'FORBIDDEN', message: 'this needs the operator role; token viewer-token has viewer' },
    });
    expect(
      (await api('POST', '/api/api-tokens', { token: tokens.operator, body: { name: 'x', role: 'admin' } }))
        .status,
    ).toBe(403);
  });

  it('creates an enrollment token, lists the enrolled host by label and group, and shows its inventory', async () => {
    const created = await api<{ token: string; id: string }>('POST', '/api/enrollment-tokens', {
      token: tokens.operator,
      body: { labels: { env: 'prod' }, groups: ['edge'], singleUse: true, ttlSeconds: 600 },
      requestId: 'req-enroll-token-1',
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe('req-enroll-token-1');
    expect(created.body.token).toMatch(/^upk_enroll_/);

    const identity = await enroll({
      serverUrl: environment.grpcUrl,
      token: created.body.token,
      hostname: 'edge-7',
      os: 'linux',
      arch: 'arm64',
      agentVersion: '0.1.0',
      tls: { caPem: tlsFile('ca.crt') },
    });
    session = startTestAgent(environment, identity);

    const byLabel = await api<{ items: { id: string; hostname: string }[] }>(
      'GET',
      '/api/hosts?label=env=prod&group=edge',
      {
        token: tokens.viewer,
      },
    );
    expect(byLabel.status).toBe(200);
    expect(byLabel.body.items.map((host) => host.hostname)).toEqual(['edge-7']);
    const none = await api<{ items: unknown[] }>('GET', '/api/hosts?label=env=staging', {
      token: tokens.viewer,
    });
    expect(none.body.items).toEqual([]);

    const detail = await eventually(async () => {
      const answer = await api<{ installed: { name: string; version: string }[] }>(
        'GET',
        `/api/hosts/${identity.agentId}`,
        {
          token: tokens.viewer,
        },
      );
      return answer.body.installed.length > 0 ? answer.body : undefined;
    }, 'the inventory');
    expect(detail.installed).toEqual([expect.objectContaining({ name: 'node_exporter', version: '1.7.0' })]);

    const audit = await api<{ items: { action: string; actorId: string; requestId: string | null }[] }>(
      'GET',
      `/api/audit-events?targetId=${created.body.id}`,
      { token: tokens.viewer },
    );
    expect(audit.body.items).toEqual([
      expect.objectContaining({
        action: 'enrollment_token.created',
        actorId: tokenIds['operator'],
        requestId: 'req-enroll-token-1',
      }),
    ]);
    // By group: the token that lets hosts into `edge`, and the host it enrolled (with its groups then).
    const edge = await api<{ items: { action: string; hostGroups: string[] }[] }>(
      'GET',
      '/api/audit?group=edge',
      {
        token: tokens.viewer,
      },
    );
    expect(edge.body.items.map((item) => item.action).sort()).toEqual(
      expect.arrayContaining(['enrollment_token.created', 'host.enrolled']),
    );
    expect(edge.body.items.every((item) => item.hostGroups.includes('edge'))).toBe(true);
  });

  it('creates a job through the API and the agent completes it', async () => {
    const hosts = await api<{ items: { id: string }[] }>('GET', '/api/hosts?group=edge', {
      token: tokens.viewer,
    });
    const hostId = hosts.body.items[0]!.id;
    const bad = await api('POST', '/api/jobs', {
      token: tokens.operator,
      body: { hostId, kind: 'shell', component: 'x', command: 'rm -rf /' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'INPUT_INVALID' } });
    expect(JSON.stringify(bad.body)).toContain('command');

    const created = await api<{ id: string; state: string }>('POST', '/api/jobs', {
      token: tokens.operator,
      body: {
        hostId,
        kind: 'upgrade',
        component: 'node_exporter',
        targetVersion: '1.8.2',
        artifact: { url: 'https://cp.example/artifacts/x', sha256: 'f'.repeat(64) },
      },
    });
    expect(created.status).toBe(201);
    const done = await eventually(async () => {
      const answer = await api<{ state: string; steps: unknown[] }>('GET', `/api/jobs/${created.body.id}`, {
        token: tokens.viewer,
      });
      return answer.body.state === 'succeeded' ? answer.body : undefined;
    }, 'the job');
    expect(done.steps).toHaveLength(2);
    const listed = await api<{ items: { id: string }[] }>(
      'GET',
      `/api/jobs?hostId=${hostId}&state=succeeded`,
      { token: tokens.viewer },
    );
    expect(listed.body.items.map((job) => job.id)).toEqual([created.body.id]);
    expect((await api('GET', '/api/jobs/not-a-uuid', { token: tokens.viewer })).status).toBe(400);
    expect((await api('GET', `/api/jobs/${hostId}`, { token: tokens.viewer })).status).toBe(404);
  });

  it('revokes a host: its open session is ended with UNAUTHENTICATED and the agent stops', async () => {
    const hosts = await api<{ items: { id: string }[] }>('GET', '/api/hosts?group=edge', {
      token: tokens.viewer,
    });
    const hostId = hosts.body.items[0]!.id;
    expect((await api('POST', `/api/hosts/${hostId}/revoke`, { token: tokens.operator })).status).toBe(403);
    const fatal = new Promise<Error>((resolve) => session?.once('fatal', resolve));
    const revoked = await api<{ status: string }>('POST', `/api/hosts/${hostId}/revoke`, {
      token: tokens.admin,
    });
    expect(revoked).toMatchObject({ status: 200, body: { status: 'revoked' } });
    expect((await fatal).message).toContain(`agent ${hostId} has been revoked`);
    const job = await api('POST', '/api/jobs', {
      token: tokens.operator,
      body: { hostId, kind: 'cleanup', component: 'node_exporter' },
    });
    expect(job).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });

  it('pages through the audit trail with a cursor and filters it', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`;
      const page: Answer<{ items: { id: string; occurredAt: string }[]; nextCursor: string | null }> =
        await api('GET', `/api/audit-events?limit=2${query}`, { token: tokens.viewer });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item) => item.id));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 50);
    const all = await api<{ items: { id: string }[] }>('GET', '/api/audit-events?limit=500', {
      token: tokens.viewer,
    });
    expect(seen).toEqual(all.body.items.map((item) => item.id));
    expect(pages).toBeGreaterThan(2);
    expect(new Set(seen).size).toBe(seen.length);

    const jobsOnly = await api<{ items: { action: string }[] }>(
      'GET',
      '/api/audit-events?action=job.created',
      { token: tokens.viewer },
    );
    expect(jobsOnly.body.items.map((item) => item.action)).toEqual(['job.created']);
    const badCursor = await api('GET', '/api/audit-events?cursor=nonsense', { token: tokens.viewer });
    expect(badCursor.status).toBe(400);
    const badSince = await api('GET', '/api/audit-events?since=yesterday', { token: tokens.viewer });
    expect(badSince.body).toMatchObject({ error: { code: 'INPUT_INVALID' } });
  });

  it('serves the OpenAPI document at /api/docs, identical to the committed apps/control-plane/openapi.json', async () => {
    const served = await api('GET', '/api/docs-json');
    expect(served.status).toBe(200);
    expect(served.body).toEqual(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')));
    const ui = await fetch(`${controlPlane.httpUrl}/api/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });
});
