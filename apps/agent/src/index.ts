// The agent's building blocks, for its command line (main.ts) and for the
// end-to-end suites. Each lives behind its own module; this only gathers them.

// State (SQLite through node:sqlite)
export {
  StateDatabase,
  STATE_SCHEMA_VERSION,
  type SqlParams,
  type SqlRow,
} from './state/state-database.repository.ts';
export { STATE_MIGRATIONS, type StateMigration } from './state/state-migrations.ts';
export { InstalledComponentsRepository } from './state/installed-components.repository.ts';
export { UpgradeHistoryRepository } from './state/upgrade-history.repository.ts';
export { RollbackPointsRepository } from './state/rollback-points.repository.ts';
export { FailedVersionsRepository } from './state/failed-versions.repository.ts';
export { VersionCacheRepository } from './state/version-cache.repository.ts';
export { JournalRepository } from './state/journal.repository.ts';
export { BreakingChangesRepository, type BreakingChange } from './state/breaking-changes.repository.ts';
export {
  CompatibilityMatrixRepository,
  type CompatibilityRule,
} from './state/compatibility-matrix.repository.ts';
export * from './state/journal.types.ts';
export type * from './state/state.types.ts';

// Journal and recovery
export { JournalHandle, OperationJournal, operationIdFor } from './journal/operation-journal.service.ts';
export {
  recoverInterruptedOperations,
  type RecoveryDeps,
  type RecoveryOutcome,
  type RecoveryReport,
} from './journal/recovery.service.ts';

// Download and verification
export {
  downloadArtifact,
  type DownloadPorts,
  type DownloadProgress,
  type DownloadRequest,
  type DownloadResult,
} from './download/artifact-download.repository.ts';
export { realSleep, type HttpClient, type HttpResponse, type Sleep } from './download/http.port.ts';
export { nodeHttpClient } from './download/node-http-client.repository.ts';
export {
  createStreamingHttpClient,
  streamingHttpClient,
  type StreamingHttpOptions,
} from './download/streaming-http-client.repository.ts';
export { parseContentRange } from './download/content-range.service.ts';
export {
  findChecksum,
  normalizeSha256,
  verifyChecksum,
  type ChecksumOutcome,
} from './verify/checksum.service.ts';
export { sha256File } from './verify/file-hash.repository.ts';
export { verifyDetachedSignature, type SignatureCheck, type SignatureOutcome } from '@upkeep/signatures';

// Archives
export {
  ARCHIVE_TYPES,
  DEFAULT_ARCHIVE_LIMITS,
  isArchiveType,
  type ArchiveLimits,
  type ArchiveType,
} from './archive/archive-limits.ts';
export {
  extractArtifact,
  listContained,
  locateBinary,
  type ExtractRequest,
  type ExtractedTree,
} from './archive/archive-extract.repository.ts';

// Installation, rollback points, executor
export {
  installFileAtomically,
  removeStaleTemps,
  replaceFile,
  writeFileAtomically,
  type FileOwner,
} from './install/atomic-file.repository.ts';
export {
  DEFAULT_RETENTION,
  RollbackPointService,
  type RestoreOutcome,
  type RetentionPolicy,
} from './rollback/rollback-point.service.ts';
export { RollbackStoreRepository } from './rollback/rollback-store.repository.ts';
export {
  UpgradeExecutor,
  commitUpgrade,
  type UpgradeExecutorDeps,
} from './install/upgrade-executor.service.ts';
export {
  rollbackToPoint,
  type ManualRollbackDeps,
  type ManualRollbackResult,
} from './install/manual-rollback.service.ts';
export type * from './install/upgrade-plan.types.ts';

// Services, health, version
export type { ServiceManager, ServiceManagerConfig } from './service/service-manager.port.ts';
export { createServiceManager } from './service/service-manager.repository.ts';
export {
  describeResult,
  type ProcessResult,
  type ProcessRunner,
  type RunOptions,
} from './service/process-runner.port.ts';
export { execFileRunner } from './service/process-runner.repository.ts';
export { execStartOf } from './service/unit-file.service.ts';
export { readServiceCommandLine, type ServiceCommandLine } from './service/command-line.repository.ts';
export {
  DEFAULT_HEALTH_TIMING,
  type HealthCheckSpec,
  type HealthProbe,
  type HealthTiming,
} from './health/health-check.types.ts';
export { waitUntilHealthy, type HealthOutcome } from './health/health-check.service.ts';
export { createHealthProbe } from './health/health-probe.repository.ts';
export { readBinaryVersion, verifyBinaryVersion, type VersionCheck } from './health/version-check.service.ts';

// Paths, metrics, ports
export { RootPathMapper } from './paths/root-path.service.ts';
export { renderMetrics, type ComponentMetrics } from './metrics/metrics-textfile.service.ts';
export { collectMetrics, writeMetricsTextfile } from './metrics/metrics-textfile.repository.ts';
export { systemClock, type Clock } from './common/clock.port.ts';
export { fsError } from './common/fs-error.service.ts';
