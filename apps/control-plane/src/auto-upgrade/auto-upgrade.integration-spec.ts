import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentSession } from '@upkeep/agent-client';
import { startUpstream, type Upstream } from '../../../../test/support/upstream/index.ts';
import type { RunningControlPlane } from '../bootstrap.ts';
import { DiscoveryService } from '../discovery/discovery.service.ts';
import type { NotificationEvent, Notifier } from '../notifications/notification-event.ts';
import { connectToSchema } from '../testing/test-database.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import { enrollTestAgent, eventually, startTestAgent } from '../testing/test-agent.ts';
import { fixturePolicyYaml, nodeExporterRelease } from '../testing/discovery-fixture.ts';

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const closedDay = WEEKDAYS[(new Date().getUTCDay() + 6) % 7] ?? 'sunday';

/** Discovery refreshes node_exporter; staging allows low-risk moves by itself; hosts run 1.7.0. */
describe('auto-upgrade after discovery, through the rollout engine', () => {
  let upstream: Upstream;
  let dir: string;
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;
  const sessions: AgentSession[] = [];
  const notifications: NotificationEvent[] = [];
  const notifier: Notifier = {
    enqueue: (_tx, event) => {
      notifications.push(event);
      return Promise.resolve();
    },
  };

  async function query<T extends Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<T[]> {
    const db = await connectToSchema(environment.schema.target);
    try {
      return (await db.query<T>(sql, values)).rows;
    } finally {
      await db.end();
    }
  }

  beforeAll(async () => {
    upstream = await startUpstream({
      github: {
        'prometheus/node_exporter': [
          nodeExporterRelease('1.7.1', '2024-09-01T00:00:00Z'),
          nodeExporterRelease('1.7.0', '2024-04-01T00:00:00Z'),
        ],
      },
    });
    dir = await mkdtemp(join(tmpdir(), 'upkeep-auto-upgrade-'));
    const policyFile = join(dir, 'versions.yaml');
    await writeFile(
      policyFile,
      `${fixturePolicyYaml(upstream.url)}  staging:\n    safety:\n      auto_upgrade: { enabled: true, allowed_risk_levels: [low] }\n` +
        // A window on yesterday's weekday only: never open while the test runs, so the guard holds the rollout.
        `upgrade_policies:\n  maintenance_windows:\n    enabled: true\n    windows:\n      - { day: ${closedDay}, start_time: "00:00", end_time: "00:01" }\n`,
    );
    environment = await createTestEnvironment({
      extraEnv: { UPKEEP_POLICY_FILE: policyFile, UPKEEP_DISCOVERY_INTERVAL_SECONDS: '3600' },
    });
    controlPlane = await environment.start({ notifier });
    for (const hostname of ['stage-1', 'stage-2', 'unlabelled']) {
      const identity = await enrollTestAgent(environment, controlPlane, hostname);
      sessions.push(startTestAgent(environment, identity));
    }
    await query(
      `UPDATE hosts SET labels = labels || '{"env":"staging"}'::jsonb WHERE hostname IN ('stage-1', 'stage-2')`,
    );
    await eventually(
      async () => ((await query('SELECT host_id FROM host_inventory')).length === 3 ? true : undefined),
      'every agent reported its inventory',
      30_000,
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(sessions.map((session) => session.stop()));
    await environment.cleanup();
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates one staging rollout of the patch with a notification, however often discovery refreshes', async () => {
    const discovery = controlPlane.app.get(DiscoveryService);
    await Promise.all([discovery.refresh('node_exporter'), discovery.refresh('node_exporter')]);
    await discovery.refresh('node_exporter');

    const rollouts = await query<{
      id: string;
      environment: string;
      target_version: string;
      created_by: string;
    }>('SELECT id::text AS id, environment, target_version, created_by FROM rollouts');
    expect(rollouts).toHaveLength(1);
    expect(rollouts[0]).toMatchObject({ environment: 'staging', target_version: '1.7.1' });
    expect(rollouts[0]?.created_by).toContain('auto-upgrade');
    const hosts = await query<{ hostname: string }>(
      'SELECT hostname FROM rollout_hosts WHERE rollout_id = $1::uuid ORDER BY hostname',
      [rollouts[0]?.id],
    );
    // Only hosts labelled for the environment are moved by themselves.
    expect(hosts.map((host) => host.hostname)).toEqual(['stage-1', 'stage-2']);
    const available = notifications.filter((event) => event.kind === 'upgrade_available');
    expect(available).toHaveLength(1);
    // The guards RolloutGuardsModule provides are the driver's: the maintenance window holds the rollout.
    await eventually(
      async () => {
        const [row] = await query<{ reason: string | null }>(
          'SELECT reason FROM rollouts WHERE id = $1::uuid',
          [rollouts[0]?.id],
        );
        return row?.reason?.startsWith(
          'maintenance_window: maintenance windows are enabled: stage-1: outside',
        )
          ? true
          : undefined;
      },
      'the maintenance window guard holding the rollout',
      30_000,
    );
    expect(available[0]).toMatchObject({
      componentName: 'node_exporter',
      version: '1.7.1',
      rolloutId: rollouts[0]?.id,
    });
  }, 60_000);
});
