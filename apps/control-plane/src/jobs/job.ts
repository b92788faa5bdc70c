import type { AssignmentKind } from '@upkeep/assignment';

export type JobState =
  'pending' | 'delivered' | 'running' | 'succeeded' | 'failed' | 'refused' | 'expired' | 'cancelled';
export const UNFINISHED_STATES: readonly JobState[] = ['pending', 'delivered', 'running'];
export const UNDELIVERED_STATES: readonly JobState[] = ['pending', 'delivered'];

export interface NewJob {
  readonly hostId: string;
  readonly kind: AssignmentKind;
  readonly component: string;
  readonly targetVersion: string | null;
  readonly artifact: { readonly url: string; readonly sha256: string } | null;
  readonly ttlMs: number;
  /** The rollout dispatching this job, if any. */
  readonly rolloutId?: string | undefined;
}

export interface JobStepView {
  readonly index: number;
  readonly name: string;
  readonly status: 'started' | 'succeeded' | 'failed' | 'skipped';
  readonly message: string;
  readonly occurredAt: string;
}

export interface JobView {
  readonly id: string;
  readonly hostId: string;
  readonly kind: AssignmentKind;
  readonly component: string;
  readonly targetVersion: string | null;
  readonly artifact: { readonly url: string; readonly sha256: string } | null;
  readonly state: JobState;
  readonly sequence: number;
  readonly expiresAt: string;
  readonly deliveryCount: number;
  readonly result: unknown;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly deliveredAt: string | null;
  readonly finishedAt: string | null;
  readonly steps?: readonly JobStepView[];
}

/** What the gateway sends down a session: the signed assignment exactly as stored. */
export interface StoredAssignment {
  readonly jobId: string;
  readonly sequence: number;
  readonly payload: Buffer;
  readonly signature: Buffer;
  readonly keyId: string;
}

export type JobOutcome = 'succeeded' | 'failed' | 'refused';
