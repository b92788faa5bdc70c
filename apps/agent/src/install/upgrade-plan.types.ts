import type { ArchiveLimits, ArchiveType } from '../archive/archive-limits.ts';
import type { DownloadProgress } from '../download/artifact-download.repository.ts';
import type { HealthProbe, HealthTiming } from '../health/health-check.types.ts';
import type { RetentionPolicy } from '../rollback/rollback-point.service.ts';
import type { ServiceManager } from '../service/service-manager.port.ts';
import type { FlagRename } from '../service/unit-file.service.ts';
import type { JournalStep } from '../state/journal.types.ts';
import type { InstallMethod } from '../state/state.types.ts';
import type { FileOwner } from './atomic-file.repository.ts';

/** Where a release artifact comes from and how to check and open it. */
export interface ArtifactSpec {
  readonly url: string;
  /** The asset's file name (what the checksum file lists). */
  readonly fileName: string;
  readonly archiveType: ArchiveType;
  /** From the upstream checksum file; null when none is known. */
  readonly expectedSha256: string | null;
  /** The seed's `require_checksum_verification`. */
  readonly checksumRequired: boolean;
  readonly maxBytes: number;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly signature?: { readonly url: string; readonly armoredPublicKeys: readonly string[] } | undefined;
  readonly binaryPathInArchive?: string | undefined;
  readonly binaryName?: string | undefined;
  readonly archiveLimits?: ArchiveLimits | undefined;
}

/** Everything the agent needs to operate one component on this host (paths already under --root). */
export interface ComponentRuntime {
  readonly component: string;
  readonly binaryPath: string;
  readonly configPath: string | null;
  readonly unitPath: string | null;
  readonly serviceName: string | null;
  /** Mode of the installed binary (default 0755). */
  readonly mode: number;
  readonly owner?: FileOwner | undefined;
  readonly service: ServiceManager;
  /** Null: no health check configured; the service manager's own start result is all we know. */
  readonly healthProbe: HealthProbe | null;
  readonly healthTiming: HealthTiming;
  /** Null: skip the version check. */
  readonly versionCheck: {
    readonly argv?: readonly string[] | undefined;
    readonly pattern?: string | undefined;
  } | null;
  readonly retention: RetentionPolicy;
}

export interface UpgradePlan {
  readonly runtime: ComponentRuntime;
  /** The installed version; null for a first install. */
  readonly fromVersion: string | null;
  readonly toVersion: string;
  readonly method: InstallMethod;
  readonly artifact: ArtifactSpec;
  /** False with `--no-rollback`: a failure leaves the new version in place. */
  readonly autoRollback: boolean;
  readonly changelog?: string | null | undefined;
  /**
   * Flags the new version renamed that the unit's ExecStart uses: rewritten
   * in the unit during `swap` (the rollback point holds the old unit).
   */
  readonly flagRenames?: readonly FlagRename[] | undefined;
}

export interface UpgradeResult {
  readonly operationId: string;
  readonly component: string;
  readonly fromVersion: string | null;
  readonly toVersion: string;
  readonly downtimeMs: number;
  readonly rollbackPointId: number | null;
  readonly sha256: string;
  readonly warnings: readonly string[];
}

/** Structured events with the seed's names (upgrade_started, upgrade_success, upgrade_failure, rollback_executed...). */
export type AgentEventSink = (event: string, fields: Readonly<Record<string, unknown>>) => void;

/** Test and progress hooks around each journaled step. */
export interface StepHooks {
  /** After the step is journaled, before it runs. */
  readonly before?: ((step: JournalStep, operationId: string) => void | Promise<void>) | undefined;
  /** After the step ran, before the next one is journaled. */
  readonly after?: ((step: JournalStep, operationId: string) => void | Promise<void>) | undefined;
  readonly onDownloadProgress?: ((progress: DownloadProgress) => void) | undefined;
}
