import { setTimeout as sleep } from 'node:timers/promises';
import {
  AgentSession,
  enroll,
  MemoryAgentStateStore,
  type AgentIdentity,
  type AgentStateStore,
  type AgentSessionOptions,
  type JobExecutor,
} from '@upkeep/agent-client';
import type { RunningControlPlane } from '../bootstrap.ts';
import { EnrollmentService, type EnrollmentTokenRequest } from '../enrollment/enrollment.service.ts';
import { tlsFile, type TestEnvironment } from './test-control-plane.ts';

export const TEST_OPERATOR = { type: 'api_token', id: 'test-operator' } as const;

/** What an enrolling test agent's single-use token carries; default no description, labels or groups. */
export type TestEnrollmentToken = Partial<Pick<EnrollmentTokenRequest, 'description' | 'labels' | 'groups'>>;

/** Enrolls `hostname` with a fresh single-use enrollment token (10 min); its identity. */
export async function enrollTestAgent(
  environment: TestEnvironment,
  controlPlane: RunningControlPlane,
  hostname = 'web-1',
  tokenOptions: TestEnrollmentToken = {},
): Promise<AgentIdentity> {
  const { token } = await controlPlane.app.get(EnrollmentService).createToken(
    {
      description: tokenOptions.description ?? '',
      labels: tokenOptions.labels ?? {},
      groups: tokenOptions.groups ?? [],
      singleUse: true,
      ttlSeconds: 600,
    },
    TEST_OPERATOR,
  );
  return enroll({
    serverUrl: environment.grpcUrl,
    token,
    hostname,
    os: 'linux',
    arch: 'amd64',
    agentVersion: '0.1.0',
    tls: { caPem: tlsFile('ca.crt') },
  });
}

export interface TestAgentOptions {
  readonly store?: AgentStateStore;
  readonly executor?: JobExecutor;
  /** What the agent reports installed; default node_exporter 1.7.0. */
  readonly inventory?: AgentSessionOptions['inventory'];
  readonly now?: () => Date;
}

/** A real agent session (the library `upkeep-agent run` uses) with a fake executor and fast reconnects. */
export function startTestAgent(
  environment: TestEnvironment,
  identity: AgentIdentity,
  options: TestAgentOptions = {},
): AgentSession {
  const session = new AgentSession({
    serverUrl: environment.grpcUrl,
    identity,
    tls: { caPem: tlsFile('ca.crt') },
    store: options.store ?? new MemoryAgentStateStore(),
    executor:
      options.executor ??
      (async (assignment, steps) => {
        await steps.step(0, 'download', 'succeeded');
        await steps.step(1, 'install', 'succeeded');
        return {
          outcome: 'succeeded',
          message: `installed ${assignment.component} ${assignment.targetVersion ?? ''}`,
        };
      }),
    inventory:
      options.inventory ??
      (() =>
        Promise.resolve([
          {
            name: 'node_exporter',
            version: '1.7.0',
            binaryPath: '/usr/local/bin/node_exporter',
            sha256: 'c'.repeat(64),
            installedAtMs: 0,
            rollbackPoints: 1,
          },
        ])),
    agentVersion: '0.1.0',
    heartbeatIntervalMs: 200,
    backoff: { initialMs: 50, maxMs: 300, multiplier: 2 },
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  session.start();
  return session;
}

/** Polls until `probe` returns something other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
