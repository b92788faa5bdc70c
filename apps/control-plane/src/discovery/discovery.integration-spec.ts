import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstream, type Upstream } from '../../../../test/support/upstream/index.ts';
import { fixturePolicyYaml, nodeExporterRelease } from '../testing/discovery-fixture.ts';
import type { RunningControlPlane } from '../bootstrap.ts';
import { ApiTokenService } from '../auth/api-token.service.ts';
import { loadConfig } from '../config/app-config.ts';
import { QueueRepository } from '../outbox/queue.repository.ts';
import { connectToSchema } from '../testing/test-database.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import { eventually } from '../testing/test-agent.ts';
import { DiscoveryService } from './discovery.service.ts';

const HOSTS = 20;

describe('central discovery and GET /api/check', () => {
  let upstream: Upstream;
  let dir: string;
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;
  let viewer = '';

  const get = async (path: string): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(`${controlPlane.httpUrl}${path}`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    return { status: response.status, body: await response.json() };
  };

  beforeAll(async () => {
    upstream = await startUpstream({
      github: {
        'prometheus/node_exporter': [
          nodeExporterRelease('1.8.0', '2024-04-01T00:00:00Z'),
          nodeExporterRelease('1.7.0', '2023-11-12T00:00:00Z'),
        ],
      },
      osv: [
        {
          id: 'GO-2024-0001',
          summary: 'a flaw fixed in 1.8.0',
          affected: [
            {
              package: { ecosystem: 'Go', name: 'github.com/prometheus/node_exporter' },
              ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.8.0' }] }],
            },
          ],
        },
      ],
    });
    dir = await mkdtemp(join(tmpdir(), 'upkeep-discovery-'));
    const policyFile = join(dir, 'versions.yaml');
    await writeFile(policyFile, fixturePolicyYaml(upstream.url));
    environment = await createTestEnvironment({
      extraEnv: { UPKEEP_POLICY_FILE: policyFile, UPKEEP_DISCOVERY_INTERVAL_SECONDS: '3600' },
    });
    controlPlane = await environment.start();
    viewer = (
      await controlPlane.app.get(ApiTokenService).create('v', 'viewer', null, { type: 'system', id: 'test' })
    ).token;
    const db = await connectToSchema(environment.schema.target);
    try {
      for (let index = 0; index < HOSTS; index += 1) {
        const hostId = randomUUID();
        await db.query(
          `INSERT INTO hosts (id, hostname, labels, groups, os, arch, agent_version, enrolled_at)
           VALUES ($1, $2, $3, $4, 'linux', 'amd64', '0.1.0', now())`,
          [
            hostId,
            `host-${String(index).padStart(2, '0')}`,
            JSON.stringify(index % 2 === 0 ? { env: 'prod' } : index === 1 ? { env: 'qa' } : { tier: 'web' }),
            index < 5 ? ['edge'] : [],
          ],
        );
        await db.query(
          `INSERT INTO host_inventory (id, host_id, component_name, version, binary_path, sha256, reported_at)
           VALUES ($1, $2, 'node_exporter', '1.7.0', '/usr/local/bin/node_exporter', $3, now()),
                  ($4, $2, 'mystery', '0.1.0', '/usr/local/bin/mystery', $3, now())`,
          [randomUUID(), hostId, 'a'.repeat(64), randomUUID()],
        );
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

  it('refreshes each component from its repeatable job into the releases table', async () => {
    const releases = await eventually(async () => {
      const body = (await get('/api/components/node_exporter/releases')).body as { version: string }[];
      return body.length === 2 ? body : undefined;
    }, 'discovery to store the releases');
    expect(releases.map((entry) => entry.version)).toEqual(['1.8.0', '1.7.0']);
    expect(await controlPlane.app.get(QueueRepository).schedulerIds('discovery')).toEqual([
      'discovery-refresh:node_exporter',
    ]);
  });

  it('answers GET /api/check for every host from one upstream request', async () => {
    const rows = (await get('/api/check')).body as {
      hostname: string;
      component: string;
      environment: string | null;
      targetVersion: string | null;
      status: string;
      decision: { securityFix: boolean } | null;
    }[];
    expect(rows).toHaveLength(HOSTS * 2);
    const managed = rows.filter((row) => row.component === 'node_exporter');
    const staging = managed.filter((row) => row.environment === null);
    const prod = managed.filter((row) => row.environment === 'prod');
    expect(staging).toHaveLength(HOSTS / 2 - 1);
    // A host labelled with an environment versions.yaml does not define is reported, not fatal.
    expect(managed.find((row) => row.environment === 'qa')).toMatchObject({
      status: 'unresolved',
      message: expect.stringContaining('qa') as unknown,
    });
    expect(staging[0]).toMatchObject({ targetVersion: '1.8.0', status: 'upgrade' });
    expect(staging.every((row) => row.targetVersion === '1.8.0' && row.decision !== null)).toBe(true);
    expect(staging[0]?.decision?.securityFix).toBe(true);
    expect(prod.every((row) => row.targetVersion === '1.7.0' && row.status === 'up-to-date')).toBe(true);
    expect(rows.filter((row) => row.component === 'mystery').every((row) => row.status === 'unmanaged')).toBe(
      true,
    );
    // Twenty hosts, one listing call upstream (and one OSV query).
    expect(upstream.requests.count('/repos/')).toBe(1);
    expect(upstream.requests.count('/v1/query')).toBe(1);
  });

  it('filters by component, label and group, and refuses a bad filter', async () => {
    expect(((await get('/api/check?component=node_exporter&label=env=prod')).body as unknown[]).length).toBe(
      HOSTS / 2,
    );
    expect(((await get('/api/check?group=edge&component=node_exporter')).body as unknown[]).length).toBe(5);
    expect(((await get('/api/check?component=loki')).body as unknown[]).length).toBe(0);
    expect((await get('/api/check?label=nokey')).status).toBe(400);
  });

  it('serves another replica from the Postgres cache and registers the schedule once', async () => {
    // A component since removed from versions.yaml: the next start-up drops its schedule.
    await controlPlane.app
      .get(QueueRepository)
      .upsertScheduler('discovery', 'discovery-refresh:ghost', 3_600_000, 'refresh', { component: 'ghost' });
    // Two more replicas starting at once register the catalog once (advisory lock).
    const [{ controlPlane: replica }] = await Promise.all([
      environment.startReplica(),
      environment.startReplica(),
    ]);
    const db = await connectToSchema(environment.schema.target);
    try {
      const counts = await db.query<{ components: string; sources: string }>(
        'SELECT (SELECT count(*) FROM components) AS components, (SELECT count(*) FROM component_sources) AS sources',
      );
      expect(counts.rows[0]).toEqual({ components: '1', sources: '1' });
    } finally {
      await db.end();
    }
    const report = await replica.app.get(DiscoveryService).refresh('node_exporter');
    expect(report.origin).toBe('cache');
    expect(upstream.requests.count('/repos/')).toBe(1);
    expect(await replica.app.get(QueueRepository).schedulerIds('discovery')).toEqual([
      'discovery-refresh:node_exporter',
    ]);
  });

  it('exports discovery, resolution and drift in /metrics', async () => {
    const text = await (await fetch(`${controlPlane.httpUrl}/metrics`)).text();
    const sample = (series: string): number | undefined => {
      const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    // Hosts without an env label resolve 1.8.0 and run 1.7.0; prod pins 1.7.0; qa does not resolve.
    expect(sample('upkeep_hosts_drifting{component="node_exporter",environment=""}')).toBe(HOSTS / 2 - 1);
    expect(sample('upkeep_hosts_drifting{component="node_exporter",environment="prod"}')).toBe(0);
    expect(text).not.toContain('environment="qa"');
    expect(sample('upkeep_upstream_requests_total{source="github",result="success"}')).toBe(1);
    expect(sample('upkeep_upstream_requests_total{source="osv",result="success"}')).toBe(1);
    expect(sample('upkeep_cache_misses_total{tier="postgres"}')).toBeGreaterThanOrEqual(2);
    expect(sample('upkeep_upstream_rate_limit_remaining{upstream="' + upstream.url + '"}')).toBeGreaterThan(
      0,
    );
    expect(
      sample('upkeep_version_resolution_duration_seconds_count{component="node_exporter"}'),
    ).toBeGreaterThanOrEqual(2);
    // The one OSV record stored by the refresh, whatever severity it was filed under.
    const advisories = [
      ...text.matchAll(
        /^upkeep_security_advisories_found\{component="node_exporter",severity="[^"]*"\} (\d+)$/gm,
      ),
    ];
    expect(advisories.reduce((sum, match) => sum + Number(match[1]), 0)).toBe(1);
  });

  it('stops start-up on a bad versions.yaml, naming the variable and the file', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'components:\n  node_exporter:\n    strategy: newest\n');
    expect(() =>
      loadConfig({ ...environment.env, UPKEEP_POLICY_FILE: bad }, (path) => readFileSync(path)),
    ).toThrow(/UPKEEP_POLICY_FILE names .*bad\.yaml, which is not a valid versions\.yaml/);
  });
});
