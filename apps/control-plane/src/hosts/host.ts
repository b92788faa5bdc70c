export interface InstalledComponentView {
  readonly name: string;
  readonly version: string;
  readonly binaryPath: string;
  readonly sha256: string;
  readonly installedAt: string | null;
  readonly reportedAt: string;
}

export interface HostView {
  readonly id: string;
  readonly hostname: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly groups: readonly string[];
  readonly os: string;
  readonly arch: string;
  readonly agentVersion: string;
  readonly status: 'active' | 'revoked';
  readonly enrolledAt: string;
  readonly lastSeenAt: string | null;
  readonly installed?: readonly InstalledComponentView[];
}

export interface HostFilter {
  readonly labels: Readonly<Record<string, string>>;
  readonly group?: string | undefined;
  readonly cursor?: string | undefined;
  readonly limit: number;
}

export interface InventoryItem {
  readonly name: string;
  readonly version: string;
  readonly binaryPath: string;
  readonly sha256: string;
  readonly installedAt: Date | null;
  /** Rollback points the agent keeps for the component (0 from agents that do not say). */
  readonly rollbackPoints: number;
}
