/** One host × installed component, judged against the control plane's versions.yaml. */
export interface FleetCheckRow {
  readonly hostId: string;
  readonly hostname: string;
  /** The host's `env` label: the `environments.<name>` overlay used, or null for none. */
  readonly environment: string | null;
  readonly component: string;
  readonly currentVersion: string;
  readonly targetVersion: string | null;
  /**
   * `up-to-date`: current equals target; `upgrade`: the decision approves the move;
   * `blocked`: the decision refuses or needs review; `unmanaged`: not in versions.yaml;
   * `unresolved`: no target could be resolved (no releases yet, bad environment…).
   */
  readonly status: 'up-to-date' | 'upgrade' | 'blocked' | 'unmanaged' | 'unresolved';
  readonly decision: FleetDecision | null;
  /** Why the row is unresolved or unmanaged. */
  readonly message: string | null;
}

/** The parts of an `UpgradeDecision` an operator scans a fleet for. */
export interface FleetDecision {
  readonly action: string;
  readonly approved: boolean;
  readonly riskLevel: string;
  readonly requiresManual: boolean;
  readonly securityFix: boolean;
  readonly warnings: readonly string[];
  readonly failedChecks: readonly string[];
}

export interface FleetCheckFilter {
  readonly component?: string | undefined;
  readonly group?: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
}

/** A host with what it reports installed, as the check reads it. */
export interface HostInstallations {
  readonly hostId: string;
  readonly hostname: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly installed: readonly { readonly component: string; readonly version: string }[];
}

/** How many active hosts run one version of a component in one environment. */
export interface VersionCount {
  readonly environment: string | null;
  readonly component: string;
  readonly version: string;
  readonly hosts: number;
}

/** Hosts of one environment off the version the policy resolves for a component. */
export interface DriftCount {
  readonly environment: string;
  readonly component: string;
  readonly targetVersion: string;
  readonly hosts: number;
  readonly drifting: number;
}
