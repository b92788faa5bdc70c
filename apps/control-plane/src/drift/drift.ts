/**
 * Why a host × component is off policy:
 * `off_approved`: the installed version is not the one versions.yaml resolves for the host's environment;
 * `advisory`: a stored advisory affects the installed version;
 * `rolled_back`: the last upgrade to it was rolled back and the host is still not on that version.
 */
export type DriftKind = 'off_approved' | 'advisory' | 'rolled_back';

export const DRIFT_KINDS: readonly DriftKind[] = ['off_approved', 'advisory', 'rolled_back'];

export interface DriftAdvisory {
  readonly id: string;
  readonly severity: string;
  readonly summary: string;
  readonly fixedIn: string | null;
}

export interface DriftRollback {
  readonly jobId: string;
  readonly targetVersion: string | null;
  readonly finishedAt: string | null;
  readonly message: string;
}

/** One host × installed component with its drift (empty: in line with policy). */
export interface DriftRow {
  readonly hostId: string;
  readonly hostname: string;
  readonly groups: readonly string[];
  readonly environment: string | null;
  readonly lastSeenAt: string | null;
  readonly component: string;
  readonly currentVersion: string;
  /** What versions.yaml resolves to for the host's environment; null when unmanaged or unresolved. */
  readonly approvedVersion: string | null;
  /** The fleet check's status of the row (up-to-date, upgrade, blocked, unmanaged, unresolved). */
  readonly status: string;
  readonly drift: readonly DriftKind[];
  readonly advisories: readonly DriftAdvisory[];
  readonly rollback: DriftRollback | null;
  readonly message: string | null;
}

export interface DriftReport {
  readonly generatedAt: string;
  /** Hosts looked at (active, matching the filter). */
  readonly hosts: number;
  /** Rows per drift kind; a row with two kinds counts in both. */
  readonly counts: Readonly<Record<DriftKind, number>>;
  /** Drifting rows only, unless asked for all. */
  readonly rows: readonly DriftRow[];
}

export interface DriftFilter {
  readonly component?: string | undefined;
  readonly group?: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly kind?: DriftKind | undefined;
  /** Include rows without drift (the console's fleet view shows every component). */
  readonly all: boolean;
}

/** A host as the drift report shows it. */
export interface DriftHost {
  readonly hostId: string;
  readonly groups: readonly string[];
  readonly lastSeenAt: Date | null;
}

/** The last finished upgrade job of a host × component. */
export interface LastUpgrade {
  readonly hostId: string;
  readonly component: string;
  readonly jobId: string;
  readonly targetVersion: string | null;
  readonly state: string;
  readonly rolledBack: boolean;
  readonly message: string;
  readonly finishedAt: Date | null;
}

export interface StoredAdvisory {
  readonly component: string;
  readonly externalId: string;
  readonly severity: string;
  readonly summary: string;
  readonly fixedIn: string | null;
  readonly record: unknown;
}
