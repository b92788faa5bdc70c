// A whole host in a folder for integration tests: the fake exporter installed
// and run through the `command` service manager, the agent's state, cache and
// rollback store, and a factory for the executor and recovery with real ports.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { extractArtifact } from '../archive/archive-extract.repository.ts';
import { rawTar } from '../archive/archive-writer.fixture.ts';
import { downloadArtifact } from '../download/artifact-download.repository.ts';
import { realSleep } from '../download/http.port.ts';
import { createHealthProbe } from '../health/health-probe.repository.ts';
import { UpgradeExecutor, type UpgradeExecutorDeps } from '../install/upgrade-executor.service.ts';
import type { ManualRollbackDeps } from '../install/manual-rollback.service.ts';
import type {
  AgentEventSink,
  ComponentRuntime,
  StepHooks,
  UpgradePlan,
} from '../install/upgrade-plan.types.ts';
import { OperationJournal } from '../journal/operation-journal.service.ts';
import type { RecoveryDeps } from '../journal/recovery.service.ts';
import { RollbackPointService } from '../rollback/rollback-point.service.ts';
import { RollbackStoreRepository } from '../rollback/rollback-store.repository.ts';
import { execFileRunner } from '../service/process-runner.repository.ts';
import { createServiceManager } from '../service/service-manager.repository.ts';
import { FailedVersionsRepository } from '../state/failed-versions.repository.ts';
import { InstalledComponentsRepository } from '../state/installed-components.repository.ts';
import { JournalRepository } from '../state/journal.repository.ts';
import { RollbackPointsRepository } from '../state/rollback-points.repository.ts';
import { StateDatabase } from '../state/state-database.repository.ts';
import { UpgradeHistoryRepository } from '../state/upgrade-history.repository.ts';
import { verifyDetachedSignature } from '@upkeep/signatures';
import { commandManagerFor, fakeBinaryScript, type ExporterBehaviour } from './fake-host.fixture.ts';

export { servedVersion } from './fake-host.fixture.ts';

export const COMPONENT = 'exporter';

export interface HostSpec {
  readonly root: string;
  readonly port: number;
}

export function hostPaths(root: string) {
  return {
    binary: join(root, 'usr/local/bin', COMPONENT),
    config: join(root, 'etc', COMPONENT, 'config.yaml'),
    state: join(root, 'var/lib/upkeep/state.db'),
    rollback: join(root, 'var/lib/upkeep/rollback'),
    cache: join(root, 'var/cache/upkeep'),
    work: join(root, 'var/lib/upkeep/work'),
    pid: join(root, 'run', `${COMPONENT}.pid`),
  };
}

/** Creates the host's folders, installs `version` of the exporter and its config. */
export function layHost(root: string, version: string): void {
  const paths = hostPaths(root);
  for (const path of [paths.binary, paths.config, paths.state, paths.pid])
    mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(paths.binary, fakeBinaryScript(version), { mode: 0o755 });
  writeFileSync(paths.config, `# exporter config for ${version}\n`);
}

/** A release archive (tar.gz) of the fake exporter, and its sha256. */
export function releaseArchive(
  version: string,
  behaviour: ExporterBehaviour = 'healthy',
): { body: Buffer; sha256: string; inner: string } {
  const inner = `exporter-${version}.linux-amd64/${COMPONENT}`;
  const body = gzipSync(
    rawTar([
      { name: `exporter-${version}.linux-amd64/`, type: '5' },
      { name: inner, mode: 0o755, data: fakeBinaryScript(version, behaviour) },
      { name: `exporter-${version}.linux-amd64/LICENSE`, data: 'MIT' },
    ]),
  );
  return { body, sha256: createHash('sha256').update(body).digest('hex'), inner };
}

export interface Host {
  readonly db: StateDatabase;
  readonly installed: InstalledComponentsRepository;
  readonly history: UpgradeHistoryRepository;
  readonly failed: FailedVersionsRepository;
  readonly points: RollbackPointsRepository;
  readonly rollbackPoints: RollbackPointService;
  readonly journal: OperationJournal;
  readonly runtime: ComponentRuntime;
  readonly executor: (hooks?: StepHooks, events?: AgentEventSink) => UpgradeExecutor;
  readonly rollbackDeps: (hooks?: StepHooks) => ManualRollbackDeps;
  readonly recoveryDeps: () => RecoveryDeps;
  readonly plan: (
    version: string,
    url: string,
    sha256: string | null,
    extra?: Partial<UpgradePlan>,
  ) => UpgradePlan;
  readonly close: () => void;
}

export function openHost(spec: HostSpec): Host {
  const paths = hostPaths(spec.root);
  const db = StateDatabase.open(paths.state);
  const clock = () => new Date();
  const installed = new InstalledComponentsRepository(db);
  const history = new UpgradeHistoryRepository(db);
  const failed = new FailedVersionsRepository(db);
  const points = new RollbackPointsRepository(db);
  const rollbackPoints = new RollbackPointService({
    points,
    store: new RollbackStoreRepository(paths.rollback),
    clock,
  });
  const journal = new OperationJournal({ db, repo: new JournalRepository(db), clock });
  const runtime: ComponentRuntime = {
    component: COMPONENT,
    binaryPath: paths.binary,
    configPath: paths.config,
    unitPath: null,
    serviceName: COMPONENT,
    mode: 0o755,
    service: createServiceManager(
      commandManagerFor(COMPONENT, paths.binary, paths.pid, spec.port),
      execFileRunner,
    ),
    healthProbe: createHealthProbe(
      {
        type: 'http',
        url: `http://127.0.0.1:${String(spec.port)}/metrics`,
        bodyContains: 'demo_exporter_build_info',
      },
      { run: execFileRunner },
    ),
    healthTiming: { timeoutMs: 1000, retries: 15, intervalMs: 50, minHealthyMs: 150 },
    versionCheck: {},
    retention: { keepCount: 3, maxAgeDays: 30, maxTotalBytes: 1e9 },
  };
  const now = () => performance.now();
  const base: Omit<UpgradeExecutorDeps, 'hooks'> = {
    db,
    journal,
    installed,
    history,
    failed,
    rollbackPoints,
    download: (request) => downloadArtifact(request, { sleep: () => Promise.resolve() }),
    extract: extractArtifact,
    verifySignature: verifyDetachedSignature,
    run: execFileRunner,
    clock,
    now,
    sleep: realSleep,
    cacheDir: paths.cache,
    workDir: paths.work,
  };
  return {
    db,
    installed,
    history,
    failed,
    points,
    rollbackPoints,
    journal,
    runtime,
    executor: (hooks, events) => new UpgradeExecutor({ ...base, hooks, events }),
    rollbackDeps: (hooks) => ({
      db,
      journal,
      installed,
      history,
      rollbackPoints,
      clock,
      now,
      sleep: realSleep,
      hooks,
    }),
    recoveryDeps: () => ({
      db,
      journal,
      installed,
      history,
      failed,
      rollbackPoints,
      runtimeFor: () => runtime,
      clock,
      now,
      sleep: realSleep,
    }),
    plan: (version, url, sha256, extra = {}) => ({
      runtime,
      fromVersion: installed.find(COMPONENT)?.version ?? null,
      toVersion: version,
      method: 'manual',
      artifact: {
        url,
        fileName: `exporter-${version}.linux-amd64.tar.gz`,
        archiveType: 'tar.gz',
        expectedSha256: sha256,
        checksumRequired: true,
        maxBytes: 64 * 1024 * 1024,
        binaryPathInArchive: `exporter-${version}.linux-amd64/${COMPONENT}`,
      },
      autoRollback: true,
      ...extra,
    }),
    close: () => {
      db.close();
    },
  };
}

/** Records `version` as installed (what a first run of the agent would have done). */
export function recordInstalled(host: Host, version: string, sha256: string): void {
  host.installed.save({
    component: COMPONENT,
    version,
    installedAt: new Date().toISOString(),
    installMethod: 'manual',
    binaryPath: host.runtime.binaryPath,
    configPath: host.runtime.configPath,
    serviceName: COMPONENT,
    checksum: sha256,
    metadata: {},
  });
}
