// A control-plane replica killed (SIGKILL) in the middle of a rollout's wave: two real
// control-plane processes on one Postgres schema and one queue prefix, six host folders
// served by real `upkeep-agent run` processes. The agents are enrolled with replica B (an
// agent talks to one gRPC address), so replica A only drives: it ticks five times as often
// as B and dispatches most steps. While a job A dispatched is in flight and other hosts of
// that wave are still pending, A is killed with SIGKILL; B has to finish the rollout with every host
// upgraded exactly once (no job lost, none repeated) and on the target version.
//
// Who inserted each job is recorded by a trigger on `jobs` reading the connection's
// application_name (A connects as `replica-a`): the test's own evidence, added to this
// test's schema only, that A dispatched part of the wave and B the rest.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_COMPONENT, eventually, startFleet, type Fleet } from '../support/fleet/fleet.ts';
import {
  DEFAULT_DATABASE_URL,
  startControlPlaneProcess,
  type ControlPlaneProcess,
} from '../support/fleet/control-plane-process.ts';
import {
  createRollout,
  getRollout,
  waitForRollout,
  type RolloutView,
  type WaveSpec,
} from '../support/fleet/rollout-client.ts';
import { freePort } from '../support/free-port.ts';

const HOSTS = ['h-1', 'h-2', 'h-3', 'h-4', 'h-5', 'h-6'].map((name) => ({ name, groups: ['web'] }));
// One host at a time in the second wave: A dispatches it host by host, so there is a moment
// when A holds part of the wave and the rest is still pending.
const WAVES: WaveSpec[] = [
  { name: 'canary', size: '1', maxParallel: 1, bakeSeconds: 1, failureThreshold: '1' },
  { name: 'half', size: '50%', maxParallel: 1, bakeSeconds: 1, failureThreshold: '1' },
  { name: 'all', size: '100%', maxParallel: 2, bakeSeconds: 0, failureThreshold: '1' },
];
const TARGET = '1.0.2';
const ROLLOUT_TIMEOUT = 240_000;

describe('a control-plane replica killed mid-wave', () => {
  const schema = `rk_${randomBytes(6).toString('hex')}`;
  let fleet: Fleet | undefined;
  let replicaA: ControlPlaneProcess | undefined;
  const the = (): Fleet => {
    if (fleet === undefined) throw new Error('the fleet did not start');
    return fleet;
  };
  const log: string[] = [];
  const trace = (view: RolloutView): void => {
    log.push(
      `${view.state} wave=${String(view.currentWave)} ${view.waves.map((w) => `${w.name}:${w.state}[${w.hosts.map((h) => `${h.hostname}=${h.state}`).join(',')}]`).join(' ')}`,
    );
  };
  const context = (): string =>
    `${log.slice(-40).join('\n')}\n--- replica B:\n${the().controlPlane.log().slice(-3000)}\n--- replica A:\n${replicaA?.log().slice(-3000) ?? ''}`;

  async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
    const url = new URL(DEFAULT_DATABASE_URL);
    url.searchParams.delete('schema');
    const client = new pg.Client({
      connectionString: url.toString(),
      options: `-c search_path="${schema}"`,
    });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    // Replica B: the fleet's control plane, the one the agents are enrolled with.
    fleet = await startFleet({ hosts: HOSTS, hostsPerAgent: 3, schema });
    await query(`CREATE TABLE replica_kill_job_origins (
      job_id uuid PRIMARY KEY, application_name text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`);
    await query(`CREATE FUNCTION replica_kill_record_origin() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO replica_kill_job_origins (job_id, application_name)
          VALUES (NEW.id, current_setting('application_name'));
        RETURN NEW;
      END $$`);
    await query(`CREATE TRIGGER replica_kill_job_origin AFTER INSERT ON jobs
      FOR EACH ROW EXECUTE FUNCTION replica_kill_record_origin()`);

    // Replica A: the same schema, queue prefix, signing key, artifact store and policy; ports of
    // its own; a faster rollout tick than B's default second, so that it is the one driving.
    const b = fleet.controlPlane;
    const databaseUrl = new URL(b.env['DATABASE_URL'] ?? '');
    databaseUrl.searchParams.set('application_name', 'replica-a');
    const shared = Object.fromEntries(
      Object.entries(b.env).filter(([key]) => key !== 'UPKEEP_HTTP_ADDRESS' && key !== 'UPKEEP_GRPC_ADDRESS'),
    );
    replicaA = await startControlPlaneProcess({
      dir: join(fleet.dir, 'replica-a'),
      schema: b.schema,
      queuePrefix: b.queuePrefix,
      httpPort: await freePort(),
      grpcPort: await freePort(),
      extraEnv: { ...shared, DATABASE_URL: databaseUrl.toString(), UPKEEP_ROLLOUT_TICK_MS: '200' },
    });
  }, 600_000);

  afterAll(async () => {
    await replicaA?.stop();
    await fleet?.stop();
  }, 120_000);

  it('the other replica finishes the rollout; every host upgraded exactly once', async () => {
    const fleet = the();
    const a = replicaA;
    if (a === undefined) throw new Error('replica A did not start');
    const started = Date.now();
    const rollout = await createRollout(fleet, {
      component: DEMO_COMPONENT,
      environment: 'prod',
      target: { version: TARGET },
      selector: { groups: ['web'] },
      waves: WAVES,
      onFailure: 'pause',
    });
    expect(rollout.waves.map((w) => w.hosts.length)).toEqual([1, 2, 3]);

    // Wait until a job A dispatched is still running on its host while other hosts of the same wave
    // are pending, then kill A: B must take in that job's result and dispatch the rest.
    const killedAt = await eventually(
      async () => {
        const view = await getRollout(fleet, rollout.id);
        trace(view);
        if (['completed', 'paused', 'aborted', 'failed'].includes(view.state))
          throw new Error(`the rollout settled (${view.state}) before A was caught mid-wave\n${context()}`);
        const origins = await query<{ job_id: string }>(
          `SELECT job_id::text AS job_id FROM replica_kill_job_origins WHERE application_name = 'replica-a'`,
        );
        const byA = new Set(origins.map((row) => row.job_id));
        const midWave = view.waves.find(
          (wave) =>
            wave.hosts.some(
              (host) => host.state === 'dispatched' && host.jobId !== null && byA.has(host.jobId),
            ) && wave.hosts.some((host) => host.state === 'pending'),
        );
        if (midWave === undefined) return undefined;
        process.kill(a.pid, 'SIGKILL');
        return { wave: midWave.name, at: Date.now() };
      },
      'replica A to dispatch part of a wave',
      ROLLOUT_TIMEOUT,
      100,
    );
    log.push(`killed replica A (pid ${String(a.pid)}) in wave ${killedAt.wave}`);
    await eventually(
      () => {
        try {
          process.kill(a.pid, 0);
          return undefined;
        } catch {
          return true;
        }
      },
      'replica A to be gone',
      10_000,
      50,
    );

    const done = await waitForRollout(fleet, rollout.id, ['completed'], ROLLOUT_TIMEOUT, trace).catch(
      (error: unknown) => {
        throw new Error(`${String(error)}\n${context()}`);
      },
    );
    expect(done.waves.map((w) => w.state)).toEqual(['completed', 'completed', 'completed']);
    for (const host of done.waves.flatMap((w) => w.hosts))
      expect(host.state, host.hostname).toBe('succeeded');

    // Exactly one upgrade job per selected host for this rollout: none lost, none repeated.
    const jobs = await query<{ hostname: string; job_id: string; state: string; origin: string | null }>(
      `SELECT h.hostname, j.id::text AS job_id, j.state::text AS state, o.application_name AS origin
         FROM jobs j JOIN hosts h ON h.id = j.host_id
         LEFT JOIN replica_kill_job_origins o ON o.job_id = j.id
        WHERE j.rollout_id = $1::uuid AND j.kind = 'upgrade' ORDER BY h.hostname`,
      [rollout.id],
    );
    expect(jobs.map((job) => job.hostname)).toEqual(HOSTS.map((host) => host.name));
    expect(
      jobs.every((job) => job.state === 'succeeded'),
      JSON.stringify(jobs),
    ).toBe(true);
    // The rollout's hosts point at those very jobs.
    expect(new Set(done.waves.flatMap((w) => w.hosts.map((h) => h.jobId)))).toEqual(
      new Set(jobs.map((job) => job.job_id)),
    );
    // A dispatched part of it, B (the survivor) the rest.
    const origins = jobs.map((job) => job.origin);
    expect(origins).toContain('replica-a');
    expect(origins.filter((origin) => origin !== 'replica-a').length).toBeGreaterThan(0);

    // Every host on the target: the exporter serves it, the binaries are identical, the agents report it.
    expect(Object.values(await fleet.servedVersions())).toEqual(HOSTS.map(() => TARGET));
    expect(new Set(Object.values(fleet.binaryHashes())).size).toBe(1);
    await eventually(
      async () => {
        const versions = await fleet.reportedVersions();
        return Object.values(versions).every((v) => v === TARGET) ? true : undefined;
      },
      `every host to report ${TARGET}`,
      60_000,
      500,
    );
    const kill = log.find((line) => line.startsWith('killed replica A')) ?? '';
    log.push(
      `${kill}; rollout took ${String(Date.now() - started)} ms; B finished ${String(Date.now() - killedAt.at)} ms after the kill; jobs by origin: ${JSON.stringify(origins)}`,
    );
    console.info(log.at(-1));
  }, 420_000);
});
