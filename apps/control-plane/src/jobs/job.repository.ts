import { Inject, Injectable } from '@nestjs/common';
import { UpkeepError } from '@upkeep/errors';
import type { AssignmentKind, AssignmentPayload, SignedAssignment } from '@upkeep/assignment';
import { CLOCK, PRISMA } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import type { Prisma, PrismaClient, Transaction } from '../database/prisma-client.ts';
import { AuditRepository } from '../audit/audit.repository.ts';
import type { Actor, Page } from '../audit/audit-event.ts';
import type { TypedOutboxMessage } from '../outbox/queue-registry.ts';
import { OutboxRepository } from '../outbox/outbox.repository.ts';
import type { JobOutcome, JobState, JobStepView, JobView, NewJob, StoredAssignment } from './job.ts';
import { UNDELIVERED_STATES, UNFINISHED_STATES } from './job.ts';
import { RolloutJobOutcomeRepository } from '../rollouts/rollout-job-outcome.repository.ts';
import { NOTIFIER, type Notifier } from '../notifications/notification-event.ts';
import { jobResultNotifications } from '../notifications/job-result-notification.ts';
import { createdBefore, encodeKeysetCursor } from '../rest/keyset-cursor.ts';

interface OwnedJob {
  readonly hostId: string;
  readonly state: JobState;
  readonly kind: AssignmentKind;
  readonly componentName: string;
  readonly targetVersion: string | null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

type JobRow = Prisma.JobGetPayload<{ include: { steps: true } }> | Prisma.JobGetPayload<object>;

function toView(row: JobRow): JobView {
  const steps = 'steps' in row ? row.steps : undefined;
  return {
    id: row.id,
    hostId: row.hostId,
    kind: row.kind,
    component: row.componentName,
    targetVersion: row.targetVersion,
    artifact:
      row.artifactUrl === null || row.artifactSha256 === null
        ? null
        : { url: row.artifactUrl, sha256: row.artifactSha256 },
    state: row.state,
    sequence: Number(row.sequence),
    expiresAt: row.expiresAt.toISOString(),
    deliveryCount: row.deliveryCount,
    result: row.result,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    ...(steps === undefined
      ? {}
      : {
          steps: steps
            .sort((a, b) => a.stepIndex - b.stepIndex)
            .map((step): JobStepView => ({
              index: step.stepIndex,
              name: step.name,
              status: step.status,
              message: step.message,
              occurredAt: step.occurredAt.toISOString(),
            })),
        }),
  };
}

export interface JobFilter {
  readonly hostId?: string | undefined;
  readonly state?: JobState | undefined;
  readonly cursor?: string | undefined;
  readonly limit: number;
}

@Injectable()
export class JobRepository {
  private readonly prisma: PrismaClient;
  private readonly audit: AuditRepository;
  private readonly outbox: OutboxRepository;
  private readonly clock: Clock;
  private readonly rolloutOutcomes: RolloutJobOutcomeRepository;
  private readonly notifier: Notifier;

  constructor(
    @Inject(PRISMA) prisma: PrismaClient,
    @Inject(AuditRepository) audit: AuditRepository,
    @Inject(OutboxRepository) outbox: OutboxRepository,
    @Inject(CLOCK) clock: Clock,
    @Inject(RolloutJobOutcomeRepository) rolloutOutcomes: RolloutJobOutcomeRepository,
    @Inject(NOTIFIER) notifier: Notifier,
  ) {
    this.prisma = prisma;
    this.audit = audit;
    this.outbox = outbox;
    this.clock = clock;
    this.rolloutOutcomes = rolloutOutcomes;
    this.notifier = notifier;
  }

  /**
   * Numbers, signs and stores a job, its outbox message and its audit event in
   * one transaction. `sign` runs inside it, after the host's sequence is bumped,
   * so sequence numbers are gap-free per host and never reused.
   */
  async create(
    id: string,
    job: NewJob,
    actor: Actor,
    sign: (payload: AssignmentPayload) => SignedAssignment,
  ): Promise<JobView> {
    return this.prisma.$transaction(async (tx) => this.createInTransaction(tx, id, job, actor, sign));
  }

  /**
   * `create` inside the caller's transaction: the rollout driver dispatches a wave's hosts in the
   * transaction that holds its rollout row, so a job exists exactly when the rollout says it was sent.
   */
  async createInTransaction(
    tx: Transaction,
    id: string,
    job: NewJob,
    actor: Actor,
    sign: (payload: AssignmentPayload) => SignedAssignment,
  ): Promise<JobView> {
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + job.ttlMs);
    const bumped = await tx.$queryRaw<{ assignment_sequence: bigint }[]>`
      UPDATE hosts SET assignment_sequence = assignment_sequence + 1, updated_at = ${now}
      WHERE id = ${job.hostId}::uuid AND status = 'active'
      RETURNING assignment_sequence`;
    const sequenceValue = bumped[0]?.assignment_sequence;
    if (sequenceValue === undefined) {
      throw new UpkeepError('NOT_FOUND', `host ${job.hostId} does not exist or is revoked`, {
        hint: 'list hosts with GET /api/hosts',
      });
    }
    const sequence = Number(sequenceValue);
    const signed = sign({
      v: 1,
      jobId: id,
      agentId: job.hostId,
      sequence,
      kind: job.kind,
      component: job.component,
      targetVersion: job.targetVersion,
      artifact: job.artifact,
      issuedAt: now.toISOString(),
      expiresAt: expiresAt.toISOString(),
    });
    const row = await tx.job.create({
      data: {
        id,
        hostId: job.hostId,
        kind: job.kind,
        componentName: job.component,
        targetVersion: job.targetVersion,
        artifactUrl: job.artifact?.url ?? null,
        artifactSha256: job.artifact?.sha256 ?? null,
        sequence: sequenceValue,
        assignment: signed.payload.toString('base64'),
        signature: `${signed.keyId}:${signed.signature.toString('base64')}`,
        expiresAt,
        createdBy: actor.id,
        createdAt: now,
        updatedAt: now,
        rolloutId: job.rolloutId ?? null,
      },
    });
    const message: TypedOutboxMessage<'assignments', 'dispatch'> = {
      id,
      queue: 'assignments',
      name: 'dispatch',
      payload: { jobId: id, hostId: job.hostId },
    };
    await this.outbox.add(tx, message, now);
    await this.audit.record(
      tx,
      {
        actor,
        action: 'job.created',
        targetType: 'job',
        targetId: id,
        details: {
          hostId: job.hostId,
          kind: job.kind,
          component: job.component,
          targetVersion: job.targetVersion,
          sequence,
          ...(job.rolloutId === undefined ? {} : { rolloutId: job.rolloutId }),
        },
        subject: { component: job.component, hostId: job.hostId, version: job.targetVersion },
      },
      now,
    );
    return toView(row);
  }

  async find(id: string): Promise<JobView | null> {
    const row = await this.prisma.job.findUnique({ where: { id }, include: { steps: true } });
    return row === null ? null : toView(row);
  }

  async list(filter: JobFilter): Promise<Page<JobView>> {
    const rows = await this.prisma.job.findMany({
      where: {
        ...(filter.hostId === undefined ? {} : { hostId: filter.hostId }),
        ...(filter.state === undefined ? {} : { state: filter.state }),
        ...createdBefore(filter.cursor),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: filter.limit + 1,
    });
    const items = rows.slice(0, filter.limit).map(toView);
    const last = items.at(-1);
    return {
      items,
      nextCursor:
        rows.length > filter.limit && last !== undefined
          ? encodeKeysetCursor({ at: last.createdAt, id: last.id })
          : null,
    };
  }

  /** Unfinished, unexpired assignments of a host in sequence order (what a session must send). */
  async pendingAssignments(hostId: string): Promise<StoredAssignment[]> {
    const rows = await this.prisma.job.findMany({
      where: { hostId, state: { in: [...UNFINISHED_STATES] }, expiresAt: { gt: this.clock.now() } },
      orderBy: { sequence: 'asc' },
      select: { id: true, sequence: true, assignment: true, signature: true },
    });
    return rows.map((row) => {
      const [keyId = '', signature = ''] = row.signature.split(':');
      return {
        jobId: row.id,
        sequence: Number(row.sequence),
        payload: Buffer.from(row.assignment, 'base64'),
        signature: Buffer.from(signature, 'base64'),
        keyId,
      };
    });
  }

  async markDelivered(jobIds: readonly string[]): Promise<void> {
    if (jobIds.length === 0) return;
    const now = this.clock.now();
    await this.prisma.$transaction([
      this.prisma.job.updateMany({
        where: { id: { in: [...jobIds] }, state: 'pending' },
        data: { state: 'delivered', deliveredAt: now, updatedAt: now },
      }),
      this.prisma.job.updateMany({
        where: { id: { in: [...jobIds] } },
        data: { deliveryCount: { increment: 1 } },
      }),
    ]);
  }

  private async ownedJob(tx: Transaction, jobId: string, hostId: string): Promise<OwnedJob> {
    const job = await tx.job.findUnique({
      where: { id: jobId },
      select: { hostId: true, state: true, kind: true, componentName: true, targetVersion: true },
    });
    // Another agent's job is reported as missing: an agent learns nothing about others.
    if (job?.hostId !== hostId) {
      throw new UpkeepError('NOT_FOUND', `job ${jobId} is not assigned to this agent`);
    }
    return job;
  }

  /** Records the agent's acceptance or refusal; returns true when it was already recorded. */
  async acknowledge(jobId: string, hostId: string, accepted: boolean, reason: string): Promise<boolean> {
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const job = await this.ownedJob(tx, jobId, hostId);
      if (accepted) {
        if (!UNDELIVERED_STATES.includes(job.state)) return true;
        await tx.job.update({
          where: { id: jobId },
          data: { state: 'running', updatedAt: now, deliveredAt: now },
        });
        return false;
      }
      if (!UNFINISHED_STATES.includes(job.state)) return true;
      await tx.job.update({
        where: { id: jobId },
        data: {
          state: 'refused',
          result: { outcome: 'refused', message: reason },
          finishedAt: now,
          updatedAt: now,
        },
      });
      await this.audit.record(
        tx,
        {
          actor: { type: 'agent', id: hostId },
          action: 'job.refused',
          targetType: 'job',
          targetId: jobId,
          details: { reason },
          subject: { component: job.componentName, hostId, version: job.targetVersion, outcome: 'refused' },
        },
        now,
      );
      await this.rolloutOutcomes.jobFinished(tx, jobId, 'refused', { message: reason }, now);
      return false;
    });
  }

  /** Stores a step once; a repeated (job, index) is a duplicate and changes nothing. */
  async recordStep(hostId: string, jobId: string, step: JobStepView, id: string): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const job = await this.ownedJob(tx, jobId, hostId);
      const inserted = await tx.$executeRaw`
        INSERT INTO job_steps (id, job_id, step_index, name, status, message, occurred_at)
        VALUES (${id}::uuid, ${jobId}::uuid, ${step.index}, ${step.name}, ${step.status}::step_status, ${step.message}, ${new Date(step.occurredAt)})
        ON CONFLICT (job_id, step_index) DO NOTHING`;
      if (inserted > 0) {
        await tx.job.updateMany({
          where: { id: jobId, state: { in: ['pending', 'delivered'] } },
          data: { state: 'running', updatedAt: this.clock.now() },
        });
        // The step and its audit event stand or fall together; a repeated report records neither.
        await this.audit.record(
          tx,
          {
            actor: { type: 'agent', id: hostId },
            action: 'job.step',
            targetType: 'job',
            targetId: jobId,
            details: {
              kind: job.kind,
              index: step.index,
              name: step.name,
              status: step.status,
              message: step.message,
              agentTime: step.occurredAt,
            },
            subject: {
              component: job.componentName,
              hostId,
              version: job.targetVersion,
              outcome: step.status,
            },
          },
          // The control plane's clock, not the agent's: keyset pages must never gain rows behind a cursor.
          this.clock.now(),
        );
      }
      return inserted === 0;
    });
  }

  /** Stores the final result once, with its audit event; returns true for a repeat. */
  async recordResult(
    hostId: string,
    jobId: string,
    outcome: JobOutcome,
    message: string,
    details: Record<string, unknown>,
    finishedAt: Date,
  ): Promise<boolean> {
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const job = await this.ownedJob(tx, jobId, hostId);
      const updated = await tx.job.updateMany({
        where: { id: jobId, state: { in: [...UNFINISHED_STATES] } },
        data: {
          state: outcome,
          result: { outcome, message, details } as Prisma.InputJsonObject,
          finishedAt,
          updatedAt: now,
        },
      });
      if (updated.count === 0) return true;
      const actor: Actor = { type: 'agent', id: hostId };
      const fromVersion = stringOrNull(details['from_version']);
      const toVersion = stringOrNull(details['to_version']);
      // The version the event is about: what the host runs after a success, what was attempted otherwise.
      const version =
        job.kind === 'cleanup'
          ? null
          : outcome === 'succeeded'
            ? (toVersion ?? job.targetVersion)
            : job.targetVersion;
      await this.audit.record(
        tx,
        {
          actor,
          action: `job.${outcome}`,
          targetType: 'job',
          targetId: jobId,
          details: { kind: job.kind, message, fromVersion, toVersion },
          subject: { component: job.componentName, hostId, version, outcome },
        },
        now,
      );
      const rollback = await this.rollbackOf(tx, job, hostId, outcome, details, fromVersion, toVersion);
      if (rollback !== null) {
        await this.audit.record(
          tx,
          {
            actor,
            action: 'job.rolled_back',
            targetType: 'job',
            targetId: jobId,
            details: { kind: job.kind, message, ...rollback.details },
            subject: {
              component: job.componentName,
              hostId,
              version: rollback.restored,
              outcome: 'rolled_back',
            },
          },
          now,
        );
      }
      await this.rolloutOutcomes.jobFinished(tx, jobId, outcome, { message, details }, now);
      await this.notifyResult(tx, jobId, job, outcome, message, details, now);
      return false;
    });
  }

  /**
   * A result that leaves the host on an earlier version: a rollback job that succeeded,
   * or an upgrade the agent rolled back by itself (the version restored is the one the
   * inventory still holds, since the agent reports inventory only after a job).
   */
  private async rollbackOf(
    tx: Transaction,
    job: OwnedJob,
    hostId: string,
    outcome: JobOutcome,
    details: Record<string, unknown>,
    fromVersion: string | null,
    toVersion: string | null,
  ): Promise<{ restored: string | null; details: Record<string, unknown> } | null> {
    if (job.kind === 'rollback' && outcome === 'succeeded') {
      return { restored: toVersion, details: { fromVersion, toVersion } };
    }
    if (job.kind === 'upgrade' && outcome === 'failed' && details['rolled_back'] === true) {
      const installed = await tx.hostInventory.findUnique({
        where: { hostId_componentName: { hostId, componentName: job.componentName } },
        select: { version: true },
      });
      return {
        restored: installed?.version ?? null,
        details: {
          attemptedVersion: job.targetVersion,
          failedStep: stringOrNull(details['step']),
        },
      };
    }
    return null;
  }

  /** upgrade_success / upgrade_failure / rollback_executed, in the transaction that stores the result. */
  private async notifyResult(
    tx: Transaction,
    jobId: string,
    job: OwnedJob,
    outcome: JobOutcome,
    message: string,
    details: Record<string, unknown>,
    at: Date,
  ): Promise<void> {
    const host = await tx.host.findUniqueOrThrow({ where: { id: job.hostId }, select: { hostname: true } });
    const events = jobResultNotifications({
      id: jobId,
      kind: job.kind,
      component: job.componentName,
      targetVersion: job.targetVersion,
      hostname: host.hostname,
      outcome,
      message,
      details,
    });
    for (const event of events) await this.notifier.enqueue(tx, event, at);
  }

  /** Jobs that should have reached their agent by now: the reconciler re-enqueues these. */
  async staleUndelivered(olderThan: Date, limit: number): Promise<{ jobId: string; hostId: string }[]> {
    const rows = await this.prisma.job.findMany({
      where: {
        state: { in: [...UNDELIVERED_STATES] },
        updatedAt: { lt: olderThan },
        expiresAt: { gt: this.clock.now() },
      },
      orderBy: { updatedAt: 'asc' },
      take: limit,
      select: { id: true, hostId: true },
    });
    return rows.map((row) => ({ jobId: row.id, hostId: row.hostId }));
  }

  /**
   * Marks jobs never accepted before their expiry as expired; returns how many.
   * A job the agent accepted runs to its end: its result is still wanted.
   */
  async expireOverdue(): Promise<number> {
    const now = this.clock.now();
    return this.prisma.$transaction(async (tx) => {
      const expired = await tx.job.findMany({
        where: { state: { in: [...UNDELIVERED_STATES] }, expiresAt: { lte: now } },
        select: { id: true, hostId: true, componentName: true, targetVersion: true },
        take: 500,
      });
      for (const job of expired) {
        const id = job.id;
        await tx.job.update({ where: { id }, data: { state: 'expired', finishedAt: now, updatedAt: now } });
        await this.audit.record(
          tx,
          {
            actor: { type: 'system', id: 'reconciler' },
            action: 'job.expired',
            targetType: 'job',
            targetId: id,
            subject: {
              component: job.componentName,
              hostId: job.hostId,
              version: job.targetVersion,
              outcome: 'expired',
            },
          },
          now,
        );
        await this.rolloutOutcomes.jobFinished(
          tx,
          id,
          'expired',
          { message: 'expired before the agent took it' },
          now,
        );
      }
      return expired.length;
    });
  }

  /** Touches jobs so the reconciler waits a full period before re-enqueuing them again. */
  async touch(jobIds: readonly string[]): Promise<void> {
    if (jobIds.length === 0) return;
    await this.prisma.job.updateMany({
      where: { id: { in: [...jobIds] } },
      data: { updatedAt: this.clock.now() },
    });
  }
}
