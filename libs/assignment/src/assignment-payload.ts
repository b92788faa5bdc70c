/** The kinds of job an agent runs; the control plane never sends a command of its own choosing. */
export const ASSIGNMENT_KINDS = ['upgrade', 'rollback', 'cleanup'] as const;
export type AssignmentKind = (typeof ASSIGNMENT_KINDS)[number];

/** Where the agent downloads the artifact, and what it must hash to. */
export interface ArtifactRef {
  readonly url: string;
  readonly sha256: string;
}

/** What the control plane signs for one job. Field names are part of the signed contract. */
export interface AssignmentPayload {
  readonly v: 1;
  /** The operation UUID: the job's id on both sides; a repeat is a duplicate, not new work. */
  readonly jobId: string;
  readonly agentId: string;
  /** Per-agent, strictly increasing; the agent refuses one not above the highest it accepted. */
  readonly sequence: number;
  readonly kind: AssignmentKind;
  readonly component: string;
  readonly targetVersion: string | null;
  readonly artifact: ArtifactRef | null;
  /** ISO-8601 UTC. */
  readonly issuedAt: string;
  /** ISO-8601 UTC; the agent refuses the assignment after this instant. */
  readonly expiresAt: string;
}
