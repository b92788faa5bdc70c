import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentSession } from '@upkeep/agent-client';
import { runUpkeep, type ProcessResult } from '../../../../test/support/run-process.ts';
import { startUpstream, type Upstream } from '../../../../test/support/upstream/index.ts';
import type { RunningControlPlane } from '../bootstrap.ts';
import { ApiTokenService } from '../auth/api-token.service.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import { enrollTestAgent, eventually, startTestAgent } from '../testing/test-agent.ts';
import { fixturePolicyYaml, nodeExporterRelease } from '../testing/discovery-fixture.ts';
import type { RolloutView } from './rollout.ts';

// The real `upkeep` process against a real control plane and agent sessions.
describe('upkeep rollout', () => {
  const dir = mkdtempSync(join(tmpdir(), 'upkeep-rollout-cli-'));
  const env = { ...process.env, XDG_CONFIG_HOME: join(dir, 'config'), UPKEEP_DEBUG: '0' };
  let upstream: Upstream;
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;
  const sessions: AgentSession[] = [];

  const upkeep = (args: readonly string[]): Promise<ProcessResult> => runUpkeep(args, { env });
  const json = (result: ProcessResult): unknown => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as unknown;
  };
  const request = [
    '--component',
    'node_exporter',
    '--env',
    'staging',
    '--target',
    '1.7.1',
    '--labels',
    'role=web',
    '--wave',
    'canary=1,1,0,1',
    '--wave',
    'rest=100%,2,0,50%',
  ];

  beforeAll(async () => {
    upstream = await startUpstream({
      github: {
        'prometheus/node_exporter': [
          nodeExporterRelease('2.0.0', '2024-10-01T00:00:00Z'),
          nodeExporterRelease('1.7.1', '2024-09-01T00:00:00Z'),
          nodeExporterRelease('1.7.0', '2024-04-01T00:00:00Z'),
        ],
      },
    });
    const policyFile = join(dir, 'versions.yaml');
    writeFileSync(policyFile, `${fixturePolicyYaml(upstream.url)}  staging:\n    component_overrides: {}\n`);
    environment = await createTestEnvironment({
      extraEnv: {
        UPKEEP_POLICY_FILE: policyFile,
        UPKEEP_DISCOVERY_INTERVAL_SECONDS: '3600',
        UPKEEP_ROLLOUT_TICK_MS: '100',
      },
    });
    controlPlane = await environment.start();
    const token = (
      await controlPlane.app
        .get(ApiTokenService)
        .create('operator', 'admin', null, { type: 'system', id: 'test' })
    ).token;
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    for (const hostname of ['web-1', 'web-2', 'web-3']) {
      const identity = await enrollTestAgent(environment, controlPlane, hostname);
      sessions.push(startTestAgent(environment, identity));
    }
    const { Client } = (await import('pg')).default;
    const db = new Client({ connectionString: environment.schema.target.connectionString });
    await db.connect();
    try {
      await db.query(`SET search_path TO "${environment.schema.target.schema}"`);
      await db.query(`UPDATE hosts SET labels = '{"role":"web"}'`);
    } finally {
      await db.end();
    }
    const login = await upkeep(['login', '--server', controlPlane.httpUrl, '--token-file', tokenFile]);
    expect(login.code, login.stderr).toBe(0);
    await eventually(
      async () => {
        const plan = await upkeep(['rollout', 'plan', ...request, '--json']);
        const waves = (JSON.parse(plan.stdout) as { waves: { hosts: { decision: string }[] }[] }).waves;
        return waves.flatMap((wave) => wave.hosts).filter((host) => host.decision !== 'skip').length === 3
          ? true
          : undefined;
      },
      'agents reported their inventory',
      30_000,
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(sessions.map((session) => session.stop()));
    await environment.cleanup();
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('plans, creates, shows, lists, and refuses an action the state does not allow', async () => {
    const planText = await upkeep(['rollout', 'plan', ...request]);
    expect(planText.code, planText.stderr).toBe(0);
    expect(planText.stdout).toMatch(/node_exporter → 1\.7\.1 in staging: risk \w+, expected/);
    expect(planText.stdout).toMatch(/WAVE\s+HOST\s+CURRENT\s+DECISION/);
    expect(planText.stdout).toMatch(/canary \(1\)\s+web-1\s+1\.7\.0/);
    expect(planText.stdout).not.toContain('maintenance windows');
    // A major move: the approval policy's default holds it to maintenance windows.
    const major = request.map((arg) => (arg === '1.7.1' ? '2.0.0' : arg));
    const majorText = await upkeep(['rollout', 'plan', ...major]);
    expect(majorText.code, majorText.stderr).toBe(0);
    expect(majorText.stdout).toContain(
      'runs only inside maintenance windows (required by the approval policy)',
    );

    const created = json(await upkeep(['rollout', 'create', ...request, '--json'])) as RolloutView;
    expect(created.waves.map((wave) => wave.hosts.map((host) => host.hostname))).toEqual([
      ['web-1'],
      ['web-2', 'web-3'],
    ]);
    await eventually(
      async () => {
        const shown = json(await upkeep(['rollout', 'show', created.id, '--json'])) as RolloutView;
        return shown.state === 'completed' ? shown : undefined;
      },
      'rollout completed',
      60_000,
    );
    const text = await upkeep(['rollout', 'show', created.id]);
    expect(text.stdout).toContain('state completed');
    expect(text.stdout).toContain(`created by operator (${created.createdBy})`);
    expect(text.stdout).toContain(`risk ${String(created.risk)} (frozen when planned)`);
    expect(created.risk).not.toBeNull();
    expect(text.stdout).toMatch(/0 canary\s+completed\s+web-1\s+succeeded/);
    const listed = json(await upkeep(['rollout', 'list', '--state', 'completed', '--json'])) as RolloutView[];
    expect(listed.map((rollout) => rollout.id)).toEqual([created.id]);
    const pause = await upkeep(['rollout', 'pause', created.id]);
    expect(pause.code).not.toBe(0);
    expect(pause.stderr).toContain('cannot pause a rollout that is completed');
    const bad = await upkeep(['rollout', 'plan', ...request.slice(0, 6), '--wave', 'canary=1']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('is not name=size,maxParallel,bakeSeconds,threshold');
  }, 120_000);

  it('creates a draft that runs nothing until submitted, then refuses a second submit', async () => {
    const draft = json(await upkeep(['rollout', 'create', ...request, '--draft', '--json'])) as RolloutView;
    expect(draft.state).toBe('draft');
    const text = await upkeep(['rollout', 'show', draft.id]);
    expect(text.stdout).toContain('state draft');
    // The driver ticks every 100 ms: half a second later the draft has dispatched nothing.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const held = json(await upkeep(['rollout', 'show', draft.id, '--json'])) as RolloutView;
    expect(held.state).toBe('draft');
    expect(held.waves.flatMap((wave) => wave.hosts).every((host) => host.jobId === null)).toBe(true);
    const listed = json(await upkeep(['rollout', 'list', '--state', 'draft', '--json'])) as RolloutView[];
    expect(listed.map((rollout) => rollout.id)).toEqual([draft.id]);

    const submitted = json(await upkeep(['rollout', 'submit', draft.id, '--json'])) as RolloutView;
    expect(['scheduled', 'running', 'completed']).toContain(submitted.state);
    await eventually(
      async () => {
        const shown = json(await upkeep(['rollout', 'show', draft.id, '--json'])) as RolloutView;
        return shown.state === 'completed' ? shown : undefined;
      },
      'submitted draft completed',
      60_000,
    );
    const again = await upkeep(['rollout', 'submit', draft.id]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('cannot submit a rollout that is completed');
  }, 120_000);
});
