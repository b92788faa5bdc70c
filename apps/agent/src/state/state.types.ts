/** How a version got onto the host (the seed's `install_method` / `upgrade_method`). */
export type InstallMethod = 'auto' | 'manual' | 'force' | 'rollback' | 'recovery';

export interface InstalledComponent {
  readonly component: string;
  readonly version: string;
  readonly installedAt: string;
  readonly installMethod: InstallMethod | null;
  readonly binaryPath: string | null;
  readonly configPath: string | null;
  readonly serviceName: string | null;
  /** sha256 of the installed binary. */
  readonly checksum: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
}

export interface UpgradeRecord {
  readonly id: number;
  readonly component: string;
  readonly fromVersion: string | null;
  readonly toVersion: string;
  readonly upgradedAt: string;
  readonly method: InstallMethod | null;
  readonly success: boolean;
  readonly errorMessage: string | null;
  readonly downtimeMs: number | null;
  readonly rollbackPointId: number | null;
  readonly changelog: string | null;
  readonly operationId: string | null;
}

export type NewUpgradeRecord = Omit<UpgradeRecord, 'id'>;

export interface RollbackPoint {
  readonly id: number;
  readonly component: string;
  readonly version: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly binaryBackupPath: string;
  readonly sha256: string;
  readonly configBackupPath: string | null;
  readonly configSha256: string | null;
  readonly unitBackupPath: string | null;
  readonly unitSha256: string | null;
  readonly sizeBytes: number;
  /** Where each file goes back to, and with which mode (also in the folder's metadata.json). */
  readonly metadata: RollbackPointMetadata;
}

export interface RollbackPointMetadata {
  readonly component: string;
  readonly version: string;
  readonly createdAt: string;
  readonly binaryPath: string;
  readonly binaryMode: number;
  readonly sha256: string;
  readonly configPath: string | null;
  readonly configSha256: string | null;
  readonly unitPath: string | null;
  readonly unitSha256: string | null;
}

export type NewRollbackPoint = Omit<RollbackPoint, 'id'>;

export interface FailedVersion {
  readonly component: string;
  readonly version: string;
  readonly attempts: number;
  readonly firstFailedAt: string;
  readonly lastFailedAt: string;
  readonly reason: string;
}

export interface CacheEntry {
  readonly component: string;
  readonly key: string;
  readonly value: string;
  readonly cachedAt: string;
  readonly ttlSeconds: number;
  readonly expiresAt: string;
}
