// The agent's composition root: reads versions.yaml, places every path under
// --root, opens the state file, takes the host lock, recovers interrupted
// operations, and wires the real ports into the building blocks.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readInputFile, type OutputPort } from '@upkeep/cli-kit';
import { UpkeepError } from '@upkeep/errors';
import {
  effectiveComponent,
  effectiveGlobal,
  loadPolicyConfig,
  parseLockFile,
  type EffectiveComponent,
  type EffectiveGlobal,
  type PolicyConfig,
} from '@upkeep/policy';
import { componentSourceConfig, type ComponentSourceConfig } from '@upkeep/sources';
import { extractArtifact } from '../archive/archive-extract.repository.ts';
import type { Clock } from '../common/clock.port.ts';
import { downloadArtifact } from '../download/artifact-download.repository.ts';
import { realSleep, type Sleep } from '../download/http.port.ts';
import { createReleaseResolver } from '../discovery/release-resolver.repository.ts';
import type { ReleaseResolver } from '../discovery/release-resolver.port.ts';
import { createHealthProbe } from '../health/health-probe.repository.ts';
import type { UpgradeExecutorDeps } from '../install/upgrade-executor.service.ts';
import type { ComponentRuntime, StepHooks } from '../install/upgrade-plan.types.ts';
import { OperationJournal } from '../journal/operation-journal.service.ts';
import { recoverInterruptedOperations, type RecoveryReport } from '../journal/recovery.service.ts';
import {
  createAgentLogger,
  isLogLevel,
  type AgentLogger,
  type LogLevel,
} from '../logging/agent-logger.repository.ts';
import { collectMetrics, writeMetricsTextfile } from '../metrics/metrics-textfile.repository.ts';
import { RootPathMapper } from '../paths/root-path.service.ts';
import { RollbackPointService } from '../rollback/rollback-point.service.ts';
import { RollbackStoreRepository } from '../rollback/rollback-store.repository.ts';
import type { ProcessRunner } from '../service/process-runner.port.ts';
import { execFileRunner } from '../service/process-runner.repository.ts';
import { createServiceManager } from '../service/service-manager.repository.ts';
import { FailedVersionsRepository } from '../state/failed-versions.repository.ts';
import { InstalledComponentsRepository } from '../state/installed-components.repository.ts';
import { JournalRepository } from '../state/journal.repository.ts';
import { RollbackPointsRepository } from '../state/rollback-points.repository.ts';
import { StateDatabase } from '../state/state-database.repository.ts';
import { UpgradeHistoryRepository } from '../state/upgrade-history.repository.ts';
import { verifyDetachedSignature } from '@upkeep/signatures';
import type { AgentEnvironment } from '../cli/agent-environment.ts';
import { acquireAgentLock } from './agent-lock.repository.ts';
import { componentSetupFor, type ComponentSetup } from './component-runtime.service.ts';
import { lookupOwner } from './owner-lookup.repository.ts';

/** Options every command takes. */
export interface AgentOptions {
  readonly config?: string | undefined;
  readonly env?: string | undefined;
  readonly root?: string | undefined;
  readonly json?: boolean | undefined;
  readonly logFile?: string | undefined;
  readonly logLevel?: string | undefined;
}

/** Where the agent keeps its own files on this host (already under --root). */
export interface AgentLocations {
  readonly config: string;
  readonly root: string | null;
  readonly stateDb: string;
  readonly lock: string;
  readonly artifactCache: string;
  readonly rollbackStore: string;
  readonly workDir: string;
  readonly metricsDir: string | null;
}

export interface AgentContext {
  readonly config: PolicyConfig;
  readonly environment: string | undefined;
  readonly global: EffectiveGlobal;
  readonly paths: RootPathMapper;
  readonly locations: AgentLocations;
  readonly db: StateDatabase;
  readonly installed: InstalledComponentsRepository;
  readonly history: UpgradeHistoryRepository;
  readonly failed: FailedVersionsRepository;
  readonly points: RollbackPointsRepository;
  readonly journalRepo: JournalRepository;
  readonly journal: OperationJournal;
  readonly rollbackPoints: RollbackPointService;
  readonly resolver: ReleaseResolver;
  readonly log: AgentLogger;
  readonly out: OutputPort;
  readonly json: boolean;
  readonly env: AgentEnvironment;
  readonly clock: Clock;
  /** Monotonic milliseconds. */
  readonly now: () => number;
  readonly sleep: Sleep;
  readonly run: ProcessRunner;
  /** Components in versions.yaml, in file order. */
  readonly componentNames: readonly string[];
  component(name: string): EffectiveComponent;
  /** The component mapped by the shared versions.yaml adapter of @upkeep/sources. */
  sourceConfig(name: string): ComponentSourceConfig;
  setup(name: string): ComponentSetup;
  runtime(name: string): ComponentRuntime;
  /** What the start-up recovery did (empty when nothing was interrupted, or the lock was busy). */
  readonly recovery: readonly RecoveryReport[];
  /** False when another agent holds the host lock (read-only commands still run). */
  readonly lockHeld: boolean;
  executorDeps(hooks?: StepHooks): UpgradeExecutorDeps;
  /** The versions.lock entry of a `locked` component, or undefined. */
  lockedVersion(name: string): Promise<string | undefined>;
  /** Writes the metrics textfile (when configured), closes the state file, releases the lock. */
  close(): Promise<void>;
}

export function configPathOf(options: AgentOptions, env: AgentEnvironment, root: string | null): string {
  if (options.config !== undefined) return resolve(env.cwd, options.config);
  if (env.config !== undefined) return resolve(env.cwd, env.config);
  if (root !== null) return join(root, 'etc/upkeep/versions.yaml');
  const local = resolve(env.cwd, 'versions.yaml');
  return existsSync(local) ? local : '/etc/upkeep/versions.yaml';
}

function logLevelOf(options: AgentOptions, env: AgentEnvironment, toFile: boolean): LogLevel {
  const text = options.logLevel ?? env.logLevel;
  if (text === undefined) return env.stderrIsTty && !toFile ? 'warn' : 'info';
  if (!isLogLevel(text)) {
    throw new UpkeepError('USAGE', `--log-level ${JSON.stringify(text)} is not a level`, {
      hint: 'use one of debug, info, warn, error, silent',
    });
  }
  return text;
}

/**
 * Where the state file (and so the agent's own folder) is, from versions.yaml
 * under --root, without opening anything.
 */
export async function locateStateDb(options: AgentOptions, env: AgentEnvironment): Promise<string> {
  const rootText = options.root ?? env.root;
  const root = rootText === undefined ? null : resolve(env.cwd, rootText);
  const paths = new RootPathMapper(root, env.home);
  const configPath = configPathOf(options, env, root);
  const config = loadPolicyConfig(await readInputFile(configPath, 'config'), configPath);
  const global = effectiveGlobal(config, options.env ?? env.environment);
  return paths.map(global.state_db.path, 'global.state_db.path');
}

/**
 * Opens the agent on this host. `mutates`: the command changes the host, so it
 * needs the host lock and fails with OPERATION_IN_PROGRESS while another agent
 * runs; read-only commands then run without recovering anything.
 */
export async function openAgent(
  options: AgentOptions,
  env: AgentEnvironment,
  out: OutputPort,
  mutates: boolean,
): Promise<AgentContext> {
  const rootText = options.root ?? env.root;
  const root = rootText === undefined ? null : resolve(env.cwd, rootText);
  const paths = new RootPathMapper(root, env.home);
  const configPath = configPathOf(options, env, root);
  const config = loadPolicyConfig(await readInputFile(configPath, 'config'), configPath);
  const environment = options.env ?? env.environment;
  const global = effectiveGlobal(config, environment);
  const logFile = options.logFile ?? env.logFile;
  const log = createAgentLogger({
    file: logFile === undefined ? null : resolve(env.cwd, logFile),
    level: logLevelOf(options, env, logFile !== undefined),
  });

  const stateDb = paths.map(global.state_db.path, 'global.state_db.path');
  const stateDir = dirname(stateDb);
  const locations: AgentLocations = {
    config: configPath,
    root,
    stateDb,
    lock: join(stateDir, 'upkeep-agent.lock'),
    artifactCache: join(paths.map(global.cache.directory, 'global.cache.directory'), 'artifacts'),
    rollbackStore: join(stateDir, 'rollback'),
    workDir: join(stateDir, 'work'),
    metricsDir: paths.mapOptional(global.metrics.textfile_dir, 'global.metrics.textfile_dir'),
  };

  if (!global.safety.require_checksum_verification) {
    const warning =
      'WARNING: global.safety.require_checksum_verification is false: artifacts without a published checksum are installed UNVERIFIED';
    out.stderr(`${warning}\n`);
    log.warn('checksum_verification_disabled', warning, { config: configPath });
  }

  const lock = acquireAgentLock(locations.lock);
  if (!lock.held && mutates) {
    throw new UpkeepError(
      'OPERATION_IN_PROGRESS',
      `another upkeep-agent (pid ${String(lock.holderPid)}) is working on this host`,
      {
        details: { pid: lock.holderPid, lock: locations.lock },
        hint: 'wait for it to finish; a lock left by a killed agent is taken over automatically',
      },
    );
  }
  const release = () => {
    if (lock.held) lock.release();
  };

  let db: StateDatabase;
  try {
    db = StateDatabase.open(stateDb);
  } catch (error) {
    release();
    throw error;
  }
  const clock: Clock = () => new Date();
  const now = () => performance.now();
  const run = execFileRunner;
  const installed = new InstalledComponentsRepository(db);
  const history = new UpgradeHistoryRepository(db);
  const failed = new FailedVersionsRepository(db);
  const points = new RollbackPointsRepository(db);
  const journalRepo = new JournalRepository(db);
  const journal = new OperationJournal({ db, repo: journalRepo, clock });
  const rollbackPoints = new RollbackPointService({
    points,
    store: new RollbackStoreRepository(locations.rollbackStore),
    clock,
  });
  const configDir = dirname(configPath);
  const resolver = createReleaseResolver({
    config,
    environment,
    configDir,
    stateDbPath: stateDb,
    githubToken: env.githubToken,
    gitlabToken: env.gitlabToken,
    warn: (message) => {
      log.warn('discovery_warning', message);
    },
  });

  const setups = new Map<string, ComponentSetup>();
  const setup = (name: string): ComponentSetup => {
    let found = setups.get(name);
    if (found === undefined) {
      found = componentSetupFor(effectiveComponent(config, environment, name), global, {
        paths,
        serviceManager: (managerConfig) => createServiceManager(managerConfig, run),
        healthProbe: (spec) => createHealthProbe(spec, { run }),
        owner: (user, group) => lookupOwner(user, group, env.isRoot),
      });
      setups.set(name, found);
    }
    return found;
  };
  const events = log.event;

  let recovery: RecoveryReport[] = [];
  if (lock.held) {
    try {
      recovery = await recoverInterruptedOperations({
        db,
        journal,
        installed,
        history,
        failed,
        rollbackPoints,
        runtimeFor: (name) => (Object.hasOwn(config.components, name) ? setup(name).runtime : null),
        clock,
        now,
        sleep: realSleep,
        events,
      });
    } catch (error) {
      db.close();
      release();
      throw error;
    }
    for (const report of recovery) {
      const what = `${report.kind} of ${report.component} ${report.fromVersion ?? '(none)'} -> ${report.toVersion ?? '(none)'}`;
      out.stderr(
        report.outcome === 'failed'
          ? `recovery: ${what}, interrupted at ${report.interruptedAt}, could NOT be recovered: ${report.error?.message ?? 'unknown error'}\n`
          : `recovery: ${what}, interrupted at ${report.interruptedAt}: ${report.outcome}\n`,
      );
    }
  }

  return {
    config,
    environment,
    global,
    paths,
    locations,
    db,
    installed,
    history,
    failed,
    points,
    journalRepo,
    journal,
    rollbackPoints,
    resolver,
    log,
    out,
    json: options.json === true,
    env,
    clock,
    now,
    sleep: realSleep,
    run,
    componentNames: Object.keys(config.components),
    component: (name) => effectiveComponent(config, environment, name),
    sourceConfig: (name) =>
      componentSourceConfig(effectiveComponent(config, environment, name), { configDir }),
    setup,
    runtime: (name) => setup(name).runtime,
    recovery,
    lockHeld: lock.held,
    executorDeps: (hooks) => ({
      db,
      journal,
      installed,
      history,
      failed,
      rollbackPoints,
      download: (request) => downloadArtifact(request),
      extract: extractArtifact,
      verifySignature: verifyDetachedSignature,
      run,
      clock,
      now,
      sleep: realSleep,
      cacheDir: locations.artifactCache,
      workDir: locations.workDir,
      events,
      hooks,
    }),
    lockedVersion: async (name) => {
      const lockPath = join(configDir, 'versions.lock');
      if (!existsSync(lockPath)) return undefined;
      return parseLockFile(await readInputFile(lockPath, 'lock'), lockPath).components[name]?.version;
    },
    close: async () => {
      try {
        if (lock.held && locations.metricsDir !== null) {
          try {
            await writeMetricsTextfile(locations.metricsDir, collectMetrics(db, installed, points), clock());
          } catch (error) {
            log.warn('metrics_write_failed', `metrics not written: ${String(error)}`, {
              dir: locations.metricsDir,
            });
          }
        }
      } finally {
        resolver.close();
        db.close();
        release();
        log.close();
      }
    },
  };
}
