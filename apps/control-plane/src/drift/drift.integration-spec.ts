import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUpkeep, type ProcessResult } from '../../../../test/support/run-process.ts';
import { startConsoleFixture, type ConsoleFixture } from '../testing/console-fixture.ts';
import { eventually } from '../testing/test-agent.ts';
import type { DriftReport } from './drift.ts';

// GET /api/drift, GET /api/me and `upkeep drift` against a real control plane with
// real agent sessions: staging follows the newest node_exporter (1.8.0), prod pins
// 1.7.0, an advisory affects everything before 1.8.0, and legacy-1 rolls back.
describe('drift report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'upkeep-drift-'));
  const env = { ...process.env, XDG_CONFIG_HOME: join(dir, 'config'), UPKEEP_DEBUG: '0' };
  let fixture: ConsoleFixture;

  const api = async (path: string, role: 'viewer' | 'operator' = 'viewer', body?: unknown) => {
    const response = await fetch(`${fixture.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${fixture.tokens[role]}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json() };
  };
  const drift = async (query = ''): Promise<DriftReport> =>
    (await api(`/api/drift${query}`)).body as DriftReport;
  const upkeep = (args: readonly string[]): Promise<ProcessResult> => runUpkeep(args, { env });

  beforeAll(async () => {
    fixture = await startConsoleFixture({
      consoleDir: join(dir, 'no-console'),
      jobDurationMs: 10,
      hosts: [
        { hostname: 'canary-1', groups: ['canary'], env: 'staging', version: '1.8.0' },
        { hostname: 'web-1', groups: ['web'], env: 'staging', version: '1.7.0' },
        { hostname: 'db-1', groups: ['db'], env: 'prod', version: '1.7.0' },
        {
          hostname: 'legacy-1',
          groups: ['web', 'legacy'],
          env: 'staging',
          version: '1.7.0',
          behaviour: 'fail-and-roll-back',
        },
      ],
    });
    const credentials = join(dir, 'config', 'upkeep');
    mkdirSync(credentials, { recursive: true, mode: 0o700 });
    writeFileSync(
      join(credentials, 'credentials.json'),
      JSON.stringify({ server: fixture.url, token: fixture.tokens.viewer }),
      { mode: 0o600 },
    );
  }, 120_000);

  afterAll(async () => {
    await fixture.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says who a token belongs to', async () => {
    expect((await api('/api/me')).body).toEqual({ name: 'viewer-vera', role: 'viewer' });
    expect((await api('/api/me', 'operator')).body).toEqual({ name: 'operator-olga', role: 'operator' });
  });

  it('reports hosts off the approved version and hosts running a version with a known advisory', async () => {
    const report = await drift();
    expect(report.hosts).toBe(4);
    const byHost = Object.fromEntries(report.rows.map((row) => [row.hostname, row]));
    expect(Object.keys(byHost).sort()).toEqual(['db-1', 'legacy-1', 'web-1']);
    expect(byHost['web-1']).toMatchObject({
      groups: ['web'],
      environment: 'staging',
      currentVersion: '1.7.0',
      approvedVersion: '1.8.0',
      drift: ['off_approved', 'advisory'],
      advisories: [expect.objectContaining({ id: 'GO-2026-0042' })],
      rollback: null,
    });
    // prod pins 1.7.0: on policy, but still exposed.
    expect(byHost['db-1']).toMatchObject({ approvedVersion: '1.7.0', drift: ['advisory'] });
    expect(report.counts).toEqual({ off_approved: 2, advisory: 3, rolled_back: 0 });
    const all = await drift('?all=true');
    expect(all.rows.find((row) => row.hostname === 'canary-1')).toMatchObject({ drift: [] });
    expect((await drift('?group=db')).rows.map((row) => row.hostname)).toEqual(['db-1']);
    const bad = await api('/api/drift?kind=sideways');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('must be off_approved, advisory or rolled_back');
  });

  it('reports a host whose upgrade was rolled back while it stays off the target', async () => {
    const job = await api('/api/jobs', 'operator', {
      hostId: fixture.hostIds['legacy-1'],
      kind: 'upgrade',
      component: 'node_exporter',
      targetVersion: '1.8.0',
    });
    expect(job.status).toBe(201);
    const report = await eventually(async () => {
      const current = await drift('?kind=rolled_back');
      return current.rows.length > 0 ? current : undefined;
    }, 'the rolled-back job in the drift report');
    expect(report.rows).toEqual([
      expect.objectContaining({
        hostname: 'legacy-1',
        drift: ['off_approved', 'advisory', 'rolled_back'],
        rollback: expect.objectContaining({
          jobId: (job.body as { id: string }).id,
          targetVersion: '1.8.0',
        }) as unknown,
      }),
    ]);
  });

  it('gives the components page what each environment resolves to, with advisories', async () => {
    const overview = await api('/api/components/node_exporter/overview');
    expect(overview.status).toBe(200);
    expect(overview.body).toMatchObject({
      name: 'node_exporter',
      managed: true,
      environments: [
        { environment: null, version: '1.8.0', message: null },
        { environment: 'prod', version: '1.7.0', message: null },
        { environment: 'staging', version: '1.8.0', message: null },
      ],
      advisories: [expect.objectContaining({ id: 'GO-2026-0042', severity: 'high' })],
      breakingChanges: [],
    });
    expect((overview.body as { releases: { version: string }[] }).releases.map((r) => r.version)).toEqual([
      '1.8.0',
      '1.7.0',
      '1.6.0',
    ]);
    expect((await api('/api/components/nothing/overview')).status).toBe(404);
  });

  it('is what `upkeep drift` prints, as JSON and as a table', async () => {
    const json = await upkeep(['drift', '--json', '--group', 'web']);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as DriftReport;
    expect(report.rows.map((row) => row.hostname).sort()).toEqual(['legacy-1', 'web-1']);
    const table = await upkeep(['drift', '--kind', 'rolled_back']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^4 hosts; off_approved 2, advisory 3, rolled_back 1\n/);
    expect(table.stdout).toMatch(/legacy-1\s+web,legacy\s+staging\s+node_exporter\s+1\.7\.0\s+1\.8\.0/);
    expect(table.stdout).toContain('rolled back from 1.8.0');
    expect(table.stdout).not.toContain('web-1');
  });
});
