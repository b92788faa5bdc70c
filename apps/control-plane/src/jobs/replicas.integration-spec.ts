import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentSession } from '@upkeep/agent-client';
import type { RunningControlPlane } from '../bootstrap.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import { enrollTestAgent, eventually, startTestAgent, TEST_OPERATOR } from '../testing/test-agent.ts';
import { JobService } from './job.service.ts';

describe('two control-plane replicas', () => {
  let environment: TestEnvironment;
  let first: RunningControlPlane;
  let second: { controlPlane: RunningControlPlane; grpcUrl: string };
  let session: AgentSession | undefined;

  beforeAll(async () => {
    environment = await createTestEnvironment();
    // Started together: they share the database, and migrate it once between them.
    [first, second] = await Promise.all([environment.start(), environment.startReplica()]);
  });

  afterAll(async () => {
    await session?.stop();
    await environment.cleanup();
  });

  it('deliver a job created on one replica to an agent connected to the other', async () => {
    const identity = await enrollTestAgent(environment, first);
    let runs = 0;
    session = startTestAgent({ ...environment, grpcUrl: second.grpcUrl }, identity, {
      executor: () => {
        runs += 1;
        return Promise.resolve({ outcome: 'succeeded', message: 'rolled back' });
      },
    });
    await new Promise((resolve) => session?.once('connected', resolve));

    const created = await first.app.get(JobService).create(
      {
        hostId: identity.agentId,
        kind: 'rollback',
        component: 'loki',
        targetVersion: '2.9.0',
        artifact: { url: 'https://cp.example/a', sha256: '1'.repeat(64) },
      },
      TEST_OPERATOR,
    );
    const job = await eventually(async () => {
      const current = await second.controlPlane.app.get(JobService).get(created.id);
      return current.state === 'succeeded' ? current : undefined;
    }, 'the job to succeed through the other replica');
    // At least once on the wire (the session's first delivery may race the notification), once in effect.
    expect(job.deliveryCount).toBeGreaterThanOrEqual(1);
    expect(runs).toBe(1);
  });
});
