import type { AssignmentPayload } from '@upkeep/assignment';

export type JobOutcome = 'succeeded' | 'failed';

/** A job's final result, kept until the control plane acknowledges it. */
export interface PendingResult {
  readonly jobId: string;
  readonly outcome: JobOutcome;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly finishedAt: Date;
}

/**
 * What the session needs to remember across restarts. The real agent keeps it
 * in its SQLite file; every method must be durable when its promise resolves.
 */
export interface AgentStateStore {
  /** Highest assignment sequence accepted so far (0 before the first). */
  lastSequence(): Promise<number>;
  /** 'unknown' for a job never accepted. */
  jobState(jobId: string): Promise<'unknown' | 'running' | 'finished'>;
  /** Records an accepted assignment and raises lastSequence to its sequence, atomically. */
  acceptJob(assignment: AssignmentPayload): Promise<void>;
  /** Marks the job finished and keeps its result until `clearResult`. */
  finishJob(result: PendingResult): Promise<void>;
  pendingResults(): Promise<PendingResult[]>;
  clearResult(jobId: string): Promise<void>;
}

/** An in-memory store for tests and short-lived tools (not durable). */
export class MemoryAgentStateStore implements AgentStateStore {
  private sequence = 0;
  private readonly jobs = new Map<string, 'running' | 'finished'>();
  private readonly results = new Map<string, PendingResult>();

  lastSequence(): Promise<number> {
    return Promise.resolve(this.sequence);
  }

  jobState(jobId: string): Promise<'unknown' | 'running' | 'finished'> {
    return Promise.resolve(this.jobs.get(jobId) ?? 'unknown');
  }

  acceptJob(assignment: AssignmentPayload): Promise<void> {
    this.jobs.set(assignment.jobId, 'running');
    this.sequence = Math.max(this.sequence, assignment.sequence);
    return Promise.resolve();
  }

  finishJob(result: PendingResult): Promise<void> {
    this.jobs.set(result.jobId, 'finished');
    this.results.set(result.jobId, result);
    return Promise.resolve();
  }

  pendingResults(): Promise<PendingResult[]> {
    return Promise.resolve([...this.results.values()]);
  }

  clearResult(jobId: string): Promise<void> {
    this.results.delete(jobId);
    return Promise.resolve();
  }
}
