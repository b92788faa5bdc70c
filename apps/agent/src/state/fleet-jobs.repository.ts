import type { AgentStateStore, JobOutcome, PendingResult } from '@upkeep/agent-client';
import type { AssignmentPayload } from '@upkeep/assignment';
import type { StateDatabase, SqlRow } from './state-database.repository.ts';
import { integerColumn, jsonColumn, optionalTextColumn, textColumn } from './state-row.ts';

function toPending(row: SqlRow): PendingResult {
  return {
    jobId: textColumn(row, 'job_id'),
    outcome: textColumn(row, 'outcome') === 'succeeded' ? 'succeeded' : 'failed',
    message: optionalTextColumn(row, 'message') ?? '',
    details: jsonColumn(row, 'details'),
    finishedAt: new Date(textColumn(row, 'finished_at')),
  };
}

/**
 * `fleet_jobs`: the session's durable memory in the agent's SQLite file. A job
 * accepted here is never run again (a redelivery is a duplicate), and its
 * result stays until the control plane acknowledges it, across restarts.
 */
export class FleetJobsRepository implements AgentStateStore {
  readonly #db: StateDatabase;
  readonly #clock: () => Date;

  constructor(db: StateDatabase, clock: () => Date) {
    this.#db = db;
    this.#clock = clock;
  }

  lastSequence(): Promise<number> {
    const row = this.#db.get('SELECT COALESCE(MAX(sequence), 0) AS sequence FROM fleet_jobs');
    return Promise.resolve(row === undefined ? 0 : integerColumn(row, 'sequence'));
  }

  jobState(jobId: string): Promise<'unknown' | 'running' | 'finished'> {
    const row = this.#db.get('SELECT state FROM fleet_jobs WHERE job_id = :jobId', { jobId });
    if (row === undefined) return Promise.resolve('unknown');
    return Promise.resolve(textColumn(row, 'state') === 'finished' ? 'finished' : 'running');
  }

  acceptJob(assignment: AssignmentPayload): Promise<void> {
    this.#db.transaction(() => {
      this.#db.run(
        `INSERT INTO fleet_jobs (job_id, sequence, kind, component, state, accepted_at)
         VALUES (:jobId, :sequence, :kind, :component, 'running', :acceptedAt)
         ON CONFLICT(job_id) DO NOTHING`,
        {
          jobId: assignment.jobId,
          sequence: assignment.sequence,
          kind: assignment.kind,
          component: assignment.component,
          acceptedAt: this.#clock().toISOString(),
        },
      );
    });
    return Promise.resolve();
  }

  finishJob(result: PendingResult): Promise<void> {
    this.#db.transaction(() => {
      this.#db.run(
        `UPDATE fleet_jobs SET state = 'finished', outcome = :outcome, message = :message,
           details = :details, finished_at = :finishedAt, result_acknowledged = 0
         WHERE job_id = :jobId`,
        {
          jobId: result.jobId,
          outcome: result.outcome,
          message: result.message,
          details: JSON.stringify(result.details),
          finishedAt: result.finishedAt.toISOString(),
        },
      );
    });
    return Promise.resolve();
  }

  pendingResults(): Promise<PendingResult[]> {
    return Promise.resolve(
      this.#db
        .all(
          `SELECT * FROM fleet_jobs WHERE state = 'finished' AND result_acknowledged = 0
           ORDER BY sequence`,
        )
        .map(toPending),
    );
  }

  clearResult(jobId: string): Promise<void> {
    this.#db.transaction(() => {
      this.#db.run('UPDATE fleet_jobs SET result_acknowledged = 1 WHERE job_id = :jobId', { jobId });
    });
    return Promise.resolve();
  }

  /** Jobs accepted but never finished: the agent stopped while running them. */
  interrupted(): { jobId: string; kind: string; component: string }[] {
    return this.#db
      .all("SELECT job_id, kind, component FROM fleet_jobs WHERE state = 'running' ORDER BY sequence")
      .map((row) => ({
        jobId: textColumn(row, 'job_id'),
        kind: textColumn(row, 'kind'),
        component: textColumn(row, 'component'),
      }));
  }

  /** The stored result of a finished job (acknowledged or not), or null. */
  result(jobId: string): { outcome: JobOutcome; message: string } | null {
    const row = this.#db.get("SELECT * FROM fleet_jobs WHERE job_id = :jobId AND state = 'finished'", {
      jobId,
    });
    return row === undefined ? null : { outcome: toPending(row).outcome, message: toPending(row).message };
  }
}
