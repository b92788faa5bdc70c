import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { AgentSession, readIdentityFile } from '@upkeep/agent-client';
import { UpkeepError } from '@upkeep/errors';
import { createAgentLogger, isLogLevel } from '../../logging/agent-logger.repository.ts';
import { runFleetJob } from '../../flow/fleet-job.service.ts';
import { openAgent, type AgentOptions } from '../../runtime/agent-context.repository.ts';
import { FleetJobsRepository } from '../../state/fleet-jobs.repository.ts';
import { InstalledComponentsRepository } from '../../state/installed-components.repository.ts';
import { RollbackPointsRepository } from '../../state/rollback-points.repository.ts';
import { StateDatabase } from '../../state/state-database.repository.ts';
import { AGENT_VERSION } from '../agent-version.ts';
import { agentTls } from '../agent-tls.ts';
import { withAgentOptions, type AgentCliContext } from '../agent-cli-context.ts';
import { agentStateDir, IDENTITY_FILE, refuseWithHostRoot } from './enroll.command.ts';

interface RunOptions extends AgentOptions {
  readonly stateDir?: string;
  readonly heartbeatSeconds: string;
  readonly hostRoot: readonly string[];
}

/** One host's session in this process. */
interface RunningHost {
  readonly label: string;
  readonly server: string;
  /** Resolves with the control plane's refusal (revoked, unknown credential), or never. */
  readonly refused: Promise<Error>;
  stop(reason: string): Promise<void>;
}

/**
 * Opens one host (its folder, identity, state file and log), recovers what was
 * interrupted, and starts its session with the control plane.
 */
async function startHost(
  options: RunOptions,
  ctx: AgentCliContext,
  heartbeatMs: number,
): Promise<RunningHost> {
  const identityPath = join(await agentStateDir(options, ctx), IDENTITY_FILE);
  const identity = await readIdentityFile(identityPath);
  if (identity.serverUrl === undefined) {
    throw new UpkeepError('STATE_CORRUPT', `agent identity ${identityPath} has no server URL`, {
      hint: 'enroll again with upkeep-agent enroll --server URL --token T --force',
    });
  }
  const tls = await agentTls(ctx.env.cwd, identity.caPem, identity.clientCertFile, identity.clientKeyFile);
  // Recover interrupted operations once, and learn where the state file is.
  const startup = await openAgent(options, ctx.env, ctx.out, true);
  const stateDb = startup.locations.stateDb;
  await startup.close();

  const db = StateDatabase.open(stateDb);
  const clock = () => new Date();
  const store = new FleetJobsRepository(db, clock);
  const installed = new InstalledComponentsRepository(db);
  const rollbackPoints = new RollbackPointsRepository(db);
  // A job the agent was running when it stopped: its operation was recovered above;
  // the control plane learns it failed rather than waiting for it for ever.
  for (const job of store.interrupted()) {
    await store.finishJob({
      jobId: job.jobId,
      outcome: 'failed',
      message: `the agent stopped while running this ${job.kind} of ${job.component}; any interrupted change was recovered at restart`,
      details: {},
      finishedAt: clock(),
    });
  }
  const logFile = options.logFile ?? ctx.env.logFile;
  const level = options.logLevel ?? ctx.env.logLevel ?? 'info';
  const runLog = createAgentLogger({
    file: logFile === undefined ? null : resolve(ctx.env.cwd, logFile),
    level: isLogLevel(level) ? level : 'info',
  });
  const session = new AgentSession({
    serverUrl: identity.serverUrl,
    identity,
    tls,
    store,
    agentVersion: AGENT_VERSION,
    heartbeatIntervalMs: heartbeatMs,
    inventory: () => {
      const points = rollbackPoints.countsByComponent();
      return Promise.resolve(
        installed.list().map((c) => ({
          name: c.component,
          version: c.version,
          binaryPath: c.binaryPath ?? '',
          sha256: c.checksum ?? '',
          installedAtMs: Date.parse(c.installedAt) || 0,
          rollbackPoints: points.get(c.component) ?? 0,
        })),
      );
    },
    executor: async (assignment, steps) => {
      const agent = await openAgent(options, ctx.env, ctx.out, true);
      try {
        return await runFleetJob(agent, assignment, steps, {
          credential: identity.credential,
          caPem: identity.caPem,
        });
      } finally {
        await agent.close();
      }
    },
  });
  session.on('connected', (agentId) => {
    runLog.event('fleet_connected', { agent_id: agentId });
  });
  session.on('disconnected', (reason, retryInMs) => {
    runLog.event('fleet_disconnected', { reason, retry_in_ms: retryInMs });
  });
  session.on('assignment', (a) => {
    runLog.event('fleet_assignment', { job_id: a.jobId, kind: a.kind, component: a.component });
  });
  session.on('duplicate', (jobId) => {
    runLog.event('fleet_duplicate', { job_id: jobId });
  });
  session.on('refused', (jobId, reason) => {
    runLog.warn('fleet_refused', `assignment ${jobId} refused: ${reason}`, { job_id: jobId, reason });
  });
  session.on('result-acknowledged', (jobId) => {
    runLog.event('fleet_result_acknowledged', { job_id: jobId });
  });
  const refused = new Promise<Error>((resolveRefused) => {
    session.on('fatal', (error) => {
      resolveRefused(error);
    });
  });
  session.start();
  runLog.event('fleet_started', { server: identity.serverUrl, agent_id: identity.agentId });
  let stopped = false;
  return {
    label: options.root ?? identity.agentId,
    server: identity.serverUrl,
    refused,
    stop: async (reason) => {
      if (stopped) return;
      stopped = true;
      await session.stop();
      db.close();
      runLog.event('fleet_stopped', { reason });
      runLog.close();
    },
  };
}

/**
 * `upkeep-agent run`: the agent as a fleet member. Keeps a session with the
 * control plane, reports inventory and heartbeats, and runs the upgrade,
 * rollback and cleanup jobs it is assigned through the same flows as the
 * commands of the same names (each job takes the host lock and recovers
 * interrupted operations first). Stops on SIGTERM or SIGINT after the job in
 * progress. With `--host-root` repeated, one process serves several host
 * folders, each with its own identity, state file, lock and log (simulated
 * fleets on one machine: tests, the fleet demo, bench/rollout).
 */
export function registerRun(program: Command, ctx: AgentCliContext): void {
  withAgentOptions(program.command('run'))
    .description('connect to the control plane and run the upgrade, rollback and cleanup jobs it assigns')
    .option('--state-dir <dir>', 'where the identity is kept (default: the folder of global.state_db.path)')
    .option('--heartbeat-seconds <n>', 'seconds between heartbeats', '30')
    .option(
      '--host-root <dir>',
      'serve the host in this folder, as --root does (repeatable: one process for several host folders, each logging to <dir>/var/log/upkeep-agent.log)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .action(async (options: RunOptions) => {
      const heartbeatMs = Number(options.heartbeatSeconds) * 1000;
      if (!Number.isFinite(heartbeatMs) || heartbeatMs <= 0) {
        throw new UpkeepError(
          'USAGE',
          `--heartbeat-seconds ${options.heartbeatSeconds} is not a positive number`,
        );
      }
      const roots = options.hostRoot;
      if (roots.length > 0) {
        refuseWithHostRoot(
          options,
          ['--log-file', options.logFile],
          'each host folder has its own versions.yaml, state folder and log',
        );
        if (new Set(roots.map((root) => resolve(ctx.env.cwd, root))).size !== roots.length) {
          throw new UpkeepError('USAGE', 'a --host-root folder is given twice');
        }
      }
      const perHost: RunOptions[] =
        roots.length === 0
          ? [options]
          : roots.map((root) => {
              const folder = resolve(ctx.env.cwd, root);
              return { ...options, root: folder, logFile: join(folder, 'var/log/upkeep-agent.log') };
            });
      const hosts: RunningHost[] = [];
      try {
        for (const host of perHost) hosts.push(await startHost(host, ctx, heartbeatMs));
      } catch (error) {
        for (const host of hosts) await host.stop('start-up failed');
        throw error;
      }
      const signalled = new Promise<null>((resolveStop) => {
        const stop = () => {
          resolveStop(null);
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      // A refused host stops alone; the process ends when a signal comes or every host was refused.
      const refusals: { host: RunningHost; error: Error }[] = [];
      const allRefused = Promise.all(
        hosts.map(async (host) => {
          const error = await host.refused;
          refusals.push({ host, error });
          await host.stop(error.message);
        }),
      ).then(() => refusals);
      const outcome = await Promise.race([signalled, allRefused]);
      for (const host of hosts) await host.stop('signal');
      if (outcome !== null) {
        const first = outcome[0];
        const why = first === undefined ? '' : `: ${first.error.message}`;
        throw new UpkeepError(
          'UNAUTHENTICATED',
          hosts.length === 1
            ? `the control plane ${first?.host.server ?? ''} refused this agent${why}`
            : `the control plane refused every host of this agent (${outcome.map((r) => r.host.label).join(', ')})${why}`,
          {
            hint: 'the host was revoked or its credential is unknown: enroll again with --force',
          },
        );
      }
    });
}
