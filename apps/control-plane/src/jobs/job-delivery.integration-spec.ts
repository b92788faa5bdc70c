import { afterEach, describe, expect, it } from 'vitest';
import { MemoryAgentStateStore, type AgentSession } from '@upkeep/agent-client';
import type { RunningControlPlane } from '../bootstrap.ts';
import { QueueRepository } from '../outbox/queue.repository.ts';
import { BackgroundWork } from '../outbox/background-work.ts';
import { OutboxRepository } from '../outbox/outbox.repository.ts';
import { connectToSchema } from '../testing/test-database.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import { enrollTestAgent, eventually, startTestAgent, TEST_OPERATOR } from '../testing/test-agent.ts';
import { JobService, type CreateJobRequest } from './job.service.ts';
import type { JobView } from './job.ts';

const upgrade = (hostId: string, overrides: Partial<CreateJobRequest> = {}): CreateJobRequest => ({
  hostId,
  kind: 'upgrade',
  component: 'node_exporter',
  targetVersion: '1.8.2',
  artifact: { url: 'https://cp.example/artifacts/sha256/abc', sha256: 'd'.repeat(64) },
  ...overrides,
});

describe('jobs reach agents signed, once, and survive faults', () => {
  const environments: TestEnvironment[] = [];
  const sessions: AgentSession[] = [];

  const environment = async (): Promise<TestEnvironment> => {
    const created = await createTestEnvironment();
    environments.push(created);
    return created;
  };
  const agent = (...args: Parameters<typeof startTestAgent>): AgentSession => {
    const session = startTestAgent(...args);
    sessions.push(session);
    return session;
  };
  const finished = (controlPlane: RunningControlPlane, jobId: string): Promise<JobView> =>
    eventually(async () => {
      const job = await controlPlane.app.get(JobService).get(jobId);
      return ['succeeded', 'failed', 'refused', 'expired'].includes(job.state) ? job : undefined;
    }, `job ${jobId} to finish`);

  afterEach(async () => {
    for (const session of sessions.splice(0)) await session.stop();
    for (const created of environments.splice(0)) await created.cleanup();
  });

  it('delivers a signed job to a connected agent, which runs it and reports steps and result', async () => {
    const env = await environment();
    const controlPlane = await env.start();
    const identity = await enrollTestAgent(env, controlPlane);
    const session = agent(env, identity);
    await new Promise((resolve) => session.once('connected', resolve));

    const created = await controlPlane.app.get(JobService).create(upgrade(identity.agentId), TEST_OPERATOR);
    expect(created).toMatchObject({ state: 'pending', sequence: 1 });
    const job = await finished(controlPlane, created.id);

    expect(job.state).toBe('succeeded');
    expect(job.result).toMatchObject({ outcome: 'succeeded', message: 'installed node_exporter 1.8.2' });
    expect(job.steps?.map((step) => [step.index, step.name, step.status])).toEqual([
      [0, 'download', 'succeeded'],
      [1, 'install', 'succeeded'],
    ]);
    const db = await connectToSchema(env.schema.target);
    try {
      const audit = await db.query<{ action: string; actor_type: string; outcome: string | null }>(
        `SELECT action, actor_type, outcome FROM audit_events WHERE target_id = $1
         ORDER BY occurred_at, details->>'index'`,
        [created.id],
      );
      expect(audit.rows).toEqual([
        { action: 'job.created', actor_type: 'api_token', outcome: null },
        { action: 'job.step', actor_type: 'agent', outcome: 'succeeded' },
        { action: 'job.step', actor_type: 'agent', outcome: 'succeeded' },
        { action: 'job.succeeded', actor_type: 'agent', outcome: 'succeeded' },
      ]);
      const inventory = await db.query<{ component_name: string }>(
        'SELECT component_name FROM host_inventory WHERE host_id = $1',
        [identity.agentId],
      );
      expect(inventory.rows).toEqual([{ component_name: 'node_exporter' }]);
    } finally {
      await db.end();
    }
  });

  it('audits an upgrade the agent rolled back as job.failed and job.rolled_back to the version it restored', async () => {
    const env = await environment();
    const controlPlane = await env.start();
    const identity = await enrollTestAgent(env, controlPlane);
    const session = agent(env, identity, {
      executor: async (_assignment, steps) => {
        await steps.step(0, 'download', 'succeeded');
        await steps.step(1, 'health', 'failed', 'no answer on :9100');
        return {
          outcome: 'failed',
          message: 'health check failed; rolled back',
          details: { code: 'HEALTH_CHECK_FAILED', rolled_back: true, step: 'health' },
        };
      },
    });
    await new Promise((resolve) => session.once('connected', resolve));
    // The inventory (node_exporter 1.7.0) is what the agent restores.
    await eventually(async () => {
      const host = await controlPlane.prisma.hostInventory.count({ where: { hostId: identity.agentId } });
      return host > 0 ? true : undefined;
    }, 'the inventory report');
    const created = await controlPlane.app.get(JobService).create(upgrade(identity.agentId), TEST_OPERATOR);
    expect((await finished(controlPlane, created.id)).state).toBe('failed');
    const db = await connectToSchema(env.schema.target);
    try {
      const audit = await db.query<{ action: string; version: string | null; outcome: string | null }>(
        `SELECT action, version, outcome FROM audit_events
         WHERE target_id = $1 AND action <> 'job.step' ORDER BY occurred_at, action`,
        [created.id],
      );
      expect(audit.rows).toEqual([
        { action: 'job.created', version: '1.8.2', outcome: null },
        { action: 'job.failed', version: '1.8.2', outcome: 'failed' },
        { action: 'job.rolled_back', version: '1.7.0', outcome: 'rolled_back' },
      ]);
      const steps = await db.query<{ outcome: string }>(
        `SELECT outcome FROM audit_events WHERE target_id = $1 AND action = 'job.step' ORDER BY details->>'index'`,
        [created.id],
      );
      expect(steps.rows.map((row) => row.outcome)).toEqual(['succeeded', 'failed']);
    } finally {
      await db.end();
    }
  });

  it('numbers jobs per host and the agent refuses a replayed (older-numbered), expired or mis-signed assignment', async () => {
    const env = await environment();
    const controlPlane = await env.start();
    const jobs = controlPlane.app.get(JobService);
    const identity = await enrollTestAgent(env, controlPlane);

    // An agent that already accepted sequence 5 (e.g. the server's state was restored from an old backup).
    const store = new MemoryAgentStateStore();
    await store.acceptJob({
      v: 1,
      jobId: '00000000-0000-4000-8000-000000000000',
      agentId: identity.agentId,
      sequence: 5,
      kind: 'cleanup',
      component: 'x',
      targetVersion: null,
      artifact: null,
      issuedAt: new Date().toISOString(),
      expiresAt: new Date().toISOString(),
    });
    const refusals: string[] = [];
    const session = agent(env, identity, { store });
    session.on('refused', (_jobId, reason) => refusals.push(reason));
    await new Promise((resolve) => session.once('connected', resolve));

    const replayed = await jobs.create(upgrade(identity.agentId), TEST_OPERATOR);
    expect(replayed.sequence).toBe(1);
    expect(await finished(controlPlane, replayed.id)).toMatchObject({
      state: 'refused',
      result: { outcome: 'refused', message: 'replayed: sequence 1 is not above the last accepted 5' },
    });

    // Tamper with a stored signature: the agent must refuse it.
    const db = await connectToSchema(env.schema.target);
    try {
      await session.stop();
      sessions.splice(sessions.indexOf(session), 1);
      for (let index = 2; index <= 5; index += 1)
        await jobs.create(
          { ...upgrade(identity.agentId), kind: 'cleanup', targetVersion: null, artifact: null },
          TEST_OPERATOR,
        );
      const forged = await jobs.create(upgrade(identity.agentId), TEST_OPERATOR);
      expect(forged.sequence).toBe(6);
      await db.query(`UPDATE jobs SET assignment = $2 WHERE id = $1`, [
        forged.id,
        Buffer.from(
          Buffer.from(
            (await db.query<{ assignment: string }>('SELECT assignment FROM jobs WHERE id = $1', [forged.id]))
              .rows[0]!.assignment,
            'base64',
          )
            .toString('utf8')
            .replace('1.8.2', '6.6.6'),
        ).toString('base64'),
      ]);
      // The cleanup jobs 2..5 are older than what this agent accepted: refused as replays too.
      const second = agent(env, identity, { store });
      // By job id: delivery is at least once, so a refusal may be reported twice.
      const secondRefusals = new Map<string, string>();
      second.on('refused', (jobId, reason) => secondRefusals.set(jobId, reason));
      expect(await finished(controlPlane, forged.id)).toMatchObject({ state: 'refused' });
      expect(secondRefusals.get(forged.id)).toContain('bad-signature');
      expect([...secondRefusals.values()].filter((reason) => reason.startsWith('replayed'))).toHaveLength(4);

      // An agent whose clock says the assignment expired refuses it (freeze protection).
      await second.stop();
      sessions.splice(sessions.indexOf(second), 1);
      const stale = await jobs.create({ ...upgrade(identity.agentId), ttlSeconds: 60 }, TEST_OPERATOR);
      agent(env, identity, { store, now: () => new Date(Date.now() + 120_000) });
      expect(await finished(controlPlane, stale.id)).toMatchObject({ state: 'refused' });
      const staleRow = await db.query<{ result: { message: string } }>(
        'SELECT result FROM jobs WHERE id = $1',
        [stale.id],
      );
      expect(staleRow.rows[0]?.result.message).toMatch(/^expired: /);
    } finally {
      await db.end();
    }
    expect(refusals[0]).toMatch(/^replayed/);
  });

  it('loses nothing when the process dies between the commit and the enqueue', async () => {
    const env = await environment();
    // No relay: the job and its outbox row are committed, nothing reaches BullMQ.
    const controlPlane = await env.start({ background: { relay: false, reconciler: false } });
    const identity = await enrollTestAgent(env, controlPlane);
    const session = agent(env, identity);
    await new Promise((resolve) => session.once('connected', resolve));
    const created = await controlPlane.app.get(JobService).create(upgrade(identity.agentId), TEST_OPERATOR);

    const queues = controlPlane.app.get(QueueRepository);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await controlPlane.app.get(OutboxRepository).unpublishedCount()).toBe(1);
    expect((await controlPlane.app.get(JobService).get(created.id)).state).toBe('pending');

    // The relay of a restarted replica picks the row up; the job id in BullMQ is the operation UUID.
    expect(await controlPlane.app.get(BackgroundWork).relayOnce()).toBe(1);
    expect(await controlPlane.app.get(OutboxRepository).unpublishedCount()).toBe(0);
    const job = await finished(controlPlane, created.id);
    expect(job.state).toBe('succeeded');
    expect(await queues.jobIds('assignments')).toEqual([]);
  });

  it('delivers a result produced while the control plane was down, once, after it restarts', async () => {
    const env = await environment();
    const first = await env.start();
    const identity = await enrollTestAgent(env, first);
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const acknowledged: [string, boolean][] = [];
    const session = agent(env, identity, {
      executor: async (_assignment, steps) => {
        await steps.step(0, 'download', 'succeeded');
        await released;
        return { outcome: 'succeeded', message: 'done while the control plane was away' };
      },
    });
    session.on('result-acknowledged', (jobId, duplicate) => acknowledged.push([jobId, duplicate]));
    await new Promise((resolve) => session.once('connected', resolve));
    const created = await first.app.get(JobService).create(upgrade(identity.agentId), TEST_OPERATOR);
    await eventually(
      async () => ((await first.app.get(JobService).get(created.id)).state === 'running' ? true : undefined),
      'job to run',
    );

    await first.close();
    release();
    await new Promise((resolve) => setTimeout(resolve, 300));

    const second = await env.start();
    const job = await finished(second, created.id);
    expect(job).toMatchObject({
      state: 'succeeded',
      result: { message: 'done while the control plane was away' },
    });
    await eventually(
      () => Promise.resolve(acknowledged.length > 0 ? true : undefined),
      'the result acknowledgement',
    );
    expect(acknowledged).toEqual([[created.id, false]]);
  });
});
