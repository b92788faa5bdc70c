import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AgentSession } from '@upkeep/agent-client';
import { startUpstream, type Upstream } from '../../../../test/support/upstream/index.ts';
import type { RunningControlPlane } from '../bootstrap.ts';
import { ApiTokenService } from '../auth/api-token.service.ts';
import type { NotificationEvent, Notifier } from '../notifications/notification-event.ts';
import { connectToSchema } from '../testing/test-database.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import { enrollTestAgent, eventually, startTestAgent } from '../testing/test-agent.ts';
import { fixturePolicyYaml, nodeExporterRelease } from '../testing/discovery-fixture.ts';
import type { RolloutView } from './rollout.ts';
import { RolloutEventStream } from './rollout-event-stream.ts';
import { RolloutRepository } from './rollout.repository.ts';

/** What a test host does with an upgrade: succeed, or fail and roll itself back. */
type Behaviour = 'ok' | 'fail';

interface Execution {
  readonly hostname: string;
  readonly kind: string;
  readonly jobId: string;
  readonly startedAt: number;
  finishedAt: number;
}

/**
 * Windows disabled, one window tomorrow (UTC) for group `held` only: a major move, which the
 * approval policy holds to windows, waits for hosts in `held` and runs on hosts with no window.
 */
function heldWindowYaml(): string {
  const days = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
  const tomorrow = days[(new Date().getUTCDay() + 1) % 7] ?? 'sunday';
  return `upgrade_policies:
  maintenance_windows:
    enabled: false
    timezone: UTC
    windows:
      - day: ${tomorrow}
        start_time: '02:00'
        end_time: '03:00'
        groups: [held]
        allowed_operations: [upgrade, rollback]
`;
}

const HOSTS = ['h-01', 'h-02', 'h-03', 'h-04', 'h-05', 'h-06'];

describe('rollouts driven against real agents', () => {
  let upstream: Upstream;
  let dir: string;
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;
  const tokens: Record<'operator' | 'approver1' | 'approver2' | 'admin' | 'viewer', string> = {
    operator: '',
    approver1: '',
    approver2: '',
    admin: '',
    viewer: '',
  };
  const hostIds = new Map<string, string>();
  const sessions: AgentSession[] = [];
  const behaviour = new Map<string, Behaviour>();
  const executions: Execution[] = [];
  const notifications: NotificationEvent[] = [];
  let offlineHostId = '';

  const notifier: Notifier = {
    enqueue: (_tx, event) => {
      notifications.push(event);
      return Promise.resolve();
    },
  };

  async function api(
    method: string,
    path: string,
    token: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${controlPlane.httpUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function label(hostnames: readonly string[], key: string): Promise<void> {
    const db = await connectToSchema(environment.schema.target);
    try {
      await db.query(
        `UPDATE hosts SET labels = labels || jsonb_build_object($1::text, 'yes') WHERE hostname = ANY($2)`,
        [key, hostnames],
      );
    } finally {
      await db.end();
    }
  }

  async function create(body: Record<string, unknown>, token = tokens.operator): Promise<RolloutView> {
    const created = await api('POST', '/api/rollouts', token, {
      component: 'node_exporter',
      environment: 'staging',
      target: { version: '1.7.1' },
      ...body,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body as unknown as RolloutView;
  }

  async function view(id: string): Promise<RolloutView> {
    return (await api('GET', `/api/rollouts/${id}`, tokens.viewer)).body as unknown as RolloutView;
  }

  async function until(
    id: string,
    what: string,
    test: (rollout: RolloutView) => boolean,
    timeoutMs = 30_000,
  ): Promise<RolloutView> {
    let last: RolloutView | undefined;
    try {
      return await eventually(
        async () => {
          last = await view(id);
          return test(last) ? last : undefined;
        },
        what,
        timeoutMs,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; last view: ${JSON.stringify(last)}`, { cause: error });
    }
  }

  const hostsOf = (rollout: RolloutView) => rollout.waves.flatMap((wave) => wave.hosts);
  const ran = (rolloutHosts: readonly string[], kind = 'upgrade') =>
    executions.filter((execution) => execution.kind === kind && rolloutHosts.includes(execution.hostname));

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
    dir = await mkdtemp(join(tmpdir(), 'upkeep-rollouts-'));
    const policyFile = join(dir, 'versions.yaml');
    await writeFile(
      policyFile,
      `${fixturePolicyYaml(upstream.url)}  staging:\n    component_overrides: {}\n${heldWindowYaml()}`,
    );
    environment = await createTestEnvironment({
      extraEnv: {
        UPKEEP_POLICY_FILE: policyFile,
        UPKEEP_DISCOVERY_INTERVAL_SECONDS: '3600',
        UPKEEP_ROLLOUT_TICK_MS: '100',
        UPKEEP_HOST_OFFLINE_AFTER_SECONDS: '2',
      },
    });
    controlPlane = await environment.start({ notifier });
    const issuer = controlPlane.app.get(ApiTokenService);
    const system = { type: 'system', id: 'test' } as const;
    tokens.operator = (await issuer.create('operator', 'operator', null, system)).token;
    tokens.approver1 = (await issuer.create('approver-1', 'approver', null, system)).token;
    tokens.approver2 = (await issuer.create('approver-2', 'approver', null, system)).token;
    tokens.admin = (await issuer.create('admin', 'admin', null, system)).token;
    tokens.viewer = (await issuer.create('viewer', 'viewer', null, system)).token;
    for (const hostname of HOSTS) {
      const identity = await enrollTestAgent(environment, controlPlane, hostname);
      hostIds.set(hostname, identity.agentId);
      sessions.push(
        startTestAgent(environment, identity, {
          executor: async (assignment, steps) => {
            const execution: Execution = {
              hostname,
              kind: assignment.kind,
              jobId: assignment.jobId,
              startedAt: Date.now(),
              finishedAt: 0,
            };
            executions.push(execution);
            await steps.step(0, assignment.kind, 'started');
            await sleep(150);
            execution.finishedAt = Date.now();
            if (assignment.kind === 'upgrade' && behaviour.get(hostname) === 'fail') {
              return {
                outcome: 'failed',
                message: 'health check failed; rolled back',
                details: { code: 'HEALTH_CHECK_FAILED', rolled_back: true },
              };
            }
            return { outcome: 'succeeded', message: `${assignment.kind} done` };
          },
        }),
      );
    }
    // A host that enrolled and never came back: offline at its turn.
    offlineHostId = (await enrollTestAgent(environment, controlPlane, 'h-offline')).agentId;
    await eventually(async () => {
      const hosts = (await api('GET', '/api/hosts?limit=100', tokens.viewer)).body['items'] as {
        hostname: string;
        lastSeenAt: string | null;
      }[];
      const connected = hosts.filter((host) => HOSTS.includes(host.hostname) && host.lastSeenAt !== null);
      return connected.length === HOSTS.length ? true : undefined;
    }, 'agents connected');
  }, 120_000);

  afterAll(async () => {
    await Promise.all(sessions.map((session) => session.stop()));
    await environment.cleanup();
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('plans without changing anything: waves, decisions, duration, approvals', async () => {
    await label(['h-01', 'h-02', 'h-03', 'h-04'], 'plan');
    const planned = await api('POST', '/api/rollouts/plan', tokens.viewer, {
      component: 'node_exporter',
      environment: 'staging',
      target: { version: '2.0.0' },
      selector: { labels: 'plan' },
      waves: [
        { name: 'canary', size: '1', maxParallel: 1, bakeSeconds: 60, failureThreshold: '1' },
        { name: 'rest', size: '100%', maxParallel: 2, bakeSeconds: 0, failureThreshold: '50%' },
      ],
    });
    expect(planned.status, JSON.stringify(planned.body)).toBe(200);
    const waves = planned.body['waves'] as {
      name: string;
      hosts: { hostname: string; decision: string; currentVersion: string }[];
      expectedDurationSeconds: number;
    }[];
    expect(waves.map((wave) => wave.hosts.map((host) => host.hostname))).toEqual([
      ['h-01'],
      ['h-02', 'h-03', 'h-04'],
    ]);
    expect(waves[0]?.hosts[0]).toMatchObject({ currentVersion: '1.7.0' });
    expect(planned.body['requiredApprovals']).toBe(2);
    expect(planned.body['expectedDurationSeconds']).toBe(30 + 60 + 2 * 30);
    expect((await api('GET', '/api/rollouts', tokens.viewer)).body['items']).toEqual([]);
    const bad = await api('POST', '/api/rollouts/plan', tokens.viewer, {
      component: 'node_exporter',
      environment: 'staging',
      target: { version: '1.7.1' },
      selector: { labels: 'zone in (a' },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('label selector');
  });

  it('dispatches in hostname order, never more than maxParallel at once, one job per host', async () => {
    const chosen = ['h-01', 'h-02', 'h-03', 'h-04', 'h-05'];
    await label(chosen, 'order');
    const rollout = await create({
      selector: { labels: 'order' },
      waves: [
        { name: 'canary', size: '1', maxParallel: 1, bakeSeconds: 0, failureThreshold: '1' },
        { name: 'rest', size: '100%', maxParallel: 2, bakeSeconds: 0, failureThreshold: '1' },
      ],
    });
    expect(rollout.state).toBe('scheduled');
    const done = await until(rollout.id, 'completed', (current) => current.state === 'completed');
    expect(hostsOf(done).map((host) => host.state)).toEqual(chosen.map(() => 'succeeded'));
    const upgrades = ran(chosen);
    expect(upgrades).toHaveLength(chosen.length);
    expect(upgrades[0]?.hostname).toBe('h-01');
    const canaryEnd = upgrades[0]?.finishedAt ?? 0;
    for (const execution of upgrades.slice(1)) expect(execution.startedAt).toBeGreaterThanOrEqual(canaryEnd);
    for (const execution of upgrades) {
      const overlapping = upgrades.filter(
        (other) => other.startedAt < execution.finishedAt && execution.startedAt < other.finishedAt,
      );
      expect(overlapping.length).toBeLessThanOrEqual(2);
    }
    expect(
      upgrades
        .slice(1)
        .map((execution) => execution.hostname)
        .sort(),
    ).toEqual(['h-02', 'h-03', 'h-04', 'h-05']);
    expect(
      notifications.some((event) => event.kind === 'rollout_completed' && event.rolloutId === rollout.id),
    ).toBe(true);
    const db = await connectToSchema(environment.schema.target);
    let actions: string[];
    try {
      actions = (
        await db.query<{ action: string }>(
          `SELECT action FROM audit_events WHERE target_type = 'rollout' AND target_id = $1`,
          [rollout.id],
        )
      ).rows.map((row) => row.action);
    } finally {
      await db.end();
    }
    expect(actions).toEqual(
      expect.arrayContaining([
        'rollout.created',
        'rollout.started',
        'rollout.wave_started',
        'rollout.host_dispatched',
        'rollout.wave_completed',
        'rollout.completed',
      ]),
    );
  }, 60_000);

  it('pauses when the canary wave trips its threshold, reverts the wave, touches nothing else; retry-failed finishes', async () => {
    const chosen = ['h-01', 'h-02', 'h-03', 'h-04'];
    await label(chosen, 'canary');
    behaviour.set('h-01', 'fail');
    const before = executions.length;
    const rollout = await create({
      selector: { labels: 'canary' },
      revertWaveOnFailure: true,
      waves: [
        { name: 'canary', size: '2', maxParallel: 2, bakeSeconds: 0, failureThreshold: '1' },
        { name: 'rest', size: '100%', maxParallel: 2, bakeSeconds: 0, failureThreshold: '1' },
      ],
    });
    const paused = await until(
      rollout.id,
      'paused with the canary wave reverted',
      (current) => current.state === 'paused' && current.waves[0]?.state === 'reverted',
    );
    expect(paused.reason).toContain('failure threshold');
    expect(paused.waves[0]?.hosts.map((host) => [host.hostname, host.state])).toEqual([
      ['h-01', 'rolled_back'],
      ['h-02', 'reverted'],
    ]);
    expect(paused.waves[1]?.hosts.every((host) => host.state === 'pending')).toBe(true);
    const since = executions.slice(before);
    expect(
      since.filter((execution) => execution.kind === 'rollback').map((execution) => execution.hostname),
    ).toEqual(['h-02']);
    expect(since.some((execution) => execution.hostname === 'h-03' || execution.hostname === 'h-04')).toBe(
      false,
    );
    expect(
      notifications.some((event) => event.kind === 'rollout_paused' && event.rolloutId === rollout.id),
    ).toBe(true);

    expect((await api('POST', `/api/rollouts/${rollout.id}/resume`, tokens.viewer)).status).toBe(403);
    behaviour.set('h-01', 'ok');
    const retried = await api('POST', `/api/rollouts/${rollout.id}/retry-failed`, tokens.operator);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    const done = await until(rollout.id, 'completed after retry', (current) => current.state === 'completed');
    expect(hostsOf(done).map((host) => host.state)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    const again = await api('POST', `/api/rollouts/${rollout.id}/retry-failed`, tokens.operator);
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toMatch(/completed/);
  }, 60_000);

  it('aborts with rollback: hosts upgraded by this rollout are rolled back, no new dispatch', async () => {
    const chosen = ['h-03', 'h-04', 'h-05', 'h-06'];
    await label(chosen, 'abort');
    const before = executions.length;
    const rollout = await create({
      selector: { labels: 'abort' },
      waves: [
        { name: 'first', size: '2', maxParallel: 2, bakeSeconds: 0, failureThreshold: '1' },
        { name: 'held', size: '100%', maxParallel: 2, bakeSeconds: 0, failureThreshold: '1', approval: true },
      ],
    });
    await until(
      rollout.id,
      'second wave awaiting approval',
      (current) => current.waves[1]?.state === 'awaiting_approval',
    );
    expect(
      notifications.some((event) => event.kind === 'approval_required' && event.rolloutId === rollout.id),
    ).toBe(true);
    const aborted = await api('POST', `/api/rollouts/${rollout.id}/abort`, tokens.operator, {
      rollback: true,
    });
    expect(aborted.status).toBe(200);
    const final = await until(rollout.id, 'first wave reverted', (current) =>
      (current.waves[0]?.hosts ?? []).every((host) => host.state === 'reverted'),
    );
    expect(final.state).toBe('aborted');
    expect(final.waves[1]?.hosts.every((host) => host.state === 'pending')).toBe(true);
    const since = executions.slice(before);
    expect(
      since
        .filter((execution) => execution.kind === 'upgrade')
        .map((execution) => execution.hostname)
        .sort(),
    ).toEqual(['h-03', 'h-04']);
    expect(
      since
        .filter((execution) => execution.kind === 'rollback')
        .map((execution) => execution.hostname)
        .sort(),
    ).toEqual(['h-03', 'h-04']);
    const pause = await api('POST', `/api/rollouts/${rollout.id}/pause`, tokens.operator);
    expect(pause.status).toBe(409);
    expect(JSON.stringify(pause.body)).toContain('cannot pause a rollout that is aborted');
  }, 60_000);

  it('holds a major version for two approvals: self-approval 403, viewer 403, repeat 409; then runs', async () => {
    await label(['h-05'], 'major');
    const rollout = await create(
      {
        selector: { labels: 'major' },
        target: { version: '2.0.0' },
        waves: [{ name: 'all', size: '100%', maxParallel: 1, bakeSeconds: 0, failureThreshold: '1' }],
      },
      tokens.approver1,
    );
    expect(rollout).toMatchObject({ state: 'awaiting_approval', requiredApprovals: 2 });
    const self = await api('POST', `/api/rollouts/${rollout.id}/approve`, tokens.approver1, {
      comment: 'mine',
    });
    expect(self.status).toBe(403);
    expect(JSON.stringify(self.body)).toContain('forbid_self_approval');
    expect((await api('POST', `/api/rollouts/${rollout.id}/approve`, tokens.viewer, {})).status).toBe(403);
    expect((await api('POST', `/api/rollouts/${rollout.id}/approve`, tokens.operator, {})).status).toBe(403);
    const first = await api('POST', `/api/rollouts/${rollout.id}/approve`, tokens.approver2, {
      comment: 'looks fine',
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      state: 'awaiting_approval',
      approvals: [{ decision: 'approve', comment: 'looks fine', wave: null }],
    });
    const repeat = await api('POST', `/api/rollouts/${rollout.id}/approve`, tokens.approver2, {});
    expect(repeat.status).toBe(409);
    const second = await api('POST', `/api/rollouts/${rollout.id}/approve`, tokens.admin, {
      comment: 'window booked',
    });
    expect(second.status).toBe(200);
    expect(['scheduled', 'running', 'completed']).toContain(second.body['state']);
    const done = await until(rollout.id, 'completed', (current) => current.state === 'completed');
    expect(done.approvals.map((approval) => approval.comment)).toEqual(['looks fine', 'window booked']);
  }, 60_000);

  it('a rejection aborts the rollout with who and why', async () => {
    await label(['h-06'], 'reject');
    const rollout = await create({ selector: { labels: 'reject' }, target: { version: '2.0.0' } });
    const rejected = await api('POST', `/api/rollouts/${rollout.id}/reject`, tokens.approver1, {
      comment: 'not this week',
    });
    expect(rejected.status).toBe(200);
    expect(rejected.body['state']).toBe('aborted');
    expect(String(rejected.body['reason'])).toContain('not this week');
    expect(
      notifications.some((event) => event.kind === 'rollout_aborted' && event.rolloutId === rollout.id),
    ).toBe(true);
    expect(
      executions.some(
        (execution) =>
          execution.hostname === 'h-06' &&
          execution.kind === 'upgrade' &&
          execution.startedAt > Date.parse(rollout.createdAt),
      ),
    ).toBe(false);
  });

  it('waits for an offline host up to the deadline, then counts it as configured', async () => {
    await label(['h-02'], 'offline');
    const db = await connectToSchema(environment.schema.target);
    try {
      await db.query(`UPDATE hosts SET labels = labels || '{"offline":"yes"}' WHERE id = $1`, [
        offlineHostId,
      ]);
      await db.query(
        `INSERT INTO host_inventory (id, host_id, component_name, version, binary_path, sha256, reported_at)
         VALUES (gen_random_uuid(), $1, 'node_exporter', '1.7.0', '/usr/local/bin/node_exporter', $2, now())`,
        [offlineHostId, 'c'.repeat(64)],
      );
    } finally {
      await db.end();
    }
    const rollout = await create({
      selector: { labels: 'offline' },
      offline: { deadlineSeconds: 2, countAs: 'skipped' },
      waves: [{ name: 'all', size: '100%', maxParallel: 2, bakeSeconds: 0, failureThreshold: '1' }],
    });
    const waiting = await until(rollout.id, 'offline host waiting', (current) =>
      hostsOf(current).some((host) => host.state === 'waiting_offline'),
    );
    expect(hostsOf(waiting).find((host) => host.state === 'waiting_offline')?.hostname).toBe('h-offline');
    const done = await until(rollout.id, 'completed', (current) => current.state === 'completed');
    expect(Object.fromEntries(hostsOf(done).map((host) => [host.hostname, host.state]))).toEqual({
      'h-02': 'succeeded',
      'h-offline': 'skipped',
    });
    expect(hostsOf(done).find((host) => host.hostname === 'h-offline')?.message).toContain('offline');
  }, 60_000);

  it('waitsFor holds a rollout until the other completed', async () => {
    await label(['h-03'], 'first');
    await label(['h-04'], 'second');
    const first = await create({
      selector: { labels: 'first' },
      waves: [{ name: 'all', size: '100%', maxParallel: 1, bakeSeconds: 0, failureThreshold: '1' }],
    });
    expect((await api('POST', `/api/rollouts/${first.id}/pause`, tokens.operator)).status).toBe(200);
    const second = await create({
      selector: { labels: 'second' },
      waitsFor: [first.id],
      waves: [{ name: 'all', size: '100%', maxParallel: 1, bakeSeconds: 0, failureThreshold: '1' }],
    });
    const held = await until(second.id, 'held by waitsFor', (current) =>
      (current.reason ?? '').includes('waits for'),
    );
    expect(held.state).toBe('scheduled');
    expect(held.reason).toContain(first.id);
    await sleep(500);
    expect((await view(second.id)).state).toBe('scheduled');
    expect((await api('POST', `/api/rollouts/${first.id}/resume`, tokens.operator)).status).toBe(200);
    await until(first.id, 'first completed', (current) => current.state === 'completed');
    await until(second.id, 'second completed', (current) => current.state === 'completed');
  }, 60_000);

  it('streams the rollout as server-sent events', async () => {
    await label(['h-06'], 'events');
    const rollout = await create({
      selector: { labels: 'events' },
      waves: [{ name: 'all', size: '100%', maxParallel: 1, bakeSeconds: 0, failureThreshold: '1' }],
    });
    const abort = new AbortController();
    const response = await fetch(`${controlPlane.httpUrl}/api/rollouts/${rollout.id}/events`, {
      headers: { authorization: `Bearer ${tokens.viewer}` },
      signal: abort.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const body = response.body;
    if (body === null) throw new Error('no body');
    const states: string[] = [];
    let text = '';
    const decoder = new TextDecoder();
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      let end = text.indexOf('\n\n');
      while (end >= 0) {
        const message = text.slice(0, end);
        text = text.slice(end + 2);
        const data = /^event: rollout\ndata: (.*)$/m.exec(message);
        if (data?.[1] !== undefined) states.push((JSON.parse(data[1]) as RolloutView).state);
        end = text.indexOf('\n\n');
      }
      if (states.includes('completed')) break;
    }
    abort.abort();
    expect(states).toContain('completed');
    // A stream still open when the control plane stops is ended, not waited for.
    const open = await fetch(`${controlPlane.httpUrl}/api/rollouts/${rollout.id}/events`, {
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    expect(open.status).toBe(200);
    const replica = await environment.startReplica();
    const lingering = await fetch(`${replica.controlPlane.httpUrl}/api/rollouts/${rollout.id}/events`, {
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    expect(lingering.status).toBe(200);
    await replica.controlPlane.close();
    expect(await lingering.text()).toContain('event: rollout');
    await open.body?.cancel();
    expect(states.length).toBeGreaterThan(1);
  }, 60_000);

  it('reads a watched rollout once per interval however many streams are open on it', async () => {
    await label(['h-06'], 'watched');
    const rollout = await create({
      selector: { labels: 'watched' },
      waves: [{ name: 'all', size: '100%', maxParallel: 1, bakeSeconds: 0, failureThreshold: '1' }],
      draft: true,
    });
    const streams = controlPlane.app.get(RolloutEventStream);
    const reads = vi.spyOn(controlPlane.app.get(RolloutRepository), 'find');
    const opened = await Promise.all(
      Array.from({ length: 6 }, () =>
        fetch(`${controlPlane.httpUrl}/api/rollouts/${rollout.id}/events`, {
          headers: { authorization: `Bearer ${tokens.viewer}` },
        }),
      ),
    );
    try {
      expect(opened.map((response) => response.status)).toEqual([200, 200, 200, 200, 200, 200]);
      await eventually(
        () => Promise.resolve(streams.counts.streams === 6 ? true : undefined),
        'six open streams',
      );
      expect(streams.counts.polledRollouts).toBe(1);
      reads.mockClear();
      await sleep(2_000);
      // Six streams polling alone would read about 24 times in 2 s at 500 ms; one shared poll, about 4.
      expect(reads.mock.calls.length).toBeGreaterThanOrEqual(2);
      expect(reads.mock.calls.length).toBeLessThanOrEqual(6);
    } finally {
      reads.mockRestore();
      for (const response of opened) await response.body?.cancel();
    }
    await eventually(
      () =>
        Promise.resolve(
          streams.counts.polledRollouts === 0 && streams.counts.streams === 0 ? true : undefined,
        ),
      'every stream closed and its poll stopped',
    );
    await api('POST', `/api/rollouts/${rollout.id}/abort`, tokens.operator, {});
  }, 60_000);

  it('holds a major rollout outside maintenance windows: the approval policy froze maintenanceWindow', async () => {
    await label(['h-06'], 'held');
    const db = await connectToSchema(environment.schema.target);
    try {
      await db.query(`UPDATE hosts SET groups = ARRAY['held'] WHERE hostname = 'h-06'`);
    } finally {
      await db.end();
    }
    const body = {
      component: 'node_exporter',
      environment: 'staging',
      target: { version: '2.0.0' },
      selector: { labels: 'held' },
      waves: [{ name: 'all', size: '100%', maxParallel: 1, bakeSeconds: 0, failureThreshold: '1' }],
    };
    const planned = await api('POST', '/api/rollouts/plan', tokens.viewer, body);
    expect(planned.status, JSON.stringify(planned.body)).toBe(200);
    expect(planned.body).toMatchObject({ maintenanceWindow: true, requiredApprovals: 2 });
    const before = ran(['h-06']).length;
    const rollout = await create(body);
    expect((await api('POST', `/api/rollouts/${rollout.id}/approve`, tokens.approver2, {})).status).toBe(200);
    expect((await api('POST', `/api/rollouts/${rollout.id}/approve`, tokens.admin, {})).status).toBe(200);
    const held = await until(rollout.id, 'held by the maintenance window', (current) =>
      (current.reason ?? '').startsWith(
        'maintenance_window: the approval policy requires a maintenance window',
      ),
    );
    expect(held.reason).toContain('h-06: outside its maintenance windows');
    expect(hostsOf(held).map((host) => host.state)).toEqual(['pending']);
    expect(ran(['h-06']).length).toBe(before);
    expect((await api('POST', `/api/rollouts/${rollout.id}/abort`, tokens.operator, {})).status).toBe(200);
  }, 60_000);

  async function auditActions(id: string): Promise<{ action: string; details: Record<string, unknown> }[]> {
    const db = await connectToSchema(environment.schema.target);
    try {
      return (
        await db.query<{ action: string; details: Record<string, unknown> }>(
          `SELECT action, details FROM audit_events WHERE target_type = 'rollout' AND target_id = $1
           ORDER BY occurred_at, id`,
          [id],
        )
      ).rows;
    } finally {
      await db.end();
    }
  }

  async function jobsOf(id: string): Promise<number> {
    const db = await connectToSchema(environment.schema.target);
    try {
      const rows = await db.query<{ count: string }>(
        `SELECT count(*)::text AS count FROM jobs WHERE rollout_id = $1`,
        [id],
      );
      return Number(rows.rows[0]?.count ?? '0');
    } finally {
      await db.end();
    }
  }

  it('a draft is planned and stored but dispatches nothing; submit schedules it and it completes', async () => {
    const chosen = ['h-01', 'h-02'];
    await label(chosen, 'draft');
    const before = executions.length;
    const draft = await create({
      draft: true,
      selector: { labels: 'draft' },
      waves: [{ name: 'all', size: '100%', maxParallel: 2, bakeSeconds: 0, failureThreshold: '1' }],
    });
    expect(draft).toMatchObject({ state: 'draft', requiredApprovals: 0 });
    expect(draft.reason).toContain('submitted');
    expect(hostsOf(draft).map((host) => [host.hostname, host.state])).toEqual([
      ['h-01', 'pending'],
      ['h-02', 'pending'],
    ]);
    // The driver ticks every 100 ms with both agents connected: a second of ticks moves nothing.
    await sleep(1000);
    const still = await view(draft.id);
    expect(still.state).toBe('draft');
    expect(hostsOf(still).every((host) => host.state === 'pending' && host.jobId === null)).toBe(true);
    expect(executions.slice(before)).toEqual([]);
    expect(await jobsOf(draft.id)).toBe(0);
    expect(notifications.some((event) => event.rolloutId === draft.id)).toBe(false);
    expect(await auditActions(draft.id)).toMatchObject([
      { action: 'rollout.created', details: { state: 'draft', hosts: 2 } },
    ]);

    const approve = await api('POST', `/api/rollouts/${draft.id}/approve`, tokens.approver1, {});
    expect(approve.status).toBe(409);
    expect(JSON.stringify(approve.body)).toContain('cannot approve a rollout that is draft');
    expect((await api('POST', `/api/rollouts/${draft.id}/submit`, tokens.viewer)).status).toBe(403);

    const submitted = await api('POST', `/api/rollouts/${draft.id}/submit`, tokens.operator);
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    expect(['scheduled', 'running', 'completed']).toContain(submitted.body['state']);
    const done = await until(draft.id, 'completed', (current) => current.state === 'completed');
    expect(hostsOf(done).map((host) => host.state)).toEqual(['succeeded', 'succeeded']);
    expect(
      ran(chosen)
        .filter((execution) => execution.startedAt >= Date.parse(draft.createdAt))
        .map((execution) => execution.hostname)
        .sort(),
    ).toEqual(chosen);
    expect((await auditActions(draft.id)).map((event) => event.action)).toEqual(
      expect.arrayContaining([
        'rollout.created',
        'rollout.submitted',
        'rollout.started',
        'rollout.completed',
      ]),
    );
    expect(
      (await auditActions(draft.id)).find((event) => event.action === 'rollout.submitted'),
    ).toMatchObject({
      details: { from: 'draft', to: 'scheduled' },
    });

    const again = await api('POST', `/api/rollouts/${draft.id}/submit`, tokens.operator);
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain('cannot submit a rollout that is completed');
  }, 60_000);

  it('a draft whose plan needs approvals awaits them once submitted; only then is approval asked for', async () => {
    await label(['h-03'], 'draft-major');
    const draft = await create({
      draft: true,
      selector: { labels: 'draft-major' },
      target: { version: '2.0.0' },
      waves: [{ name: 'all', size: '100%', maxParallel: 1, bakeSeconds: 0, failureThreshold: '1' }],
    });
    expect(draft).toMatchObject({ state: 'draft', requiredApprovals: 2 });
    expect(
      notifications.some((event) => event.kind === 'approval_required' && event.rolloutId === draft.id),
    ).toBe(false);
    expect((await api('POST', `/api/rollouts/${draft.id}/reject`, tokens.approver1, {})).status).toBe(409);

    const submitted = await api('POST', `/api/rollouts/${draft.id}/submit`, tokens.operator);
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    expect(submitted.body).toMatchObject({ state: 'awaiting_approval', reason: 'awaits approval (0/2)' });
    expect(
      notifications.filter((event) => event.kind === 'approval_required' && event.rolloutId === draft.id),
    ).toHaveLength(1);
    const again = await api('POST', `/api/rollouts/${draft.id}/submit`, tokens.operator);
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain('cannot submit a rollout that is awaiting_approval');
    expect((await api('POST', `/api/rollouts/${draft.id}/abort`, tokens.operator, {})).status).toBe(200);

    const discarded = await create({
      draft: true,
      selector: { labels: 'draft-major' },
      waves: [{ name: 'all', size: '100%', maxParallel: 1, bakeSeconds: 0, failureThreshold: '1' }],
    });
    const aborted = await api('POST', `/api/rollouts/${discarded.id}/abort`, tokens.operator, {});
    expect(aborted.status).toBe(200);
    expect(aborted.body['state']).toBe('aborted');
    expect(await jobsOf(discarded.id)).toBe(0);
  }, 60_000);

  it('freezes the plan an approver approves and names creator and approvers by their tokens', async () => {
    await label(['h-04', 'h-05'], 'frozen');
    const request = {
      component: 'node_exporter',
      environment: 'staging',
      target: { version: '2.0.0' },
      selector: { labels: 'frozen' },
      waves: [{ name: 'all', size: '100%', maxParallel: 1, bakeSeconds: 0, failureThreshold: '1' }],
    };
    const plan = async () => {
      const planned = await api('POST', '/api/rollouts/plan', tokens.viewer, request);
      expect(planned.status, JSON.stringify(planned.body)).toBe(200);
      return planned.body as unknown as {
        risk: string;
        breakingChanges: unknown[];
        advisories: unknown[];
        expectedDurationSeconds: number;
        waves: { hosts: { hostname: string; riskLevel: string | null; warnings: string[] }[] }[];
      };
    };
    const perHost = (
      hosts: readonly { hostname: string; riskLevel: string | null; warnings: readonly string[] }[],
    ) =>
      hosts.map((host) => ({ hostname: host.hostname, riskLevel: host.riskLevel, warnings: host.warnings }));
    const before = await plan();
    const rollout = await create(request);
    expect(rollout).toMatchObject({
      state: 'awaiting_approval',
      risk: before.risk,
      breakingChanges: before.breakingChanges,
      advisories: before.advisories,
      expectedDurationSeconds: before.expectedDurationSeconds,
      createdByName: 'operator',
      forbidSelfApproval: true,
    });
    expect(rollout.risk).not.toBeNull();
    expect(perHost(hostsOf(rollout))).toEqual(perHost(before.waves.flatMap((wave) => wave.hosts)));
    expect(hostsOf(rollout).some((host) => host.riskLevel !== null && host.warnings.length > 0)).toBe(true);
    expect(hostsOf(rollout).map((host) => [host.hostname, host.decision, host.fromVersion])).toEqual([
      ['h-04', 'manual', '1.7.0'],
      ['h-05', 'manual', '1.7.0'],
    ]);

    // What discovery would bring later: a breaking change in 2.0.0, an advisory, a release that now
    // looks brand new. A plan made now differs; the rollout keeps what was approved.
    const db = await connectToSchema(environment.schema.target);
    const changed: (() => Promise<unknown>)[] = [];
    try {
      const component = await db.query<{ id: string }>(
        `SELECT id::text AS id FROM components WHERE name = $1`,
        ['node_exporter'],
      );
      const componentId = component.rows[0]?.id ?? '';
      await db.query(
        `INSERT INTO breaking_changes (id, component_id, version, description)
         VALUES (gen_random_uuid(), $1, '2.0.0', 'frozen-test: flags renamed')`,
        [componentId],
      );
      changed.push(() => db.query(`DELETE FROM breaking_changes WHERE description LIKE 'frozen-test:%'`));
      await db.query(
        `INSERT INTO advisories (id, component_id, external_id, severity, summary, affected)
         VALUES (gen_random_uuid(), $1, 'GHSA-frozen-test', 'high', 'frozen-test advisory', '[]')`,
        [componentId],
      );
      changed.push(() => db.query(`DELETE FROM advisories WHERE external_id = 'GHSA-frozen-test'`));
      const published = await db.query<{ published_at: Date | null }>(
        `SELECT published_at FROM releases WHERE component_id = $1 AND version = '2.0.0'`,
        [componentId],
      );
      await db.query(
        `UPDATE releases SET published_at = now() WHERE component_id = $1 AND version = '2.0.0'`,
        [componentId],
      );
      changed.push(() =>
        db.query(`UPDATE releases SET published_at = $2 WHERE component_id = $1 AND version = '2.0.0'`, [
          componentId,
          published.rows[0]?.published_at ?? null,
        ]),
      );
      const after = await plan();
      expect(after.breakingChanges).toContainEqual({
        version: '2.0.0',
        description: 'frozen-test: flags renamed',
      });
      expect(after.advisories).toContainEqual(expect.objectContaining({ id: 'GHSA-frozen-test' }));
      // With an advisory source now known, the hosts' warnings change too.
      expect(perHost(after.waves.flatMap((wave) => wave.hosts))).not.toEqual(perHost(hostsOf(rollout)));

      const first = await api('POST', `/api/rollouts/${rollout.id}/approve`, tokens.approver2, {
        comment: 'ok',
      });
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      const rejected = await api('POST', `/api/rollouts/${rollout.id}/reject`, tokens.admin, {
        comment: 'no',
      });
      expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
      const shown = await view(rollout.id);
      expect(shown).toMatchObject({
        state: 'aborted',
        risk: rollout.risk,
        breakingChanges: rollout.breakingChanges,
        advisories: rollout.advisories,
        expectedDurationSeconds: rollout.expectedDurationSeconds,
        createdByName: 'operator',
      });
      expect(shown.breakingChanges).not.toContainEqual(expect.objectContaining({ version: '2.0.0' }));
      expect(perHost(hostsOf(shown))).toEqual(perHost(hostsOf(rollout)));
      expect(shown.approvals.map((approval) => [approval.decision, approval.actorName])).toEqual([
        ['approve', 'approver-2'],
        ['reject', 'admin'],
      ]);
      // The list resolves names too (one lookup for the page).
      const listed = (await api('GET', '/api/rollouts?limit=100', tokens.viewer)).body[
        'items'
      ] as RolloutView[];
      expect(listed.find((item) => item.id === rollout.id)).toMatchObject({
        createdByName: 'operator',
        approvals: [{ actorName: 'approver-2' }, { actorName: 'admin' }],
      });

      // A rollout stored before plans were frozen (or by the control plane itself) still reads.
      await db.query(
        `UPDATE rollouts SET risk = NULL, breaking_changes = NULL, advisories = NULL,
           expected_duration_seconds = NULL, created_by = 'control-plane' WHERE id = $1`,
        [rollout.id],
      );
      await db.query(`UPDATE rollout_hosts SET risk_level = NULL, warnings = DEFAULT WHERE rollout_id = $1`, [
        rollout.id,
      ]);
      const old = await view(rollout.id);
      expect(old).toMatchObject({
        createdBy: 'control-plane',
        createdByName: null,
        risk: null,
        breakingChanges: null,
        advisories: null,
        expectedDurationSeconds: null,
      });
      expect(perHost(hostsOf(old))).toEqual([
        { hostname: 'h-04', riskLevel: null, warnings: [] },
        { hostname: 'h-05', riskLevel: null, warnings: [] },
      ]);
    } finally {
      for (const undo of changed.reverse()) await undo();
      await db.end();
    }
  }, 60_000);
});
