import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentSession } from '@upkeep/agent-client';
import type { RunningControlPlane } from '../bootstrap.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import { enrollTestAgent, eventually, startTestAgent, TEST_OPERATOR } from '../testing/test-agent.ts';
import { startTcpProxy, type TcpProxy } from '../testing/tcp-proxy.ts';
import { JobService } from './job.service.ts';

describe('agent disconnected mid-job', () => {
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;
  let proxy: TcpProxy;
  let session: AgentSession | undefined;

  beforeAll(async () => {
    environment = await createTestEnvironment();
    controlPlane = await environment.start();
    proxy = await startTcpProxy(Number(environment.grpcUrl.split(':')[1]));
  });

  afterAll(async () => {
    await session?.stop();
    await proxy.close();
    await environment.cleanup();
  });

  it('delivers the result on reconnection, once', async () => {
    const identity = await enrollTestAgent(environment, controlPlane);
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const disconnects: string[] = [];
    const acknowledged: [string, boolean][] = [];
    session = startTestAgent({ ...environment, grpcUrl: `127.0.0.1:${proxy.port}` }, identity, {
      executor: async (_assignment, steps) => {
        await steps.step(0, 'download', 'succeeded');
        await released;
        await steps.step(1, 'install', 'succeeded');
        return { outcome: 'succeeded', message: 'finished offline' };
      },
    });
    session.on('disconnected', (reason) => disconnects.push(reason));
    session.on('result-acknowledged', (jobId, duplicate) => acknowledged.push([jobId, duplicate]));
    await new Promise((resolve) => session?.once('connected', resolve));

    const jobs = controlPlane.app.get(JobService);
    const created = await jobs.create(
      {
        hostId: identity.agentId,
        kind: 'upgrade',
        component: 'node_exporter',
        targetVersion: '1.9.0',
        artifact: { url: 'https://cp.example/a', sha256: '2'.repeat(64) },
      },
      TEST_OPERATOR,
    );
    await eventually(
      async () => ((await jobs.get(created.id)).steps?.length === 1 ? true : undefined),
      'the first step',
    );

    proxy.partition();
    await eventually(() => Promise.resolve(disconnects.length > 0 ? true : undefined), 'the agent to notice');
    release();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await jobs.get(created.id)).state).toBe('running');

    proxy.heal();
    const job = await eventually(async () => {
      const current = await jobs.get(created.id);
      return current.state === 'succeeded' ? current : undefined;
    }, 'the result after reconnection');
    expect(job.result).toMatchObject({ outcome: 'succeeded', message: 'finished offline' });
    // The step reported while the connection was down arrives too, before the result.
    expect(job.steps?.map((step) => step.name)).toEqual(['download', 'install']);
    await eventually(
      () => Promise.resolve(acknowledged.length > 0 ? true : undefined),
      'the acknowledgement',
    );
    expect(acknowledged).toEqual([[created.id, false]]);
  });
});
