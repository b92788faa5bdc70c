import { createPublicKey, type KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { status as GrpcStatus, type ClientReadableStream, type Metadata } from '@grpc/grpc-js';
import { verifyAssignment, type AssignmentPayload } from '@upkeep/assignment';
import {
  DEADLINES,
  JobOutcome,
  StepStatus,
  type AgentGatewayServiceClient,
  type Assignment,
  type InstalledComponent,
  type ReportStepRequest,
  type SessionResponse,
} from '@upkeep/proto';
import type { AgentIdentity } from './enroll.ts';
import type { AgentStateStore, JobOutcome as Outcome, PendingResult } from './agent-state-store.ts';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
import {
  createGatewayClient,
  credentialMetadata,
  isServiceError,
  unaryCall,
  type AgentTls,
} from './grpc-transport.ts';

export type StepState = 'started' | 'succeeded' | 'failed' | 'skipped';

/** Lets a job report its progress; each (job, index) is stored once by the control plane. */
export interface StepReporter {
  step(index: number, name: string, state: StepState, message?: string): Promise<void>;
}

export interface JobResult {
  readonly outcome: Outcome;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Runs one verified assignment locally (the agent's upgrade, rollback or cleanup). */
export type JobExecutor = (assignment: AssignmentPayload, steps: StepReporter) => Promise<JobResult>;

export interface AgentSessionOptions {
  readonly serverUrl: string;
  readonly identity: AgentIdentity;
  readonly tls: AgentTls;
  readonly store: AgentStateStore;
  readonly executor: JobExecutor;
  /** What is installed now; sent after every (re)connection. */
  readonly inventory: () => Promise<InstalledComponent[]>;
  readonly agentVersion: string;
  /** Default 30 s. */
  readonly heartbeatIntervalMs?: number;
  readonly backoff?: BackoffPolicy;
  /** Default DEADLINES.sessionMs: the stream ends there and is reopened at once. */
  readonly sessionDeadlineMs?: number;
  readonly random?: () => number;
  readonly now?: () => Date;
  /**
   * Extra grpc-js channel options. A process simulating many agents sets
   * `grpc.use_local_subchannel_pool: 1` so each gets its own connection.
   */
  readonly channelOptions?: Readonly<Record<string, number | string>>;
}

export interface AgentSessionEvents {
  connected: [agentId: string];
  disconnected: [reason: string, retryInMs: number];
  /** An assignment arrived on the stream (before verification). */
  received: [jobId: string];
  assignment: [assignment: AssignmentPayload];
  duplicate: [jobId: string];
  refused: [jobId: string, reason: string];
  'result-acknowledged': [jobId: string, duplicate: boolean];
  /** The control plane refused the credential: re-enrollment is needed, the session stops. */
  fatal: [error: Error];
}

const STEP_STATUS: Record<StepState, StepStatus> = {
  started: StepStatus.STEP_STATUS_STARTED,
  succeeded: StepStatus.STEP_STATUS_SUCCEEDED,
  failed: StepStatus.STEP_STATUS_FAILED,
  skipped: StepStatus.STEP_STATUS_SKIPPED,
};

const OUTCOME: Record<Outcome, JobOutcome> = {
  succeeded: JobOutcome.JOB_OUTCOME_SUCCEEDED,
  failed: JobOutcome.JOB_OUTCOME_FAILED,
};

/**
 * The agent's side of `upkeep-agent run`: dials out, keeps a Session stream
 * open (reconnecting with exponential backoff and full jitter), reports
 * inventory and heartbeats, verifies each assignment against the pinned key
 * and the last accepted sequence, runs it through the executor, and reports
 * steps and the result until the control plane acknowledges them.
 */
export class AgentSession extends EventEmitter<AgentSessionEvents> {
  private readonly options: AgentSessionOptions;
  private readonly publicKey: KeyObject;
  private readonly metadata: Metadata;
  private readonly client: AgentGatewayServiceClient;
  private readonly random: () => number;
  private readonly now: () => Date;
  private stopped = false;
  private running: Promise<void> | undefined;
  private stream: ClientReadableStream<SessionResponse> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  /**
   * Step reports not yet acknowledged. In memory only: they survive a broken
   * stream, not an agent restart (the result, kept by the store, does).
   */
  private readonly unsentSteps: ReportStepRequest[] = [];
  /** Assignments run one at a time, in the order they arrive. */
  private work: Promise<void> = Promise.resolve();

  constructor(options: AgentSessionOptions) {
    super();
    this.options = options;
    this.publicKey = createPublicKey(options.identity.assignmentPublicKeyPem);
    this.metadata = credentialMetadata(options.identity.credential);
    this.client = createGatewayClient(options.serverUrl, options.tls, options.channelOptions);
    this.random = options.random ?? Math.random;
    this.now = options.now ?? (() => new Date());
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Closes the stream and waits for the job in progress, if any. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stream?.cancel();
    this.wake?.();
    await this.running;
    await this.work;
    this.client.close();
  }

  private isStopped(): boolean {
    return this.stopped;
  }

  private async loop(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      const outcome = await this.runSession(() => {
        attempt = 0;
      });
      this.stopHeartbeat();
      if (this.isStopped()) break;
      if (outcome.fatal !== undefined) {
        this.stopped = true;
        this.emit('fatal', outcome.fatal);
        break;
      }
      // A session that simply reached its deadline is reopened at once.
      const delay = outcome.deadline
        ? 0
        : backoffDelay(attempt, this.options.backoff ?? DEFAULT_BACKOFF, this.random);
      attempt += 1;
      this.emit('disconnected', outcome.reason, delay);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private runSession(onOpened: () => void): Promise<{ reason: string; deadline: boolean; fatal?: Error }> {
    return new Promise((resolve) => {
      this.options.store.lastSequence().then(
        (lastSequence) => {
          const stream = this.client.session(
            { lastSequence, agentVersion: this.options.agentVersion },
            this.metadata,
            {
              deadline: new Date(Date.now() + (this.options.sessionDeadlineMs ?? DEADLINES.sessionMs)),
            },
          );
          this.stream = stream;
          let settled = false;
          const settle = (value: { reason: string; deadline: boolean; fatal?: Error }): void => {
            if (settled) return;
            settled = true;
            this.stream = undefined;
            resolve(value);
          };
          stream.on('data', (message: SessionResponse) => {
            const event = message.event;
            if (event === undefined) return;
            switch (event.$case) {
              case 'opened':
                onOpened();
                this.emit('connected', event.value.agentId);
                this.startHeartbeat();
                this.enqueue(() => this.afterConnect());
                break;
              case 'assignment':
                this.emit('received', event.value.jobId);
                this.enqueue(() => this.handleAssignment(event.value));
                break;
            }
          });
          stream.on('error', (error: Error) => {
            const code = isServiceError(error) ? error.code : undefined;
            if (code === GrpcStatus.UNAUTHENTICATED || code === GrpcStatus.PERMISSION_DENIED) {
              settle({ reason: error.message, deadline: false, fatal: error });
            } else {
              settle({ reason: error.message, deadline: code === GrpcStatus.DEADLINE_EXCEEDED });
            }
          });
          stream.on('end', () => {
            settle({ reason: 'stream ended', deadline: false });
          });
        },
        (error: unknown) => {
          // The state store failed: a fatal error for this agent, not a network blip.
          resolve({
            reason: `state store: ${(error as Error).message}`,
            deadline: false,
            fatal: error as Error,
          });
        },
      );
    });
  }

  private enqueue(task: () => Promise<void>): void {
    this.work = this.work.then(task).catch(() => {
      // A failed report is retried on the next connection (the result stays pending).
    });
  }

  private async afterConnect(): Promise<void> {
    await this.flushResults();
    await this.reportInventory();
  }

  private async reportInventory(): Promise<void> {
    const components = await this.options.inventory();
    await unaryCall(
      this.client.reportInventory.bind(this.client),
      { components },
      this.metadata,
      DEADLINES.unaryMs,
    );
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      unaryCall(
        this.client.heartbeat.bind(this.client),
        { sentAtMs: Date.now(), agentVersion: this.options.agentVersion },
        this.metadata,
        DEADLINES.unaryMs,
      ).catch(() => {
        // The stream's own error handling reconnects; a lost heartbeat needs nothing more.
      });
    }, this.options.heartbeatIntervalMs ?? 30_000);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private async acknowledge(jobId: string, accepted: boolean, reason: string): Promise<void> {
    await unaryCall(
      this.client.acknowledgeAssignment.bind(this.client),
      { jobId, accepted, reason },
      this.metadata,
      DEADLINES.unaryMs,
    );
  }

  private async handleAssignment(delivered: Assignment): Promise<void> {
    const { store } = this.options;
    const known = await store.jobState(delivered.jobId);
    if (known !== 'unknown') {
      // At-least-once delivery: a repeated job id is work already accepted.
      this.emit('duplicate', delivered.jobId);
      await this.acknowledge(delivered.jobId, true, 'duplicate');
      if (known === 'finished') await this.flushResults();
      return;
    }
    const verdict = verifyAssignment({
      payload: delivered.payload,
      signature: delivered.signature,
      keyId: delivered.keyId,
      jobId: delivered.jobId,
      publicKey: this.publicKey,
      agentId: this.options.identity.agentId,
      lastSequence: await store.lastSequence(),
      now: this.now(),
    });
    if (!verdict.ok) {
      this.emit('refused', delivered.jobId, `${verdict.reason}: ${verdict.detail}`);
      await this.acknowledge(delivered.jobId, false, `${verdict.reason}: ${verdict.detail}`);
      return;
    }
    const assignment = verdict.assignment;
    // Durable before the ack: after a crash the job is known and never run twice.
    await store.acceptJob(assignment);
    try {
      await this.acknowledge(assignment.jobId, true, '');
    } catch {
      // The job runs anyway: the server redelivers an unacknowledged job, and the
      // repeat is acknowledged as a duplicate.
    }
    this.emit('assignment', assignment);
    const result = await this.execute(assignment);
    await store.finishJob(result);
    await this.flushResults();
    // A job changes what is installed: the control plane hears it now, not at the next reconnect.
    await this.reportInventory();
  }

  private async execute(assignment: AssignmentPayload): Promise<PendingResult> {
    const steps: StepReporter = {
      step: async (index, name, state, message = '') => {
        this.unsentSteps.push({
          jobId: assignment.jobId,
          stepIndex: index,
          name,
          status: STEP_STATUS[state],
          message,
          occurredAtMs: this.now().getTime(),
        });
        try {
          await this.flushSteps();
        } catch {
          // Kept in memory and sent again after reconnecting (the control plane stores each step once).
        }
      },
    };
    try {
      const result = await this.options.executor(assignment, steps);
      return {
        jobId: assignment.jobId,
        outcome: result.outcome,
        message: result.message,
        details: result.details ?? {},
        finishedAt: this.now(),
      };
    } catch (error) {
      return {
        jobId: assignment.jobId,
        outcome: 'failed',
        message: `the job failed: ${(error as Error).message}`,
        details: {},
        finishedAt: this.now(),
      };
    }
  }

  /** Sends the step reports not acknowledged yet, oldest first. */
  private async flushSteps(): Promise<void> {
    while (this.unsentSteps.length > 0) {
      const [next] = this.unsentSteps;
      if (next === undefined) return;
      await unaryCall(this.client.reportStep.bind(this.client), next, this.metadata, DEADLINES.unaryMs);
      this.unsentSteps.shift();
    }
  }

  /** Sends every step and result the control plane has not acknowledged yet. */
  private async flushResults(): Promise<void> {
    await this.flushSteps();
    for (const result of await this.options.store.pendingResults()) {
      const response = await unaryCall(
        this.client.reportResult.bind(this.client),
        {
          jobId: result.jobId,
          outcome: OUTCOME[result.outcome],
          message: result.message,
          detailsJson: JSON.stringify(result.details),
          finishedAtMs: result.finishedAt.getTime(),
        },
        this.metadata,
        DEADLINES.unaryMs,
      );
      await this.options.store.clearResult(result.jobId);
      this.emit('result-acknowledged', result.jobId, response.duplicate);
    }
  }
}
