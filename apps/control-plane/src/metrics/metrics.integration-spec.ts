import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentSession } from '@upkeep/agent-client';
import type { RunningControlPlane } from '../bootstrap.ts';
import { JobService } from '../jobs/job.service.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import { enrollTestAgent, eventually, startTestAgent, TEST_OPERATOR } from '../testing/test-agent.ts';
import { connectToSchema } from '../testing/test-database.ts';
import { UpkeepMetrics } from './upkeep-metrics.ts';

const TOKEN = 'metrics-token-0123456789abcdef';

/** One sample's value from the exposition text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(controlPlane: RunningControlPlane, token: string | null = TOKEN): Promise<Response> {
  return fetch(`${controlPlane.httpUrl}/metrics`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
}

describe('GET /metrics', () => {
  const environments: TestEnvironment[] = [];
  const sessions: AgentSession[] = [];

  afterEach(async () => {
    for (const session of sessions.splice(0)) await session.stop();
    for (const created of environments.splice(0)) await created.cleanup();
  });

  it('needs UPKEEP_METRICS_TOKEN when it is set, and then exports only upkeep_ families', async () => {
    const env = await createTestEnvironment({ extraEnv: { UPKEEP_METRICS_TOKEN: TOKEN } });
    environments.push(env);
    const controlPlane = await env.start();

    expect((await scrape(controlPlane, null)).status).toBe(401);
    expect((await scrape(controlPlane, 'wrong-token-wrong-token')).status).toBe(401);
    const response = await scrape(controlPlane);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const families = [...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1] ?? '');
    expect(families.length).toBeGreaterThan(15);
    expect(families.filter((name) => !name.startsWith('upkeep_'))).toEqual([]);
    expect(sample(text, 'upkeep_outbox_backlog')).toBe(0);
    expect(sample(text, 'upkeep_queue_jobs{queue="assignments",state="waiting"}')).toBe(0);
  });

  it('counts job results with their reported durations and rollbacks; every replica reports the fleet gauges', async () => {
    const env = await createTestEnvironment({ extraEnv: { UPKEEP_METRICS_TOKEN: TOKEN } });
    environments.push(env);
    const controlPlane = await env.start();
    const identity = await enrollTestAgent(env, controlPlane, 'web-1');
    const session = startTestAgent(env, identity, {
      executor: (assignment) =>
        Promise.resolve({
          outcome: 'failed',
          message: `${assignment.component}: health check failed, rolled back`,
          details: {
            rolled_back: true,
            rollback_reason: 'health_check',
            step: 'health',
            duration_ms: 4200,
          },
        }),
    });
    sessions.push(session);

    const job = await controlPlane.app.get(JobService).create(
      {
        hostId: identity.agentId,
        kind: 'upgrade',
        component: 'node_exporter',
        targetVersion: '1.8.2',
        artifact: { url: 'https://cp.example/artifacts/sha256/abc', sha256: 'd'.repeat(64) },
      },
      TEST_OPERATOR,
    );
    const text = await eventually(async () => {
      const body = await (await scrape(controlPlane)).text();
      return sample(body, 'upkeep_upgrade_attempts_total{component="node_exporter",result="failure"}') ===
        1 &&
        sample(body, 'upkeep_component_info{host="web-1",component="node_exporter",version="1.7.0"}') === 1
        ? body
        : undefined;
    }, `the failed result of job ${job.id} and the inventory in /metrics`);

    expect(sample(text, 'upkeep_rollbacks_total{component="node_exporter",reason="health_check"}')).toBe(1);
    expect(
      sample(text, 'upkeep_upgrade_duration_seconds_sum{component="node_exporter",result="failure"}'),
    ).toBeCloseTo(4.2);
    expect(sample(text, 'upkeep_job_results_total{kind="upgrade",result="failure"}')).toBe(1);
    expect(sample(text, 'upkeep_installed_components{component="node_exporter"}')).toBe(1);
    expect(sample(text, 'upkeep_rollback_points{component="node_exporter"}')).toBe(1);
    expect(sample(text, 'upkeep_hosts{status="active"}')).toBe(1);
    expect(sample(text, 'upkeep_host_last_seen_timestamp_seconds{host="web-1"}')).toBeGreaterThan(
      Date.now() / 1000 - 600,
    );

    // Fleet truth comes from Postgres: a second replica that saw none of it reports the same gauges,
    // while its counters are its own.
    const { controlPlane: replica } = await env.startReplica();
    const other = await (await scrape(replica)).text();
    expect(
      sample(other, 'upkeep_component_info{host="web-1",component="node_exporter",version="1.7.0"}'),
    ).toBe(1);
    expect(sample(other, 'upkeep_installed_components{component="node_exporter"}')).toBe(1);
    expect(sample(other, 'upkeep_upgrade_attempts_total{component="node_exporter",result="failure"}')).toBe(
      undefined,
    );

    // A host whose inventory no longer lists the component drops its series at the next scrape.
    // Rollouts are counted by state; only the hosts of unfinished ones are.
    const db = await connectToSchema(env.schema.target);
    try {
      await session.stop();
      await db.query('DELETE FROM host_inventory WHERE host_id = $1', [identity.agentId]);
      for (const [state, hostState] of [
        ['paused', 'failed'],
        ['completed', 'succeeded'],
      ] as const) {
        const rolloutId = randomUUID();
        await db.query(
          `INSERT INTO rollouts (id, component_name, environment, target_version, target_spec, selector, settings, state, created_by)
           VALUES ($1, 'node_exporter', 'prod', '1.8.2', '{}', '{}', '{}', $2, 'test')`,
          [rolloutId, state],
        );
        await db.query(
          `INSERT INTO rollout_hosts (id, rollout_id, host_id, wave_index, position, hostname, state, decision)
           VALUES ($1, $2, $3, 0, 0, 'web-1', $4, 'auto')`,
          [randomUUID(), rolloutId, identity.agentId, hostState],
        );
      }
    } finally {
      await db.end();
    }
    const after = await (await scrape(replica)).text();
    expect(sample(after, 'upkeep_rollouts{component="node_exporter",state="paused"}')).toBe(1);
    expect(sample(after, 'upkeep_rollouts{component="node_exporter",state="completed"}')).toBe(1);
    expect(sample(after, 'upkeep_rollout_hosts{state="failed"}')).toBe(1);
    expect(sample(after, 'upkeep_rollout_hosts{state="succeeded"}')).toBe(undefined);
    expect(after).not.toContain('upkeep_component_info{host="web-1"');
    expect(sample(after, 'upkeep_installed_components{component="node_exporter"}')).toBe(undefined);
  });

  it('names every family it exports in metricNames (what the dashboard test compares against)', async () => {
    const env = await createTestEnvironment();
    environments.push(env);
    const controlPlane = await env.start();
    const names = controlPlane.app.get(UpkeepMetrics).metricNames();
    const text = await (await scrape(controlPlane, null)).text();
    const families = [...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1] ?? '');
    expect([...families].sort()).toEqual([...names].sort());
  });
});
