import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentSession } from '@upkeep/agent-client';
import { startUpstream, type Upstream } from '../../../../test/support/upstream/index.ts';
import type { RunningControlPlane } from '../bootstrap.ts';
import { startPrivateRedis, type PrivateRedis } from '../testing/private-redis.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import { enrollTestAgent, eventually, startTestAgent, TEST_OPERATOR } from '../testing/test-agent.ts';
import { fixturePolicyYaml, nodeExporterRelease } from '../testing/discovery-fixture.ts';
import { RolloutService } from './rollout.service.ts';

// FLUSHALL on a Redis of its own: the machine's Redis serves other tests in parallel.
describe('a rollout survives losing Redis', () => {
  let redis: PrivateRedis;
  let upstream: Upstream;
  let dir: string;
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;
  const sessions: AgentSession[] = [];
  const upgraded: string[] = [];

  beforeAll(async () => {
    redis = await startPrivateRedis();
    upstream = await startUpstream({
      github: {
        'prometheus/node_exporter': [
          nodeExporterRelease('1.7.1', '2024-09-01T00:00:00Z'),
          nodeExporterRelease('1.7.0', '2024-04-01T00:00:00Z'),
        ],
      },
    });
    dir = await mkdtemp(join(tmpdir(), 'upkeep-rollout-redis-'));
    const policyFile = join(dir, 'versions.yaml');
    await writeFile(
      policyFile,
      `${fixturePolicyYaml(upstream.url)}  staging:\n    component_overrides: {}\n`,
    );
    environment = await createTestEnvironment({
      redisUrl: redis.url,
      extraEnv: {
        UPKEEP_POLICY_FILE: policyFile,
        UPKEEP_DISCOVERY_INTERVAL_SECONDS: '3600',
        UPKEEP_ROLLOUT_TICK_MS: '100',
        UPKEEP_RECONCILE_INTERVAL_MS: '1000',
      },
    });
    controlPlane = await environment.start();
    for (const hostname of ['x-1', 'x-2', 'x-3', 'x-4']) {
      const identity = await enrollTestAgent(environment, controlPlane, hostname);
      sessions.push(
        startTestAgent(environment, identity, {
          executor: async (assignment) => {
            if (assignment.kind === 'upgrade') upgraded.push(hostname);
            await sleep(100);
            return { outcome: 'succeeded', message: 'done' };
          },
        }),
      );
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(sessions.map((session) => session.stop()));
    await environment.cleanup();
    await upstream.close();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('completes after FLUSHALL in the middle, each host upgraded once', async () => {
    const rollouts = controlPlane.app.get(RolloutService);
    await eventually(
      async () => {
        const plan = await rollouts.plan({
          component: 'node_exporter',
          environment: 'staging',
          target: { version: '1.7.1' },
          selector: {},
        });
        return plan.waves.flatMap((wave) => wave.hosts).filter((host) => host.decision !== 'skip').length ===
          4
          ? true
          : undefined;
      },
      'inventories reported',
      30_000,
    );
    const rollout = await rollouts.create(
      {
        component: 'node_exporter',
        environment: 'staging',
        target: { version: '1.7.1' },
        selector: {},
        waves: [
          { name: 'canary', size: '1', maxParallel: 1, bakeSeconds: 1, failureThreshold: '1' },
          { name: 'rest', size: '100%', maxParallel: 3, bakeSeconds: 0, failureThreshold: '1' },
        ],
      },
      TEST_OPERATOR,
    );
    await eventually(
      async () => ((await rollouts.get(rollout.id)).waves[0]?.state === 'baking' ? true : undefined),
      'the canary baking',
      30_000,
    );
    const admin = new Redis(redis.url);
    try {
      await admin.flushall();
    } finally {
      admin.disconnect();
    }
    const done = await eventually(
      async () => {
        const current = await rollouts.get(rollout.id);
        return current.state === 'completed' ? current : undefined;
      },
      'completed after Redis was flushed',
      60_000,
    );
    expect(done.waves.flatMap((wave) => wave.hosts).map((host) => host.state)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    expect([...upgraded].sort()).toEqual(['x-1', 'x-2', 'x-3', 'x-4']);
  }, 120_000);
});
