import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentSession } from '@upkeep/agent-client';
import { startUpstream, type Upstream } from '../../../../test/support/upstream/index.ts';
import type { RunningControlPlane } from '../bootstrap.ts';
import type { Clock } from '../common/clock.ts';
import { connectToSchema } from '../testing/test-database.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import { enrollTestAgent, eventually, startTestAgent, TEST_OPERATOR } from '../testing/test-agent.ts';
import { fixturePolicyYaml, nodeExporterRelease } from '../testing/discovery-fixture.ts';
import type { RolloutGuard, RolloutGuardContext } from './rollout-guard.ts';
import { RolloutService } from './rollout.service.ts';
import type { RolloutView } from './rollout.ts';

const MINUTE = 60_000;

/** A window for `group` (`day`, `start_time`, `end_time`) opening at `start` for `minutes`, in `zone`'s wall clock. */
function windowAt(start: Date, minutes: number, zone: string, group: string): string {
  const parts = (at: Date): Record<string, string> =>
    Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        weekday: 'long',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      })
        .formatToParts(at)
        .map((part) => [part.type, part.value]),
    );
  const from = parts(start);
  const to = parts(new Date(start.getTime() + minutes * MINUTE));
  return `{ day: ${(from['weekday'] ?? '').toLowerCase()}, start_time: '${from['hour'] ?? ''}:${from['minute'] ?? ''}', end_time: '${to['hour'] ?? ''}:${to['minute'] ?? ''}', groups: [${group}] }`;
}

interface Harness {
  upstream: Upstream;
  dir: string;
  environment: TestEnvironment;
  controlPlane: RunningControlPlane;
  sessions: AgentSession[];
  upgrades: { hostname: string; at: number }[];
}

/** A control plane with `policy` appended to the fixture versions.yaml and one real agent per hostname. */
async function startHarness(
  hostnames: readonly string[],
  policy: string,
  start: (environment: TestEnvironment) => Promise<RunningControlPlane>,
  extraEnv: Record<string, string> = {},
): Promise<Harness> {
  const upstream = await startUpstream({
    github: {
      'prometheus/node_exporter': [
        nodeExporterRelease('1.7.1', '2024-09-01T00:00:00Z'),
        nodeExporterRelease('1.7.0', '2024-04-01T00:00:00Z'),
      ],
    },
  });
  const dir = await mkdtemp(join(tmpdir(), 'upkeep-rollout-guards-'));
  const policyFile = join(dir, 'versions.yaml');
  await writeFile(
    policyFile,
    `${fixturePolicyYaml(upstream.url)}  staging:\n    component_overrides: {}\n${policy}`,
  );
  const environment = await createTestEnvironment({
    extraEnv: {
      UPKEEP_POLICY_FILE: policyFile,
      UPKEEP_DISCOVERY_INTERVAL_SECONDS: '3600',
      UPKEEP_ROLLOUT_TICK_MS: '100',
      ...extraEnv,
    },
  });
  const controlPlane = await start(environment);
  const harness: Harness = { upstream, dir, environment, controlPlane, sessions: [], upgrades: [] };
  for (const hostname of hostnames) {
    const identity = await enrollTestAgent(environment, controlPlane, hostname);
    harness.sessions.push(
      startTestAgent(environment, identity, {
        executor: async (assignment) => {
          if (assignment.kind === 'upgrade') harness.upgrades.push({ hostname, at: Date.now() });
          await sleep(100);
          return { outcome: 'succeeded', message: `${assignment.kind} done` };
        },
      }),
    );
  }
  await eventually(
    async () => {
      const rows = await query<{ n: string }>(harness, 'SELECT count(*) AS n FROM host_inventory');
      return Number(rows[0]?.n) === hostnames.length ? true : undefined;
    },
    'inventories reported',
    30_000,
  );
  return harness;
}

async function stopHarness(harness: Harness | undefined): Promise<void> {
  if (harness === undefined) return;
  await Promise.all(harness.sessions.map((session) => session.stop()));
  await harness.environment.cleanup();
  await harness.upstream.close();
  await rm(harness.dir, { recursive: true, force: true });
}

async function query<T extends pg.QueryResultRow>(
  harness: Harness,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const db = await connectToSchema(harness.environment.schema.target);
  try {
    return (await db.query<T>(text, values)).rows;
  } finally {
    await db.end();
  }
}

async function createRollout(harness: Harness, hostnames: readonly string[]): Promise<RolloutView> {
  await query(
    harness,
    `UPDATE hosts SET labels = labels || jsonb_build_object('chosen', 'yes') WHERE hostname = ANY($1)`,
    [hostnames],
  );
  return harness.controlPlane.app.get(RolloutService).create(
    {
      component: 'node_exporter',
      environment: 'staging',
      target: { version: '1.7.1' },
      selector: { labels: 'chosen' },
      waves: [{ name: 'all', size: '100%', maxParallel: 1, bakeSeconds: 0, failureThreshold: '1' }],
    },
    TEST_OPERATOR,
  );
}

async function hostStates(harness: Harness, rolloutId: string): Promise<Record<string, string>> {
  const rows = await query<{ hostname: string; state: string }>(
    harness,
    `SELECT h.hostname, rh.state FROM rollout_hosts rh JOIN hosts h ON h.id = rh.host_id
     WHERE rh.rollout_id = $1 ORDER BY h.hostname`,
    [rolloutId],
  );
  return Object.fromEntries(rows.map((row) => [row.hostname, row.state]));
}

async function rolloutRow(harness: Harness, id: string): Promise<{ state: string; reason: string | null }> {
  const rows = await query<{ state: string; reason: string | null }>(
    harness,
    'SELECT state, reason FROM rollouts WHERE id = $1',
    [id],
  );
  const row = rows[0];
  if (row === undefined) throw new Error(`rollout ${id} is gone`);
  return row;
}

describe('maintenance windows per host: a wave across groups whose windows do not overlap', () => {
  // Hostname order puts a US host first: with maxParallel 1 the driver must fill the slot from the
  // hosts the window allows, not wait for the first one in order.
  const HOSTS = { 'w-01': 'us', 'w-02': 'eu', 'w-03': 'us', 'w-04': 'eu' } as const;
  const hostnames = Object.keys(HOSTS);
  let harness: Harness | undefined;
  /** The control plane's clock runs with the real one, `offsetMs` ahead. */
  let offsetMs = 0;
  const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
  const realStart = new Date();
  // Europe's window is open now for two hours; the US's opens in four hours, for two hours.
  const usOpens = new Date(Math.ceil((realStart.getTime() + 240 * MINUTE) / MINUTE) * MINUTE);
  const euOpens = new Date(Math.floor((realStart.getTime() - 10 * MINUTE) / MINUTE) * MINUTE);

  beforeAll(async () => {
    const policy = `upgrade_policies:
  maintenance_windows:
    enabled: true
    group_timezones: { eu: Europe/Paris, us: America/New_York }
    windows:
      - ${windowAt(euOpens, 120, 'Europe/Paris', 'eu')}
      - ${windowAt(usOpens, 120, 'America/New_York', 'us')}
`;
    harness = await startHarness(
      hostnames,
      policy,
      (environment) => environment.start({ clock }),
      // The clock jumps by hours: hosts must not count as offline for it.
      { UPKEEP_HOST_OFFLINE_AFTER_SECONDS: '86400' },
    );
    for (const [hostname, group] of Object.entries(HOSTS)) {
      await query(harness, `UPDATE hosts SET groups = ARRAY[$1] WHERE hostname = $2`, [group, hostname]);
    }
  }, 120_000);

  afterAll(async () => {
    await stopHarness(harness);
  });

  it('upgrades Europe in its window, holds the US with the reason, and finishes at the US opening', async () => {
    if (harness === undefined) throw new Error('no harness');
    const h = harness;
    const rollout = await createRollout(h, hostnames);
    const held = await eventually(
      async () => {
        const states = await hostStates(h, rollout.id);
        const row = await rolloutRow(h, rollout.id);
        // Once Europe is done, only US hosts are left and the guard holds them all.
        return states['w-02'] === 'succeeded' &&
          states['w-04'] === 'succeeded' &&
          row.reason?.startsWith('maintenance_window: maintenance windows are enabled') === true
          ? { states, row }
          : undefined;
      },
      "Europe's hosts upgraded",
      30_000,
    );
    expect(held.states).toEqual({
      'w-01': 'pending',
      'w-02': 'succeeded',
      'w-03': 'pending',
      'w-04': 'succeeded',
    });
    expect(held.row.state).toBe('running');
    expect(held.row.reason).toMatch(
      new RegExp(
        `^maintenance_window: maintenance windows are enabled: w-01: outside its maintenance windows; the next window long enough opens at ${usOpens.toISOString()}`,
      ),
    );
    // A few more ticks: the US hosts stay where they are until their window opens.
    await sleep(500);
    expect(h.upgrades.map((upgrade) => upgrade.hostname).sort()).toEqual(['w-02', 'w-04']);
    expect((await hostStates(h, rollout.id))['w-01']).toBe('pending');

    offsetMs = usOpens.getTime() + MINUTE - Date.now();
    await eventually(
      async () => ((await rolloutRow(h, rollout.id)).state === 'completed' ? true : undefined),
      'rollout completed at the US opening',
      30_000,
    );
    expect(Object.values(await hostStates(h, rollout.id))).toEqual(hostnames.map(() => 'succeeded'));
    expect(h.upgrades.map((upgrade) => upgrade.hostname)).toHaveLength(4);
    expect(
      h.upgrades
        .slice(2)
        .map((upgrade) => upgrade.hostname)
        .sort(),
    ).toEqual(['w-01', 'w-03']);
  }, 60_000);

  it('while both groups are in the wave, the reason names how many wait and until when', async () => {
    if (harness === undefined) throw new Error('no harness');
    const h = harness;
    // Back to Europe's window: the US hosts of a new rollout wait while Europe's are dispatched.
    offsetMs = 0;
    await query(h, `UPDATE hosts SET labels = labels - 'chosen'`);
    const rollout = await createRollout(h, ['w-01', 'w-02']);
    const reason = await eventually(
      async () => {
        const row = await rolloutRow(h, rollout.id);
        return row.reason?.includes('host(s) wait') === true ? row.reason : undefined;
      },
      'a partial dispatch',
      30_000,
    );
    expect(reason).toMatch(
      new RegExp(`^maintenance_window: 1 host\\(s\\) wait until ${usOpens.toISOString()}: .*w-01: outside`),
    );
    await harness.controlPlane.app.get(RolloutService).abort(rollout.id, TEST_OPERATOR, false);
  }, 60_000);
});

describe('guards run outside the rollout row lock', () => {
  const hostnames = ['s-01', 's-02'];
  const DELAY_MS = 2000;
  let harness: Harness | undefined;
  const asked: { context: RolloutGuardContext; at: number }[] = [];
  /** A guard that takes DELAY_MS to answer yes, like a Prometheus at the edge of its timeout. */
  const slow: RolloutGuard = {
    name: 'slow_test_guard',
    check: async (context) => {
      asked.push({ context, at: Date.now() });
      await sleep(DELAY_MS);
      return { ok: true };
    },
  };

  beforeAll(async () => {
    harness = await startHarness(hostnames, '', (environment) =>
      environment.start({ rolloutGuards: [slow] }),
    );
  }, 120_000);

  afterAll(async () => {
    await stopHarness(harness);
  });

  it('an operator pauses while a guard is slow: the pause returns at once and nothing is dispatched', async () => {
    if (harness === undefined) throw new Error('no harness');
    const h = harness;
    const rollout = await createRollout(h, hostnames);
    await eventually(
      () => Promise.resolve(asked.some((one) => one.context.rolloutId === rollout.id) ? true : undefined),
      'the guard asked about the dispatch',
      10_000,
    );
    const started = Date.now();
    const paused = await h.controlPlane.app.get(RolloutService).pause(rollout.id, TEST_OPERATOR);
    const tookMs = Date.now() - started;
    expect(paused.state).toBe('paused');
    expect(tookMs).toBeLessThan(DELAY_MS / 2);
    // Let the guard answer and the driver tick a few more times.
    await sleep(DELAY_MS + 1000);
    const jobs = await query<{ n: string }>(h, 'SELECT count(*) AS n FROM jobs WHERE rollout_id = $1', [
      rollout.id,
    ]);
    expect(Number(jobs[0]?.n)).toBe(0);
    expect(h.upgrades).toEqual([]);
    expect(await hostStates(h, rollout.id)).toEqual({ 's-01': 'pending', 's-02': 'pending' });
    expect((await rolloutRow(h, rollout.id)).state).toBe('paused');
  }, 60_000);
});
