import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentIdentity } from '@upkeep/agent-client';
import { sha256Hex, startUpstream, type Upstream } from '../../../../test/support/upstream/index.ts';
import type { RunningControlPlane } from '../bootstrap.ts';
import { ApiTokenService } from '../auth/api-token.service.ts';
import { connectToSchema } from '../testing/test-database.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import { enrollTestAgent } from '../testing/test-agent.ts';
import { fixturePolicyYaml, nodeExporterArchive, nodeExporterRelease } from '../testing/discovery-fixture.ts';

describe('artifacts fetched from upstream for jobs', () => {
  let upstream: Upstream;
  let dir: string;
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;
  let operator = '';
  let agent: AgentIdentity;
  const hostIds: string[] = [];

  const createJob = async (
    hostId: string,
    targetVersion: string,
  ): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`${controlPlane.httpUrl}/api/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ hostId, kind: 'upgrade', component: 'node_exporter', targetVersion }),
    });
    return { status: response.status, body: await response.json() };
  };

  beforeAll(async () => {
    upstream = await startUpstream({
      github: {
        'prometheus/node_exporter': [
          nodeExporterRelease('1.9.0', '2024-09-01T00:00:00Z', { tampered: true }),
          nodeExporterRelease('1.8.0', '2024-04-01T00:00:00Z'),
        ],
      },
    });
    dir = await mkdtemp(join(tmpdir(), 'upkeep-artifacts-'));
    const policyFile = join(dir, 'versions.yaml');
    await writeFile(policyFile, fixturePolicyYaml(upstream.url));
    environment = await createTestEnvironment({
      extraEnv: { UPKEEP_POLICY_FILE: policyFile, UPKEEP_DISCOVERY_INTERVAL_SECONDS: '3600' },
    });
    controlPlane = await environment.start();
    operator = (
      await controlPlane.app
        .get(ApiTokenService)
        .create('o', 'operator', null, { type: 'system', id: 'test' })
    ).token;
    agent = await enrollTestAgent(environment, controlPlane);
    hostIds.push(agent.agentId);
    const db = await connectToSchema(environment.schema.target);
    try {
      for (let index = 0; index < 4; index += 1) {
        const id = randomUUID();
        await db.query(
          `INSERT INTO hosts (id, hostname, os, arch, agent_version, enrolled_at)
           VALUES ($1, $2, 'linux', 'amd64', '0.1.0', now())`,
          [id, `web-${index + 2}`],
        );
        hostIds.push(id);
      }
    } finally {
      await db.end();
    }
  });

  afterAll(async () => {
    await environment.cleanup();
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('downloads the release asset once for many jobs and serves it to agents', async () => {
    const expected = sha256Hex(nodeExporterArchive('1.8.0'));
    const created = await Promise.all(hostIds.map((hostId) => createJob(hostId, '1.8.0')));
    for (const job of created) {
      expect(job).toMatchObject({
        status: 201,
        body: { artifact: { url: `${controlPlane.httpUrl}/artifacts/sha256/${expected}`, sha256: expected } },
      });
    }
    const assetDownloads = upstream.requests.count((request) =>
      request.path.endsWith('node_exporter-1.8.0.linux-amd64.tar.gz'),
    );
    expect(assetDownloads).toBe(1);

    const served = await fetch(`${controlPlane.httpUrl}/artifacts/sha256/${expected}`, {
      headers: { authorization: `Bearer ${agent.credential}` },
    });
    expect(served.status).toBe(200);
    expect(sha256Hex(new Uint8Array(await served.arrayBuffer()))).toBe(expected);

    // A later job for the same version is served from the store without asking upstream again.
    expect((await createJob(hostIds[0] ?? '', '1.8.0')).status).toBe(201);
    expect(
      upstream.requests.count((request) => request.path.endsWith('node_exporter-1.8.0.linux-amd64.tar.gz')),
    ).toBe(1);
  });

  it('refuses a job whose upstream asset does not match its published sha256, storing nothing', async () => {
    const refused = await createJob(hostIds[1] ?? '', '1.9.0');
    expect(refused).toMatchObject({ body: { error: { code: 'CHECKSUM_MISMATCH' } } });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    const listed = (await (
      await fetch(`${controlPlane.httpUrl}/api/jobs?hostId=${hostIds[1] ?? ''}`, {
        headers: { authorization: `Bearer ${operator}` },
      })
    ).json()) as { items: { targetVersion: string }[] };
    expect(listed.items.map((job) => job.targetVersion)).toEqual(['1.8.0']);
  });

  it('names the problem when the version does not exist upstream', async () => {
    const missing = await createJob(hostIds[2] ?? '', '9.9.9');
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'UPSTREAM_NOT_FOUND' } } });
  });
});
