import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentSession } from '@upkeep/agent-client';
import { startUpstream, type Upstream } from '../../../../test/support/upstream/index.ts';
import type { RunningControlPlane } from '../bootstrap.ts';
import { connectToSchema } from '../testing/test-database.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';
import { enrollTestAgent, eventually, startTestAgent, TEST_OPERATOR } from '../testing/test-agent.ts';
import { fixturePolicyYaml, nodeExporterRelease } from '../testing/discovery-fixture.ts';
import type { RolloutGuard } from './rollout-guard.ts';
import { RolloutDriver } from './rollout-driver.ts';
import { RolloutService } from './rollout.service.ts';
import type { RolloutView } from './rollout.ts';

const HOSTS = Array.from({ length: 8 }, (_, index) => `r-${String(index + 1).padStart(2, '0')}`);

describe('rollout driver on several replicas', () => {
  let upstream: Upstream;
  let dir: string;
  let environment: TestEnvironment;
  let primary: RunningControlPlane;
  const sessions: AgentSession[] = [];
  const upgrades: string[] = [];

  async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
    const db = await connectToSchema(environment.schema.target);
    try {
      return (await db.query<T>(text, values)).rows;
    } finally {
      await db.end();
    }
  }

  async function label(key: string): Promise<void> {
    await query(
      `UPDATE hosts SET labels = labels || jsonb_build_object($1::text, 'yes') WHERE hostname = ANY($2)`,
      [key, HOSTS],
    );
  }

  async function createRollout(key: string): Promise<RolloutView> {
    return primary.app.get(RolloutService).create(
      {
        component: 'node_exporter',
        environment: 'staging',
        target: { version: '1.7.1' },
        selector: { labels: key },
        waves: [
          { name: 'canary', size: '1', maxParallel: 1, bakeSeconds: 0, failureThreshold: '1' },
          { name: 'rest', size: '100%', maxParallel: 4, bakeSeconds: 0, failureThreshold: '1' },
        ],
      },
      TEST_OPERATOR,
    );
  }

  /** Upgrade jobs of a rollout per hostname, from the jobs table. */
  async function jobsPerHost(rolloutId: string): Promise<Record<string, number>> {
    const rows = await query<{ hostname: string; jobs: string }>(
      `SELECT h.hostname, count(*) AS jobs FROM jobs j JOIN hosts h ON h.id = j.host_id
       WHERE j.rollout_id = $1 AND j.kind = 'upgrade' GROUP BY h.hostname`,
      [rolloutId],
    );
    return Object.fromEntries(rows.map((row) => [row.hostname, Number(row.jobs)]));
  }

  async function completed(rolloutId: string, drive?: () => Promise<unknown>): Promise<void> {
    await eventually(
      async () => {
        if (drive !== undefined) await drive();
        const rows = await query<{ state: string }>('SELECT state FROM rollouts WHERE id = $1', [rolloutId]);
        return rows[0]?.state === 'completed' ? true : undefined;
      },
      `rollout ${rolloutId} completed`,
      60_000,
    );
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
    dir = await mkdtemp(join(tmpdir(), 'upkeep-rollout-replicas-'));
    const policyFile = join(dir, 'versions.yaml');
    await writeFile(
      policyFile,
      `${fixturePolicyYaml(upstream.url)}  staging:\n    component_overrides: {}\n`,
    );
    environment = await createTestEnvironment({
      extraEnv: {
        UPKEEP_POLICY_FILE: policyFile,
        UPKEEP_DISCOVERY_INTERVAL_SECONDS: '3600',
        UPKEEP_ROLLOUT_TICK_MS: '20',
      },
    });
    primary = await environment.start({ background: { rolloutDriver: false } });
    for (const hostname of HOSTS) {
      const identity = await enrollTestAgent(environment, primary, hostname);
      sessions.push(
        startTestAgent(environment, identity, {
          executor: async (assignment) => {
            if (assignment.kind === 'upgrade') upgrades.push(`${hostname}:${assignment.jobId}`);
            await sleep(50);
            return { outcome: 'succeeded', message: 'done' };
          },
        }),
      );
    }
    await eventually(
      async () => {
        const rows = await query<{ n: string }>('SELECT count(*) AS n FROM host_inventory');
        return Number(rows[0]?.n) === HOSTS.length ? true : undefined;
      },
      'inventories reported',
      30_000,
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(sessions.map((session) => session.stop()));
    await environment.cleanup();
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('three replicas driving one rollout at once never dispatch a host twice', async () => {
    const replicas = [
      (await environment.startReplica()).controlPlane,
      (await environment.startReplica()).controlPlane,
      (await environment.startReplica()).controlPlane,
    ];
    try {
      await label('three');
      const rollout = await createRollout('three');
      const drivers = replicas.map((replica) => replica.app.get(RolloutDriver));
      // Their own 20 ms ticks, plus all three stepping at the same instant, as hard as they can.
      await completed(rollout.id, () => Promise.all(drivers.map((driver) => driver.tick())));
      expect(await jobsPerHost(rollout.id)).toEqual(
        Object.fromEntries(HOSTS.map((hostname) => [hostname, 1])),
      );
      const dispatched = await query<{ n: string }>(
        `SELECT count(*) AS n FROM audit_events WHERE action = 'rollout.host_dispatched' AND target_id = $1`,
        [rollout.id],
      );
      expect(Number(dispatched[0]?.n)).toBe(HOSTS.length);
      const ran = upgrades.filter((entry) => HOSTS.some((hostname) => entry.startsWith(`${hostname}:`)));
      expect(new Set(ran).size).toBe(ran.length);
    } finally {
      for (const replica of replicas) await replica.close();
    }
  }, 120_000);

  it('a replica killed in the middle of a step is replaced without losing or repeating a job', async () => {
    let entered = false;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Guards run before the step's transaction: this one holds the doomed replica just before the
    // step that dispatches the second wave, until the test has locked that wave's host rows.
    const gate: RolloutGuard = {
      name: 'gate',
      check: async (context) => {
        if (context.phase === 'dispatch' && context.waveIndex === 1 && !entered) {
          entered = true;
          await released;
        }
        return { ok: true };
      },
    };
    const doomed = (await environment.startReplica({ rolloutGuards: [gate] })).controlPlane;
    let doomedClosed = false;
    const blocker = new pg.Client({ connectionString: environment.schema.target.connectionString });
    await blocker.connect();
    try {
      await label('killed');
      upgrades.length = 0;
      const rollout = await createRollout('killed');
      await eventually(
        () => Promise.resolve(entered ? true : undefined),
        'the doomed replica about to dispatch the second wave',
        30_000,
      );
      // The second wave's host rows locked elsewhere: the doomed step, once in its transaction with
      // the rollout's row locked, waits on them mid-step.
      await blocker.query('BEGIN');
      await blocker.query(
        `SELECT id FROM "${environment.schema.target.schema}".rollout_hosts
         WHERE rollout_id = $1 AND wave_index = 1 FOR UPDATE`,
        [rollout.id],
      );
      release();
      const admin = new pg.Client({ connectionString: environment.schema.target.connectionString });
      await admin.connect();
      try {
        const stuck = await eventually(
          async () => {
            const rows = await admin.query<{ pid: number }>(
              `SELECT pid FROM pg_stat_activity
               WHERE wait_event_type = 'Lock' AND query LIKE $1 AND pid <> pg_backend_pid()`,
              [`%"${environment.schema.target.schema}"."rollout_hosts"%`],
            );
            return rows.rows.length > 0 ? rows.rows.map((row) => row.pid) : undefined;
          },
          'the doomed replica mid-step',
          30_000,
        );
        // While it holds the row, another driver skips the rollout instead of racing it.
        const survivor = primary.app.get(RolloutDriver);
        expect(await survivor.drive(rollout.id)).toBe(false);
        // The crash: its database session dies mid-transaction, the transaction rolls back.
        for (const pid of stuck) await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        await blocker.query('ROLLBACK');
        await doomed.close();
        doomedClosed = true;
        await completed(rollout.id, () => survivor.tick());
      } finally {
        await admin.end();
      }
      expect(await jobsPerHost(rollout.id)).toEqual(
        Object.fromEntries(HOSTS.map((hostname) => [hostname, 1])),
      );
      expect(new Set(upgrades).size).toBe(HOSTS.length);
      expect(upgrades).toHaveLength(HOSTS.length);
    } finally {
      release();
      await blocker.end();
      if (!doomedClosed) await doomed.close();
    }
  }, 120_000);
});
