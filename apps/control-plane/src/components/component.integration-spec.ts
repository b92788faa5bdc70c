import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentSession } from '@upkeep/agent-client';
import type { RunningControlPlane } from '../bootstrap.ts';
import { ApiTokenService } from '../auth/api-token.service.ts';
import { connectToSchema } from '../testing/test-database.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import { enrollTestAgent, eventually, startTestAgent } from '../testing/test-agent.ts';

describe('components API', () => {
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;
  let session: AgentSession;
  let viewer = '';

  const get = async (path: string): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`${controlPlane.httpUrl}${path}`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    return { status: response.status, body: await response.json() };
  };

  beforeAll(async () => {
    environment = await createTestEnvironment();
    controlPlane = await environment.start();
    viewer = (
      await controlPlane.app.get(ApiTokenService).create('v', 'viewer', null, { type: 'system', id: 'test' })
    ).token;
    // What discovery will write: a component, its source and releases.
    const db = await connectToSchema(environment.schema.target);
    try {
      const id = randomUUID();
      await db.query(
        "INSERT INTO components (id, name, description) VALUES ($1, 'node_exporter', 'Prometheus host metrics')",
        [id],
      );
      await db.query(
        'INSERT INTO component_sources (id, component_id, kind, config, priority) VALUES ($1, $2, \'github\', \'{"repo":"prometheus/node_exporter"}\', 0)',
        [randomUUID(), id],
      );
      for (const [version, published] of [
        ['1.7.0', '2023-11-12T00:00:00Z'],
        ['1.8.2', '2024-07-15T00:00:00Z'],
        ['1.8.1', '2024-05-30T00:00:00Z'],
      ] as const) {
        await db.query(
          'INSERT INTO releases (id, component_id, version, tag, published_at) VALUES ($1, $2, $3, $4, $5)',
          [randomUUID(), id, version, `v${version}`, published],
        );
      }
    } finally {
      await db.end();
    }
    session = startTestAgent(environment, await enrollTestAgent(environment, controlPlane));
  });

  afterAll(async () => {
    await session.stop();
    await environment.cleanup();
  });

  it('lists components with their newest release and the fleet versions', async () => {
    const listed = await eventually(async () => {
      const body = (await get('/api/components')).body as {
        name: string;
        installed: Record<string, number>;
      }[];
      return body[0]?.installed['1.7.0'] === 1 ? body : undefined;
    }, 'the inventory to show');
    expect(listed).toEqual([
      {
        name: 'node_exporter',
        description: 'Prometheus host metrics',
        sources: [{ kind: 'github', priority: 0 }],
        latest: expect.objectContaining({ version: '1.8.2', tag: 'v1.8.2' }) as unknown,
        installed: { '1.7.0': 1 },
      },
    ]);
  });

  it('lists releases newest first and names an unknown component', async () => {
    const releases = (await get('/api/components/node_exporter/releases?limit=2')).body as {
      version: string;
    }[];
    expect(releases.map((release) => release.version)).toEqual(['1.8.2', '1.8.1']);
    const unknown = await get('/api/components/loki/releases');
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'UNKNOWN_COMPONENT' } } });
    expect((await get('/api/components/Bad Name/releases')).status).toBe(400);
  });
});
