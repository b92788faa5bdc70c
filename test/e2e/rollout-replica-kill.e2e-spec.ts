// A control-plane replica killed (SIGKILL) in the middle of a rollout's wave, with the agents
// connected to it: two real control-plane processes on one Postgres schema and one queue
// prefix, six host folders served by real `upkeep-agent run` processes, and in front of the
// replicas two L4 balancers (test/support/fleet/tcp-balancer.ts), one for the agent gateway
// (gRPC over TLS, passed through) and one for HTTP (the artifact downloads, UPKEEP_PUBLIC_URL),
// each sending new connections to A while A accepts them and to B otherwise. A is started
// before any host enrolls, so every agent session and download goes to A; A also ticks ten
// times as often as B and dispatches most steps. While a job A dispatched is running on its
// host and other hosts of that wave are still pending, A is killed: its connections drop, the
// agents reconnect through the balancer to B, report what they were doing there, and B has to
// finish the rollout with every host upgraded exactly once (no job lost, none repeated) and on
// the target version.
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
import { startTcpBalancer, type TcpBalancer } from '../support/fleet/tcp-balancer.ts';
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
  const RUNNING_CHANNEL = `${schema}_running`;
  let fleet: Fleet | undefined;
  let replicaA: ControlPlaneProcess | undefined;
  let balancers:
    { grpc: TcpBalancer; http: TcpBalancer; aGrpc: string; bGrpc: string; bHttp: string } | undefined;
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

  /** The test database without Prisma's `schema` parameter. */
  function adminUrl(): string {
    const url = new URL(DEFAULT_DATABASE_URL);
    url.searchParams.delete('schema');
    return url.toString();
  }

  async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({
      connectionString: adminUrl(),
      options: `-c search_path="${schema}"`,
    });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  /** Free ports, distinct from each other (freePort may hand the same one out twice). */
  async function distinctPorts(count: number): Promise<number[]> {
    const ports = new Set<number>();
    while (ports.size < count) ports.add(await freePort());
    return [...ports];
  }

  /** The hosts whose agent opened a session on this replica, from its log. */
  function sessionsOpened(replica: ControlPlaneProcess): Set<string> {
    const hosts = new Set<string>();
    for (const line of replica.log().split('\n')) {
      if (!line.includes('"agent session opened"')) continue;
      const entry = JSON.parse(line) as { hostId?: string };
      if (entry.hostId !== undefined) hosts.add(entry.hostId);
    }
    return hosts;
  }

  beforeAll(async () => {
    const [aHttp = 0, aGrpc = 0, bHttp = 0, bGrpc = 0] = await distinctPorts(4);
    const upstreams = { aGrpc: `127.0.0.1:${String(aGrpc)}`, bGrpc: `127.0.0.1:${String(bGrpc)}` };
    const grpc = await startTcpBalancer([upstreams.aGrpc, upstreams.bGrpc]);
    const http = await startTcpBalancer([`127.0.0.1:${String(aHttp)}`, `127.0.0.1:${String(bHttp)}`]);
    balancers = { grpc, http, ...upstreams, bHttp: `127.0.0.1:${String(bHttp)}` };

    // Replica B: the fleet's control plane (the REST API the test and the CLI talk to).
    fleet = await startFleet({
      hosts: HOSTS,
      hostsPerAgent: 3,
      schema,
      httpPort: bHttp,
      grpcPort: bGrpc,
      // The balancer listens on 127.0.0.1; both replicas present the test PKI's server
      // certificate (localhost, 127.0.0.1), so the name the agents dial verifies on either.
      agentServer: `localhost:${String(grpc.port)}`,
      controlPlaneEnv: { UPKEEP_PUBLIC_URL: `http://127.0.0.1:${String(http.port)}` },
      beforeHosts: async (b, dir) => {
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
        // The moment an agent acknowledges a job (it turns running), told to the test at once:
        // an upgrade of the demo host runs for well under a second, too short to catch by polling.
        await query(`CREATE FUNCTION replica_kill_notify_running() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            PERFORM pg_notify('${RUNNING_CHANNEL}', NEW.id::text);
            RETURN NEW;
          END $$`);
        await query(`CREATE TRIGGER replica_kill_job_running AFTER UPDATE OF state ON jobs
          FOR EACH ROW WHEN (NEW.state = 'running' AND OLD.state IS DISTINCT FROM NEW.state)
          EXECUTE FUNCTION replica_kill_notify_running()`);

        // Replica A: the same schema, queue prefix, signing key, artifact store, policy and public
        // URL; ports of its own; a faster rollout tick than B's default second, so that it is the
        // one driving. Up before any host enrolls: the balancers send everything to it.
        const databaseUrl = new URL(b.env['DATABASE_URL'] ?? '');
        databaseUrl.searchParams.set('application_name', 'replica-a');
        const shared = Object.fromEntries(
          Object.entries(b.env).filter(
            ([key]) => key !== 'UPKEEP_HTTP_ADDRESS' && key !== 'UPKEEP_GRPC_ADDRESS',
          ),
        );
        replicaA = await startControlPlaneProcess({
          dir: join(dir, 'replica-a'),
          schema: b.schema,
          queuePrefix: b.queuePrefix,
          httpPort: aHttp,
          grpcPort: aGrpc,
          extraEnv: { ...shared, DATABASE_URL: databaseUrl.toString(), UPKEEP_ROLLOUT_TICK_MS: '100' },
        });
      },
    });
  }, 600_000);

  afterAll(async () => {
    await replicaA?.stop();
    await fleet?.stop();
    await balancers?.grpc.close();
    await balancers?.http.close();
  }, 120_000);

  it('the agents fail over to the other replica, which finishes the rollout; every host upgraded exactly once', async () => {
    const fleet = the();
    const a = replicaA;
    const lb = balancers;
    if (a === undefined || lb === undefined) throw new Error('replica A or the balancers did not start');
    // Every agent session and download so far went through the balancers to A.
    expect(lb.grpc.connectionsTo(lb.aGrpc)).toBeGreaterThan(0);
    expect(lb.grpc.connectionsTo(lb.bGrpc)).toBe(0);
    expect(lb.http.connectionsTo(lb.bHttp)).toBe(0);
    expect(sessionsOpened(a)).toEqual(new Set(fleet.hosts.map((host) => host.id)));
    expect(sessionsOpened(fleet.controlPlane).size).toBe(0);

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

    // Wait until a job of the rollout is running on its host (the agent acknowledged it to A, which
    // holds every session) while other hosts of the same wave are pending, then kill A: the agent
    // must report that job's result to B, and B must dispatch the rest to agents that now reach it
    // through the balancer.
    const listener = new pg.Client({ connectionString: adminUrl() });
    await listener.connect();
    const turnedRunning = new Set<string>();
    listener.on('notification', (message) => {
      if (message.payload !== undefined) turnedRunning.add(message.payload);
    });
    await listener.query(`LISTEN "${RUNNING_CHANNEL}"`);
    const killed = await eventually(
      async () => {
        const view = await getRollout(fleet, rollout.id);
        trace(view);
        if (['completed', 'paused', 'aborted', 'failed'].includes(view.state))
          throw new Error(`the rollout settled (${view.state}) before A was caught mid-wave\n${context()}`);
        for (const wave of view.waves) {
          const host = wave.hosts.find(
            (h) => h.state === 'dispatched' && h.jobId !== null && turnedRunning.has(h.jobId),
          );
          if (host === undefined || host.jobId === null) continue;
          if (!wave.hosts.some((h) => h.state === 'pending')) continue;
          // Still running on the host now, not finished since it turned running.
          const job = await listener.query<{ state: string }>(
            `SELECT state::text AS state FROM "${schema}".jobs WHERE id = $1::uuid`,
            [host.jobId],
          );
          if (job.rows[0]?.state !== 'running') continue;
          process.kill(a.pid, 'SIGKILL');
          return { wave: wave.name, hostname: host.hostname, jobId: host.jobId, at: Date.now() };
        }
        return undefined;
      },
      'replica A to have a job running on a host mid-wave',
      ROLLOUT_TIMEOUT,
      20,
    ).finally(() => listener.end());
    log.push(
      `killed replica A (pid ${String(a.pid)}) in wave ${killed.wave} while ${killed.hostname} ran job ${killed.jobId}`,
    );
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

    // Every agent reconnects through the balancer, which now sends it to B.
    await eventually(
      () =>
        sessionsOpened(fleet.controlPlane).size === fleet.hosts.length && lb.grpc.connectionsTo(lb.bGrpc) > 0
          ? true
          : undefined,
      'every agent to open a session on B through the balancer',
      60_000,
      200,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${context()}`);
    });
    const reconnected = Date.now();

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
    // Artifacts of the jobs B dispatched came through the HTTP balancer from B.
    expect(lb.http.connectionsTo(lb.bHttp)).toBeGreaterThan(0);
    const resultOnB = fleet.controlPlane
      .log()
      .split('\n')
      .some((line) => line.includes('"job result received"') && line.includes(killed.jobId));
    const kill = log.find((line) => line.startsWith('killed replica A')) ?? '';
    log.push(
      `${kill} (dispatched by ${jobs.find((job) => job.job_id === killed.jobId)?.origin === 'replica-a' ? 'A' : 'B'}); its result reached ${resultOnB ? 'B' : 'A before it died'}; all agents on B ${String(reconnected - killed.at)} ms after the kill; ` +
        `rollout took ${String(Date.now() - started)} ms; B finished ${String(Date.now() - killed.at)} ms after the kill; ` +
        `balancer connections gRPC A=${String(lb.grpc.connectionsTo(lb.aGrpc))} B=${String(lb.grpc.connectionsTo(lb.bGrpc))}, ` +
        `HTTP B=${String(lb.http.connectionsTo(lb.bHttp))}; jobs by origin: ${JSON.stringify(origins)}`,
    );
    console.info(log.at(-1));
  }, 420_000);
});
