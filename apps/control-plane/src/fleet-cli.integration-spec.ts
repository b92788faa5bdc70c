import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentSession } from '@upkeep/agent-client';
import { REPO_ROOT, runProcess, runUpkeep, type ProcessResult } from '../../../test/support/run-process.ts';
import { startUpstream, type Upstream } from '../../../test/support/upstream/index.ts';
import type { RunningControlPlane } from './bootstrap.ts';
import { ApiTokenService } from './auth/api-token.service.ts';
import { createTestEnvironment, type TestEnvironment } from './testing/test-control-plane.ts';
import { enrollTestAgent, eventually, startTestAgent } from './testing/test-agent.ts';
import { fixturePolicyYaml, nodeExporterRelease } from './testing/discovery-fixture.ts';

// End to end: the real `upkeep` process (spawned from source, as users run it) against a real
// control plane (Postgres, Redis, a gRPC agent, the local upstream). It lives here rather than in
// test/e2e because the control plane needs legacy decorators, which only this app's tsconfig enables.
describe('upkeep fleet commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'upkeep-fleet-cli-'));
  const configHome = join(dir, 'config');
  const credentials = join(configHome, 'upkeep', 'credentials.json');
  const env = { ...process.env, XDG_CONFIG_HOME: configHome, UPKEEP_DEBUG: '0' };
  let upstream: Upstream;
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;
  let session: AgentSession;
  let admin = '';
  let viewer = '';
  let hostId = '';

  const upkeep = (args: readonly string[]): Promise<ProcessResult> => runUpkeep(args, { env });
  const tokenFile = (name: string, token: string, mode: number): string => {
    const path = join(dir, name);
    writeFileSync(path, `${token}\n`, { mode });
    chmodSync(path, mode);
    return path;
  };
  const json = (result: ProcessResult): unknown => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as unknown;
  };

  beforeAll(async () => {
    upstream = await startUpstream({
      github: {
        'prometheus/node_exporter': [
          nodeExporterRelease('1.8.0', '2024-04-01T00:00:00Z'),
          nodeExporterRelease('1.7.0', '2023-11-12T00:00:00Z'),
        ],
      },
    });
    const policyFile = join(dir, 'versions.yaml');
    writeFileSync(policyFile, fixturePolicyYaml(upstream.url));
    environment = await createTestEnvironment({
      extraEnv: { UPKEEP_POLICY_FILE: policyFile, UPKEEP_DISCOVERY_INTERVAL_SECONDS: '3600' },
    });
    controlPlane = await environment.start();
    const tokens = controlPlane.app.get(ApiTokenService);
    const system = { type: 'system', id: 'e2e' } as const;
    admin = (await tokens.create('admin', 'admin', null, system)).token;
    viewer = (await tokens.create('viewer', 'viewer', null, system)).token;
    const identity = await enrollTestAgent(environment, controlPlane, 'web-1');
    hostId = identity.agentId;
    session = startTestAgent(environment, identity);
  });

  afterAll(async () => {
    await session.stop();
    await environment.cleanup();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a token file others can read, and a token the server does not know', async () => {
    const open = await upkeep([
      'login',
      '--server',
      controlPlane.httpUrl,
      '--token-file',
      tokenFile('open.token', admin, 0o644),
    ]);
    expect(open.code).not.toBe(0);
    expect(open.stderr).toMatch(/mode 0644.*refusing/);
    const wrong = await upkeep([
      'login',
      '--server',
      controlPlane.httpUrl,
      '--token-file',
      tokenFile('wrong.token', 'upk_not-a-token', 0o600),
      '--json',
    ]);
    expect(wrong.code).not.toBe(0);
    expect(JSON.parse(wrong.stderr)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect(() => statSync(credentials)).toThrow();
  });

  it('logs in from standard input and stores the credentials 0600', async () => {
    const login = await runProcess(
      process.execPath,
      [`${REPO_ROOT}apps/cli/src/main.ts`, 'login', '--server', controlPlane.httpUrl, '--json'],
      { env, input: `${admin}\n` },
    );
    expect(json(login)).toEqual({ server: controlPlane.httpUrl, credentials });
    expect(statSync(credentials).mode & 0o777).toBe(0o600);
  });

  it('lists hosts, as JSON and as a table, with label filters', async () => {
    const hosts = json(await upkeep(['hosts', '--json'])) as { hostname: string; id: string }[];
    expect(hosts).toEqual([expect.objectContaining({ hostname: 'web-1', id: hostId })]);
    const table = await upkeep(['hosts']);
    expect(table.stdout).toMatch(/^HOSTNAME\s+ID\s+STATUS/);
    expect(table.stdout).toContain('web-1');
    expect((await upkeep(['hosts', '--label', 'env=nowhere'])).stdout).toBe('(none)\n');
    const bad = await upkeep(['hosts', '--label', 'nokey']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('is not KEY=VALUE');
  });

  it('creates an enrollment token', async () => {
    const created = json(
      await upkeep([
        'enroll-token',
        'create',
        '--ttl',
        '1h',
        '--single-use',
        '--label',
        'env=prod',
        '--json',
      ]),
    ) as { token: string; singleUse: boolean; labels: Record<string, string> };
    expect(created.token.length).toBeGreaterThanOrEqual(32);
    expect(created).toMatchObject({ singleUse: true, labels: { env: 'prod' } });
    const human = await upkeep(['enroll-token', 'create']);
    expect(human.stdout).toContain('shown once');
    expect((await upkeep(['enroll-token', 'create', '--ttl', 'soon'])).code).toBe(64);
  });

  it('checks the fleet', async () => {
    const rows = await eventually(async () => {
      const result = await upkeep(['check', '--fleet', '--json']);
      const parsed = JSON.parse(result.stdout) as { targetVersion: string | null }[];
      return parsed[0]?.targetVersion === '1.8.0' ? parsed : undefined;
    }, 'discovery and inventory to meet in GET /api/check');
    expect(rows).toEqual([
      expect.objectContaining({
        hostname: 'web-1',
        component: 'node_exporter',
        currentVersion: '1.7.0',
        targetVersion: '1.8.0',
      }),
    ]);
    const table = await upkeep(['check', '--fleet', '--component', 'node_exporter']);
    expect(table.stdout).toMatch(/web-1\s+-\s+node_exporter\s+1\.7\.0\s+1\.8\.0/);
    // Without --fleet, `check` is the local one: it needs a versions.yaml, and says so.
    const local = await upkeep(['check', '--config', '/nonexistent/versions.yaml']);
    expect(local.code).toBe(66);
    expect(local.stderr).toMatch(/versions\.yaml does not exist/);
  });

  it('lists jobs by host name and state', async () => {
    const response = await fetch(`${controlPlane.httpUrl}/api/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ hostId, kind: 'upgrade', component: 'node_exporter', targetVersion: '1.8.0' }),
    });
    expect(response.status).toBe(201);
    const jobs = json(await upkeep(['jobs', '--host', 'web-1', '--json'])) as { component: string }[];
    expect(jobs).toEqual([expect.objectContaining({ component: 'node_exporter', hostId })]);
    expect((await upkeep(['jobs', '--host', hostId, '--state', 'cancelled', '--json'])).stdout.trim()).toBe(
      '[]',
    );
    expect((await upkeep(['jobs'])).stdout).toMatch(/^ID\s+HOST\s+KIND/);
    expect((await upkeep(['jobs', '--state', 'bogus'])).code).toBe(64);
    const unknown = await upkeep(['jobs', '--host', 'nope', '--json']);
    expect(JSON.parse(unknown.stderr)).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('shows the audit trail and the upgrade history', async () => {
    interface Interval {
      hostname: string;
      version: string;
      via: string;
      jobId: string | null;
      replacedAt: string | null;
    }
    // The upgrade job of the previous test succeeds on the test agent (which keeps reporting 1.7.0).
    const upgrades = await eventually(async () => {
      const answer = json(
        await upkeep(['history', 'upgrades', '--component', 'node_exporter', '--json']),
      ) as {
        items: Interval[];
      };
      return answer.items.some((item) => item.version === '1.8.0') ? answer : undefined;
    }, 'the upgrade to 1.8.0 in the history');
    expect(upgrades.items.map((item) => [item.hostname, item.version, item.via])).toEqual([
      ['web-1', '1.7.0', 'host.inventory_changed'],
      ['web-1', '1.8.0', 'job.succeeded'],
    ]);
    expect(upgrades.items[1]?.jobId).toMatch(/^[0-9a-f-]{36}$/);
    const during = json(
      await upkeep(['history', 'upgrades', '--component', 'node_exporter', '--version', '1.7.0', '--json']),
    ) as { items: Interval[] };
    expect(during.items.map((item) => [item.version, item.replacedAt === null])).toEqual([['1.7.0', false]]);

    const trail = json(
      await upkeep(['history', '--host', 'web-1', '--component', 'node_exporter', '--json']),
    ) as {
      items: { action: string; version: string | null }[];
      nextCursor: string | null;
    };
    expect(new Set(trail.items.map((item) => item.action))).toEqual(
      new Set(['host.inventory_changed', 'job.created', 'job.step', 'job.succeeded']),
    );
    const table = await upkeep(['history', '--limit', '2']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^TIME\s+ACTOR\s+ACTION\s+COMPONENT\s+HOST/);
    expect(table.stdout).toContain('more: add --cursor ');
    const history = await upkeep(['history', 'upgrades', '--component', 'node_exporter']);
    expect(history.stdout).toMatch(/^HOST\s+VERSION\s+INSTALLED/);
    expect(history.stdout).toContain('(still installed)');
    const bad = await upkeep(['history', '--since', 'yesterday', '--json']);
    expect(bad.code).not.toBe(0);
    const error = (JSON.parse(bad.stderr) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.message).toContain('"yesterday" is not an ISO-8601 time');
  });

  it("maps the server's refusals to error codes and refuses an exposed credentials file", async () => {
    const login = await upkeep([
      'login',
      '--server',
      controlPlane.httpUrl,
      '--token-file',
      tokenFile('viewer.token', viewer, 0o600),
    ]);
    expect(login.code).toBe(0);
    const forbidden = await upkeep(['enroll-token', 'create', '--json']);
    expect(forbidden.code).toBe(77);
    expect(JSON.parse(forbidden.stderr)).toMatchObject({
      error: { code: 'FORBIDDEN', details: { status: 403 } },
    });
    chmodSync(credentials, 0o644);
    const exposed = await upkeep(['hosts']);
    expect(exposed.code).not.toBe(0);
    expect(exposed.stderr).toContain('refusing to use the token');
    expect(exposed.stderr).not.toContain(viewer);
  });
});
