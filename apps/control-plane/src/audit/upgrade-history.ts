/** Who approved a rollout (from its `rollout.approved` audit events). */
export interface UpgradeApprover {
  readonly actorType: string;
  readonly actorId: string;
  /** The API token's name, when the approver is a token that still exists. */
  readonly actorName: string | null;
  readonly at: string;
  readonly comment: string | null;
  readonly wave: number | null;
}

/** One stretch of time during which a host ran one version of a component. */
export interface UpgradeInterval {
  readonly hostId: string;
  readonly hostname: string | null;
  readonly component: string;
  readonly version: string;
  /** When the version was first seen installed (a job's success, a rollback, or an inventory report). */
  readonly installedAt: string;
  /** When another version (or none) replaced it; null while it is still installed. */
  readonly replacedAt: string | null;
  /** The audit action that started the interval: job.succeeded, job.rolled_back or host.inventory_changed. */
  readonly via: string;
  /** The job that installed it, when a job did. */
  readonly jobId: string | null;
  readonly jobKind: string | null;
  readonly jobCreatedBy: string | null;
  readonly rolloutId: string | null;
  readonly approvers: readonly UpgradeApprover[];
}

export interface UpgradeHistoryQuery {
  readonly component: string;
  /** Omitted: every version of the component. */
  readonly version?: string | undefined;
  /** Intervals overlapping [since, until). */
  readonly since?: Date | undefined;
  readonly until?: Date | undefined;
  /** Hosts in this group at the time of the event that started the interval. */
  readonly group?: string | undefined;
  readonly hostIds?: readonly string[] | undefined;
  readonly limit: number;
}
