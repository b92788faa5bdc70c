/** The REST API's shapes the console reads (apps/control-plane/openapi.json and the rollout contract). */

export type Role = 'viewer' | 'operator' | 'approver' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'approver', 'admin'];
export const roleAllows = (have: Role, need: Role): boolean => ROLES.indexOf(have) >= ROLES.indexOf(need);

export interface Me {
  readonly name: string;
  readonly role: Role;
}

export interface Host {
  readonly id: string;
  readonly hostname: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly groups: readonly string[];
  readonly os: string;
  readonly arch: string;
  readonly agentVersion: string;
  readonly status: 'active' | 'revoked';
  readonly lastSeenAt: string | null;
}

export type DriftKind = 'off_approved' | 'advisory' | 'rolled_back';
export const DRIFT_LABELS: Readonly<Record<DriftKind, string>> = {
  off_approved: 'off approved version',
  advisory: 'known advisory',
  rolled_back: 'rolled back, stuck',
};

export interface DriftRow {
  readonly hostId: string;
  readonly hostname: string;
  readonly groups: readonly string[];
  readonly environment: string | null;
  readonly lastSeenAt: string | null;
  readonly component: string;
  readonly currentVersion: string;
  readonly approvedVersion: string | null;
  readonly status: string;
  readonly drift: readonly DriftKind[];
  readonly advisories: readonly { id: string; severity: string; summary: string; fixedIn: string | null }[];
  readonly rollback: { jobId: string; targetVersion: string | null; message: string } | null;
  readonly message: string | null;
}

export interface DriftReport {
  readonly generatedAt: string;
  readonly hosts: number;
  readonly counts: Readonly<Record<DriftKind, number>>;
  readonly rows: readonly DriftRow[];
}

export interface Release {
  readonly version: string;
  readonly tag: string;
  readonly prerelease: boolean;
  readonly publishedAt: string | null;
  readonly notesUrl: string | null;
}

export interface Component {
  readonly name: string;
  readonly description: string;
  readonly latest: Release | null;
  readonly installed: Readonly<Record<string, number>>;
}

export interface ComponentOverview {
  readonly name: string;
  readonly managed: boolean;
  readonly releases: readonly Release[];
  readonly environments: readonly {
    environment: string | null;
    version: string | null;
    message: string | null;
  }[];
  readonly advisories: readonly {
    id: string;
    severity: string;
    summary: string;
    fixedIn: string | null;
    publishedAt: string | null;
  }[];
  readonly breakingChanges: readonly {
    version: string;
    description: string;
    migrationNotes: string | null;
  }[];
}

export type RolloutState =
  'draft' | 'awaiting_approval' | 'scheduled' | 'running' | 'paused' | 'completed' | 'aborted' | 'failed';

export interface RolloutHost {
  readonly hostId: string;
  readonly hostname: string;
  readonly state: string;
  readonly jobId: string | null;
  readonly message: string | null;
  /** Frozen from the plan at creation: skip | reject | auto | recommend | manual. */
  readonly decision: string;
  readonly fromVersion: string | null;
  readonly riskLevel: string | null;
  readonly warnings: readonly string[];
}

export interface RolloutWave {
  readonly index: number;
  readonly name: string;
  readonly state: string;
  readonly size: string;
  readonly maxParallel: number;
  readonly bakeSeconds: number;
  readonly failureThreshold: string;
  readonly hosts: readonly RolloutHost[];
}

export interface Rollout {
  readonly id: string;
  readonly component: string;
  readonly environment: string;
  readonly targetVersion: string;
  readonly state: RolloutState;
  readonly currentWave: number | null;
  readonly reason: string | null;
  readonly createdBy: string;
  /** The creator's token name; null when unknown (the control plane itself, a deleted token). */
  readonly createdByName: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly requiredApprovals: number;
  readonly forbidSelfApproval: boolean;
  /** The plan frozen at creation; null on rollouts created before plans were frozen. */
  readonly risk: string | null;
  readonly breakingChanges: readonly { version: string; description: string }[] | null;
  readonly advisories: readonly { id: string; severity: string; summary: string }[] | null;
  readonly expectedDurationSeconds: number | null;
  readonly approvals: readonly {
    actor: string;
    actorName: string | null;
    decision: 'approve' | 'reject';
    comment: string;
    at: string;
    wave: number | null;
  }[];
  /** The frozen settings; only what the console reads is typed. */
  readonly settings: { readonly waitsFor: readonly string[] };
  readonly waves: readonly RolloutWave[];
}

export interface AuditEvent {
  readonly id: string;
  readonly occurredAt: string;
  readonly actorType: string;
  readonly actorId: string;
  /** The token's name or the agent's hostname, when known. */
  readonly actorName: string | null;
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly component: string | null;
  readonly hostId: string | null;
  readonly hostGroups: readonly string[];
  readonly version: string | null;
  readonly outcome: string | null;
}
