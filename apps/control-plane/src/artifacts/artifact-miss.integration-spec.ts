import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadArtifact, type AgentIdentity } from '@upkeep/agent-client';
import { sha256Hex, startUpstream, type Upstream } from '../../../../test/support/upstream/index.ts';
import type { RunningControlPlane } from '../bootstrap.ts';
import { ApiTokenService } from '../auth/api-token.service.ts';
import { connectToSchema } from '../testing/test-database.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import { enrollTestAgent } from '../testing/test-agent.ts';
import { fixturePolicyYaml, nodeExporterArchive, nodeExporterRelease } from '../testing/discovery-fixture.ts';
import { UpstreamArtifactService } from './upstream-artifact.service.ts';

interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly hint?: string };
}

/** Two replicas on one database, each with its own UPKEEP_ARTIFACT_DIR (no shared volume). */
describe('an artifact missing from a replica', () => {
  let upstream: Upstream;
  let upstreamOpen = true;
  let policyDir: string;
  let environment: TestEnvironment;
  let first: RunningControlPlane;
  let second: RunningControlPlane;
  let firstDir = '';
  let secondDir = '';
  let operator = '';
  let agent: AgentIdentity;

  const stored = async (dir: string, sha256: string): Promise<boolean> =>
    (await readdir(join(dir, 'sha256', sha256.slice(0, 2))).catch((): string[] => [])).includes(sha256);
  const get = (
    controlPlane: RunningControlPlane,
    sha256: string,
    headers: Record<string, string> = {},
  ): Promise<Response> =>
    fetch(`${controlPlane.httpUrl}/artifacts/sha256/${sha256}`, {
      headers: { authorization: `Bearer ${agent.credential}`, ...headers },
    });
  const assetDownloads = (version: string): number =>
    upstream.requests.count((request) =>
      request.path.endsWith(`node_exporter-${version}.linux-amd64.tar.gz`),
    );

  beforeAll(async () => {
    upstream = await startUpstream({
      github: {
        'prometheus/node_exporter': [
          nodeExporterRelease('1.8.0', '2024-04-01T00:00:00Z'),
          nodeExporterRelease('1.7.0', '2023-11-01T00:00:00Z'),
        ],
      },
    });
    policyDir = await mkdtemp(join(tmpdir(), 'upkeep-miss-'));
    const policyFile = join(policyDir, 'versions.yaml');
    await writeFile(policyFile, fixturePolicyYaml(upstream.url));
    environment = await createTestEnvironment({
      extraEnv: { UPKEEP_POLICY_FILE: policyFile, UPKEEP_DISCOVERY_INTERVAL_SECONDS: '3600' },
    });
    firstDir = join(environment.dir, 'artifacts');
    secondDir = join(environment.dir, 'artifacts-second');
    first = await environment.start();
    second = (await environment.startReplica({}, { UPKEEP_ARTIFACT_DIR: secondDir })).controlPlane;
    operator = (
      await first.app.get(ApiTokenService).create('o', 'operator', null, { type: 'system', id: 'test' })
    ).token;
    agent = await enrollTestAgent(environment, first);
  });

  afterAll(async () => {
    await environment.cleanup();
    if (upstreamOpen) await upstream.close();
    await rm(policyDir, { recursive: true, force: true });
  });

  it('is fetched again from upstream by the replica asked for it, and served whole', async () => {
    const expected = sha256Hex(nodeExporterArchive('1.8.0'));
    const created = await fetch(`${first.httpUrl}/api/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        hostId: agent.agentId,
        kind: 'upgrade',
        component: 'node_exporter',
        targetVersion: '1.8.0',
      }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ artifact: { sha256: expected } });
    expect(await stored(firstDir, expected)).toBe(true);
    expect(await stored(secondDir, expected)).toBe(false);
    const db = await connectToSchema(environment.schema.target);
    try {
      const { rows } = await db.query(
        'SELECT component, version, os, arch, asset_name FROM artifact_origins WHERE sha256 = $1',
        [expected],
      );
      expect(rows).toEqual([
        {
          component: 'node_exporter',
          version: '1.8.0',
          os: 'linux',
          arch: 'amd64',
          asset_name: 'node_exporter-1.8.0.linux-amd64.tar.gz',
        },
      ]);
    } finally {
      await db.end();
    }
    expect(assetDownloads('1.8.0')).toBe(1);

    // The agent's own downloader, pointed at the replica that never fetched it.
    const destination = join(environment.dir, 'node_exporter-1.8.0.tar.gz');
    const url = `${second.httpUrl}/artifacts/sha256/${expected}`;
    const result = await downloadArtifact({
      url,
      sha256: expected,
      credential: agent.credential,
      destination,
    });
    expect(result.bytes).toBe(nodeExporterArchive('1.8.0').length);
    expect(sha256Hex(await readFile(destination))).toBe(expected);
    expect(await stored(secondDir, expected)).toBe(true);
    expect(assetDownloads('1.8.0')).toBe(2);

    // Now local to the second replica: a Range request is served from its store, upstream is not asked.
    const part = await get(second, expected, { range: 'bytes=0-9' });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(nodeExporterArchive('1.8.0').subarray(0, 10))).toBe(
      true,
    );
    expect(assetDownloads('1.8.0')).toBe(2);
  });

  it('answers 404 naming the cause when the artifact was uploaded to another replica', async () => {
    const bytes = randomBytes(10_000);
    const sha256 = sha256Hex(bytes);
    const upload = await fetch(`${first.httpUrl}/api/artifacts/sha256/${sha256}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(upload.status).toBe(201);
    expect((await get(first, sha256)).status).toBe(200);

    for (const digest of [sha256, '1'.repeat(64)]) {
      const missing = await get(second, digest);
      expect(missing.status).toBe(404);
      const body = (await missing.json()) as ErrorBody;
      expect(body.error.code).toBe('NOT_FOUND');
      expect(body.error.message).toBe(
        `artifact sha256:${digest} is not in this replica's store and was not fetched from upstream by any replica, so it cannot be fetched again`,
      );
      expect(body.error.hint).toContain('share UPKEEP_ARTIFACT_DIR between replicas, or upload it again');
    }
  });

  it('answers the fetch error, storing nothing, when upstream is down', async () => {
    const expected = sha256Hex(nodeExporterArchive('1.7.0'));
    const served = await first.app
      .get(UpstreamArtifactService)
      .ensure('node_exporter', '1.7.0', 'linux', 'amd64');
    expect(served.sha256).toBe(expected);
    expect(await stored(firstDir, expected)).toBe(true);

    await upstream.close();
    upstreamOpen = false;
    const failed = await get(second, expected);
    expect(failed.status).toBe(502);
    const body = (await failed.json()) as ErrorBody;
    expect(body.error.message).toMatch(
      new RegExp(
        `^artifact sha256:${expected} is not in this replica's store, and fetching it again from upstream as node_exporter 1\\.7\\.0 \\(node_exporter-1\\.7\\.0\\.linux-amd64\\.tar\\.gz, linux/amd64\\) failed: `,
      ),
    );
    expect(await stored(secondDir, expected)).toBe(false);
    expect(await readdir(join(secondDir, 'tmp')).catch((): string[] => [])).toEqual([]);
    // HEAD takes the same route.
    const head = await fetch(`${second.httpUrl}/artifacts/sha256/${expected}`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${agent.credential}` },
    });
    expect(head.status).toBe(failed.status);
    expect(await stored(secondDir, expected)).toBe(false);
    // The first replica still serves its own copy.
    expect((await get(first, expected)).status).toBe(200);
  });
});
