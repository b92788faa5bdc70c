import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { UpkeepError } from '@upkeep/errors';
import type { AssignmentPayload, SignedAssignment } from '@upkeep/assignment';
import { CLOCK, CONFIG, PRISMA } from '../common/tokens.ts';
import type { Clock } from '../common/clock.ts';
import type { AppConfig } from '../config/app-config.ts';
import type { Prisma, PrismaClient, Transaction } from '../database/prisma-client.ts';
import { AuditRepository } from '../audit/audit.repository.ts';
import type { Actor, Page } from '../audit/audit-event.ts';
import { JobRepository } from '../jobs/job.repository.ts';
import { NOTIFIER, type Notifier } from '../notifications/notification-event.ts';
import type {
  Advisory,
  BreakingChange,
  RolloutFilter,
  RolloutSettings,
  RolloutState,
  RolloutView,
  TargetSpec,
  HostSelector,
} from './rollout.ts';
import {
  awaitingApproval,
  DRAFT_REASON,
  type RolloutChanges,
  type RolloutSnapshot,
  type StepHost,
} from './rollout-step.ts';
import { createdBefore, encodeKeysetCursor } from '../rest/keyset-cursor.ts';

/** What `create` stores: the plan, frozen. */
export interface NewRollout {
  readonly component: string;
  readonly environment: string;
  readonly targetVersion: string;
  readonly target: TargetSpec;
  readonly selector: HostSelector;
  readonly settings: RolloutSettings;
  /** A draft is stored like the others and waits for submit; the driver never looks at it. */
  readonly state: 'draft' | 'awaiting_approval' | 'scheduled';
  readonly requiredApprovals: number;
  readonly forbidSelfApproval: boolean;
  /** The plan asks for approvals before the start: where the rollout goes now, or once submitted. */
  readonly approvalBeforeStart: boolean;
  /** The plan's verdict, frozen so approvers see what will run, not a plan made again later. */
  readonly risk: string;
  readonly breakingChanges: readonly BreakingChange[];
  readonly advisories: readonly Advisory[];
  readonly expectedDurationSeconds: number;
  readonly waves: readonly {
    readonly hosts: readonly {
      readonly hostId: string;
      readonly hostname: string;
      readonly decision: string;
      readonly currentVersion: string | null;
      readonly riskLevel: string | null;
      readonly warnings: readonly string[];
      /** Skipped from the start (already at the target, refused by policy): with why. */
      readonly skipped: string | null;
    }[];
  }[];
}

/** A job the driver sends in its step's transaction. */
export interface StepJob {
  readonly host: StepHost;
  readonly kind: 'upgrade' | 'rollback';
  readonly artifact: { readonly url: string; readonly sha256: string } | null;
}

export interface StepResult {
  readonly changes: RolloutChanges;
  readonly jobs: readonly StepJob[];
}

const viewInclude = {
  waves: { orderBy: { waveIndex: 'asc' } },
  hosts: { orderBy: { position: 'asc' } },
  approvals: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
} as const satisfies Prisma.RolloutInclude;

type RolloutRow = Prisma.RolloutGetPayload<{ include: typeof viewInclude }>;

/** Every API token id a page of rollouts names (creators, approvers): resolved in one query. */
function actorIdsOf(rows: readonly RolloutRow[]): string[] {
  return rows.flatMap((row) => [row.createdBy, ...row.approvals.map((approval) => approval.actor)]);
}

function toView(row: RolloutRow, names: ReadonlyMap<string, string>): RolloutView {
  return {
    id: row.id,
    component: row.componentName,
    environment: row.environment,
    targetVersion: row.targetVersion,
    state: row.state,
    currentWave: row.currentWave,
    reason: row.reason,
    createdBy: row.createdBy,
    createdByName: names.get(row.createdBy) ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    requiredApprovals: row.requiredApprovals,
    forbidSelfApproval: row.forbidSelfApproval,
    approvals: row.approvals.map((approval) => ({
      actor: approval.actor,
      actorName: names.get(approval.actor) ?? null,
      decision: approval.decision,
      comment: approval.comment,
      at: approval.createdAt.toISOString(),
      wave: approval.waveIndex,
    })),
    risk: row.risk,
    breakingChanges: row.breakingChanges as unknown as BreakingChange[] | null,
    advisories: row.advisories as unknown as Advisory[] | null,
    expectedDurationSeconds: row.expectedDurationSeconds,
    settings: row.settings as unknown as RolloutSettings,
    waves: row.waves.map((wave) => ({
      index: wave.waveIndex,
      name: wave.name,
      state: wave.state,
      size: wave.size,
      maxParallel: wave.maxParallel,
      bakeSeconds: wave.bakeSeconds,
      failureThreshold: wave.failureThreshold,
      approval: wave.approval,
      hosts: row.hosts
        .filter((host) => host.waveIndex === wave.waveIndex)
        .map((host) => ({
          hostId: host.hostId,
          hostname: host.hostname,
          state: host.state,
          jobId: host.jobId,
          message: host.message,
          decision: host.decision,
          fromVersion: host.fromVersion,
          riskLevel: host.riskLevel,
          warnings: host.warnings,
        })),
    })),
  };
}

/** A UUID derived from the operation (STYLE §4): the same dispatch twice is the same job id, never two jobs. */
export function rolloutJobId(rolloutId: string, hostId: string, kind: string, attempt: number): string {
  const hex = createHash('sha256').update(`rollout:${rolloutId}:${hostId}:${kind}:${attempt}`).digest('hex');
  const variant = ((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

/** Rollouts, their waves, hosts and approvals; every change with its audit event in one transaction. */
@Injectable()
export class RolloutRepository {
  private readonly prisma: PrismaClient;
  private readonly config: AppConfig;
  private readonly audit: AuditRepository;
  private readonly jobs: JobRepository;
  private readonly clock: Clock;
  private readonly notifier: Notifier | null;

  constructor(
    @Inject(PRISMA) prisma: PrismaClient,
    @Inject(CONFIG) config: AppConfig,
    @Inject(AuditRepository) audit: AuditRepository,
    @Inject(JobRepository) jobs: JobRepository,
    @Inject(CLOCK) clock: Clock,
    @Optional() @Inject(NOTIFIER) notifier?: Notifier,
  ) {
    this.prisma = prisma;
    this.config = config;
    this.audit = audit;
    this.jobs = jobs;
    this.clock = clock;
    this.notifier = notifier ?? null;
  }

  async create(rollout: NewRollout, actor: Actor): Promise<RolloutView> {
    const id = randomUUID();
    const now = this.clock.now();
    const waiting = awaitingApproval({
      component: rollout.component,
      targetVersion: rollout.targetVersion,
      environment: rollout.environment,
      requiredApprovals: rollout.requiredApprovals,
    });
    await this.prisma.$transaction(async (tx) => {
      await tx.rollout.create({
        data: {
          id,
          componentName: rollout.component,
          environment: rollout.environment,
          targetVersion: rollout.targetVersion,
          targetSpec: rollout.target,
          selector: rollout.selector as Prisma.InputJsonObject,
          settings: rollout.settings as unknown as Prisma.InputJsonObject,
          state: rollout.state,
          reason:
            rollout.state === 'awaiting_approval'
              ? waiting.reason
              : rollout.state === 'draft'
                ? DRAFT_REASON
                : null,
          requiredApprovals: rollout.requiredApprovals,
          forbidSelfApproval: rollout.forbidSelfApproval,
          approvalBeforeStart: rollout.approvalBeforeStart,
          rollbackOnAbort: rollout.settings.rollbackOnAbort,
          risk: rollout.risk,
          breakingChanges: rollout.breakingChanges.map((change) => ({
            version: change.version,
            description: change.description,
          })),
          advisories: rollout.advisories.map((advisory) => ({
            id: advisory.id,
            severity: advisory.severity,
            summary: advisory.summary,
          })),
          expectedDurationSeconds: rollout.expectedDurationSeconds,
          createdBy: actor.id,
          createdAt: now,
          updatedAt: now,
        },
      });
      await tx.rolloutWave.createMany({
        data: rollout.settings.waves.map((wave, index) => ({
          id: randomUUID(),
          rolloutId: id,
          waveIndex: index,
          name: wave.name,
          size: wave.size,
          maxParallel: wave.maxParallel,
          bakeSeconds: wave.bakeSeconds,
          failureThreshold: wave.failureThreshold,
          approval: wave.approval,
        })),
      });
      let position = 0;
      await tx.rolloutHost.createMany({
        data: rollout.waves.flatMap((wave, waveIndex) =>
          wave.hosts.map((host) => ({
            id: randomUUID(),
            rolloutId: id,
            hostId: host.hostId,
            waveIndex,
            position: position++,
            hostname: host.hostname,
            state: host.skipped === null ? ('pending' as const) : ('skipped' as const),
            decision: host.decision,
            fromVersion: host.currentVersion,
            riskLevel: host.riskLevel,
            warnings: [...host.warnings],
            message: host.skipped ?? '',
            updatedAt: now,
          })),
        ),
      });
      await this.audit.record(
        tx,
        {
          actor,
          action: 'rollout.created',
          targetType: 'rollout',
          targetId: id,
          details: {
            component: rollout.component,
            environment: rollout.environment,
            targetVersion: rollout.targetVersion,
            hosts: position,
            state: rollout.state,
            requiredApprovals: rollout.requiredApprovals,
          },
        },
        now,
      );
      if (rollout.state === 'awaiting_approval') {
        await this.notify(tx, id, rollout.component, rollout.targetVersion, now, waiting.notification);
      }
    });
    const view = await this.find(id);
    if (view === null) throw new UpkeepError('INTERNAL', `rollout ${id} vanished after creation`);
    return view;
  }

  async find(id: string): Promise<RolloutView | null> {
    const row = await this.prisma.rollout.findUnique({ where: { id }, include: viewInclude });
    if (row === null) return null;
    return toView(row, await this.audit.tokenNames(actorIdsOf([row])));
  }

  async list(filter: RolloutFilter): Promise<Page<RolloutView>> {
    const rows = await this.prisma.rollout.findMany({
      where: {
        ...(filter.state === undefined ? {} : { state: filter.state }),
        ...(filter.component === undefined ? {} : { componentName: filter.component }),
        ...createdBefore(filter.cursor),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: filter.limit + 1,
      include: viewInclude,
    });
    const page = rows.slice(0, filter.limit);
    const names = await this.audit.tokenNames(actorIdsOf(page));
    const items = page.map((row) => toView(row, names));
    const last = items.at(-1);
    return {
      items,
      nextCursor:
        rows.length > filter.limit && last !== undefined
          ? encodeKeysetCursor({ at: last.createdAt, id: last.id })
          : null,
    };
  }

  async statesOf(ids: readonly string[]): Promise<{ id: string; component: string; state: RolloutState }[]> {
    if (ids.length === 0) return [];
    const rows = await this.prisma.rollout.findMany({
      where: { id: { in: [...ids] } },
      select: { id: true, componentName: true, state: true },
    });
    return rows.map((row) => ({ id: row.id, component: row.componentName, state: row.state }));
  }

  /**
   * Rollouts the driver has work on: scheduled or running, or stopped with upgraded hosts still to roll
   * back (a tripped wave that reverts, an abort that rolls back).
   */
  async idsToDrive(): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT r.id::text AS id FROM rollouts r
      WHERE r.state IN ('scheduled', 'running')
         OR (r.state IN ('paused', 'aborted', 'failed') AND EXISTS (
              SELECT 1 FROM rollout_hosts h
              LEFT JOIN rollout_waves w ON w.rollout_id = h.rollout_id AND w.wave_index = h.wave_index
              WHERE h.rollout_id = r.id AND h.state = 'succeeded' AND h.revert_job_id IS NULL
                AND ((r.state IN ('aborted', 'failed') AND r.rollback_on_abort)
                  OR (w.state = 'failed' AND COALESCE((r.settings->>'revertWaveOnFailure')::boolean, false)))))
      ORDER BY r.created_at`;
    return rows.map((row) => row.id);
  }

  /** The snapshot without a lock: what the driver reads to fetch artifacts before its transaction. */
  async snapshot(id: string): Promise<RolloutSnapshot | null> {
    return this.loadSnapshot(this.prisma, id);
  }

  /**
   * An operator's action: waits for the rollout's row (a driver step holds it only briefly), decides on
   * the snapshot and writes the changes with their audit events.
   */
  async mutate(
    id: string,
    actor: Actor,
    decide: (snapshot: RolloutSnapshot, now: Date) => RolloutChanges,
  ): Promise<RolloutView> {
    await this.prisma.$transaction(
      async (tx) => {
        const locked = await tx.$queryRaw<{ id: string }[]>`
          SELECT id::text AS id FROM rollouts WHERE id = ${id}::uuid FOR UPDATE`;
        if (locked.length === 0) throw new UpkeepError('NOT_FOUND', `rollout ${id} does not exist`);
        const snapshot = await this.loadSnapshot(tx, id);
        if (snapshot === null) throw new UpkeepError('NOT_FOUND', `rollout ${id} does not exist`);
        const now = this.clock.now();
        await this.apply(tx, snapshot, decide(snapshot, now), actor, now);
      },
      { timeout: 30_000, maxWait: 30_000 },
    );
    const view = await this.find(id);
    if (view === null) throw new UpkeepError('NOT_FOUND', `rollout ${id} does not exist`);
    return view;
  }

  /**
   * One driver step: takes the rollout's row with SKIP LOCKED (another replica driving it means this one
   * moves on), decides, then writes the changes and creates the jobs in the same transaction.
   * Returns false when another replica holds the rollout.
   */
  async step(
    id: string,
    actor: Actor,
    decide: (
      snapshot: RolloutSnapshot,
      waitsFor: { id: string; state: RolloutState }[],
      now: Date,
    ) => Promise<StepResult>,
    sign: (payload: AssignmentPayload) => SignedAssignment,
  ): Promise<boolean> {
    return this.prisma.$transaction(
      async (tx) => {
        const locked = await tx.$queryRaw<{ id: string }[]>`
          SELECT id::text AS id FROM rollouts WHERE id = ${id}::uuid FOR UPDATE SKIP LOCKED`;
        if (locked.length === 0) return false;
        const snapshot = await this.loadSnapshot(tx, id);
        if (snapshot === null) return false;
        // Only a scheduled rollout looks at the rollouts it waits for (planDriverStep).
        const waitsFor =
          snapshot.rollout.state !== 'scheduled' || snapshot.rollout.settings.waitsFor.length === 0
            ? []
            : (
                await tx.rollout.findMany({
                  where: { id: { in: [...snapshot.rollout.settings.waitsFor] } },
                  select: { id: true, state: true },
                })
              ).map((row) => ({ id: row.id, state: row.state }));
        const now = this.clock.now();
        const result = await decide(snapshot, waitsFor, now);
        await this.apply(tx, snapshot, result.changes, actor, now);
        const ttlMs = this.config.assignmentTtlMs;
        for (const job of result.jobs) {
          const attempt = await tx.rolloutHost.update({
            where: { id: job.host.id },
            data: { attempts: { increment: 1 } },
            select: { attempts: true },
          });
          const jobId = rolloutJobId(id, job.host.hostId, job.kind, attempt.attempts);
          await this.jobs.createInTransaction(
            tx,
            jobId,
            {
              hostId: job.host.hostId,
              kind: job.kind,
              component: snapshot.rollout.component,
              targetVersion: job.kind === 'upgrade' ? snapshot.rollout.targetVersion : null,
              artifact: job.artifact,
              ttlMs,
              rolloutId: id,
            },
            actor,
            sign,
          );
          await tx.rolloutHost.update({
            where: { id: job.host.id },
            data:
              job.kind === 'upgrade'
                ? {
                    state: 'dispatched',
                    jobId,
                    message: '',
                    dispatchedAt: now,
                    finishedAt: null,
                    waitingSince: null,
                    updatedAt: now,
                  }
                : { revertJobId: jobId, message: 'rollback requested', updatedAt: now },
          });
          await this.audit.record(
            tx,
            {
              actor,
              action: 'rollout.host_dispatched',
              targetType: 'rollout',
              targetId: id,
              details: {
                hostId: job.host.hostId,
                hostname: job.host.hostname,
                jobId,
                kind: job.kind,
                wave: job.host.waveIndex,
              },
            },
            now,
          );
        }
        if (result.jobs.length > 0) {
          await tx.rollout.update({ where: { id }, data: { updatedAt: now, revision: { increment: 1 } } });
        }
        return true;
      },
      { timeout: 60_000, maxWait: 30_000 },
    );
  }

  private async apply(
    tx: Transaction,
    snapshot: RolloutSnapshot,
    changes: RolloutChanges,
    actor: Actor,
    now: Date,
  ): Promise<void> {
    const id = snapshot.rollout.id;
    for (const [waveIndex, patch] of changes.waves) {
      await tx.rolloutWave.updateMany({ where: { rolloutId: id, waveIndex }, data: patch });
    }
    for (const [hostRowId, patch] of changes.hosts) {
      await tx.rolloutHost.update({ where: { id: hostRowId }, data: { ...patch, updatedAt: now } });
    }
    for (const approval of changes.approvals) {
      await tx.rolloutApproval.create({
        data: {
          id: randomUUID(),
          rolloutId: id,
          waveIndex: approval.waveIndex,
          actor: actor.id,
          decision: approval.decision,
          comment: approval.comment,
          createdAt: now,
        },
      });
    }
    const touched =
      Object.keys(changes.rollout).length > 0 ||
      changes.waves.size > 0 ||
      changes.hosts.size > 0 ||
      changes.approvals.length > 0;
    if (touched) {
      await tx.rollout.update({
        where: { id },
        data: { ...changes.rollout, updatedAt: now, revision: { increment: 1 } },
      });
    }
    for (const audit of changes.audits) {
      await this.audit.record(
        tx,
        {
          actor,
          action: audit.action,
          targetType: 'rollout',
          targetId: id,
          details: {
            component: snapshot.rollout.component,
            targetVersion: snapshot.rollout.targetVersion,
            ...audit.details,
          },
        },
        now,
      );
    }
    for (const notification of changes.notifications) {
      await this.notify(
        tx,
        id,
        snapshot.rollout.component,
        snapshot.rollout.targetVersion,
        now,
        notification,
      );
    }
  }

  private async notify(
    tx: Transaction,
    rolloutId: string,
    component: string,
    version: string,
    now: Date,
    notification: RolloutChanges['notifications'][number],
  ): Promise<void> {
    if (this.notifier === null) return;
    await this.notifier.enqueue(
      tx,
      {
        kind: notification.kind,
        title: notification.title,
        text: notification.text,
        componentName: component,
        rolloutId,
        version,
        dedupeKey: `rollout:${rolloutId}:${notification.key}`,
      },
      now,
    );
  }

  private async loadSnapshot(db: Transaction | PrismaClient, id: string): Promise<RolloutSnapshot | null> {
    const row = await db.rollout.findUnique({
      where: { id },
      include: {
        waves: { orderBy: { waveIndex: 'asc' } },
        hosts: {
          orderBy: { position: 'asc' },
          include: {
            host: { select: { groups: true, os: true, arch: true, lastSeenAt: true, status: true } },
          },
        },
        approvals: { select: { waveIndex: true, actor: true, decision: true } },
      },
    });
    if (row === null) return null;
    const onlineSince = this.clock.now().getTime() - this.config.hostOfflineAfterMs;
    return {
      rollout: {
        id: row.id,
        component: row.componentName,
        environment: row.environment,
        targetVersion: row.targetVersion,
        state: row.state,
        currentWave: row.currentWave,
        reason: row.reason,
        settings: row.settings as unknown as RolloutSettings,
        requiredApprovals: row.requiredApprovals,
        forbidSelfApproval: row.forbidSelfApproval,
        approvalBeforeStart: row.approvalBeforeStart,
        rollbackOnAbort: row.rollbackOnAbort,
        createdBy: row.createdBy,
        startedAt: row.startedAt,
      },
      waves: row.waves.map((wave) => ({
        index: wave.waveIndex,
        name: wave.name,
        state: wave.state,
        maxParallel: wave.maxParallel,
        bakeSeconds: wave.bakeSeconds,
        failureThreshold: wave.failureThreshold,
        approval: wave.approval,
        startedAt: wave.startedAt,
        bakeStartedAt: wave.bakeStartedAt,
      })),
      hosts: row.hosts.map((host) => ({
        id: host.id,
        hostId: host.hostId,
        hostname: host.hostname,
        groups: host.host.groups,
        os: host.host.os,
        arch: host.host.arch,
        waveIndex: host.waveIndex,
        position: host.position,
        state: host.state,
        revertJobId: host.revertJobId,
        waitingSince: host.waitingSince,
        finishedAt: host.finishedAt,
        online:
          host.host.status === 'active' &&
          host.host.lastSeenAt !== null &&
          host.host.lastSeenAt.getTime() >= onlineSince,
      })),
      approvals: row.approvals.map((approval) => ({
        waveIndex: approval.waveIndex,
        actor: approval.actor,
        decision: approval.decision,
      })),
    };
  }

  /** Breaking changes and advisories stored for a component, for the plan. */
  async componentNotes(component: string): Promise<{
    breakingChanges: { version: string; description: string }[];
    advisories: { id: string; severity: string; summary: string; fixedIn: string | null }[];
  }> {
    const found = await this.prisma.component.findUnique({
      where: { name: component },
      select: {
        breakingChanges: { select: { version: true, description: true } },
        advisories: { select: { externalId: true, severity: true, summary: true, fixedIn: true } },
      },
    });
    return {
      breakingChanges: found?.breakingChanges ?? [],
      advisories: (found?.advisories ?? []).map((advisory) => ({
        id: advisory.externalId,
        severity: advisory.severity,
        summary: advisory.summary,
        fixedIn: advisory.fixedIn,
      })),
    };
  }

  /** Active hosts with labels, groups and platform: what the planner selects from. */
  async candidateHosts(): Promise<
    {
      id: string;
      hostname: string;
      labels: Record<string, string>;
      groups: string[];
      os: string;
      arch: string;
    }[]
  > {
    const rows = await this.prisma.host.findMany({
      where: { status: 'active' },
      select: { id: true, hostname: true, labels: true, groups: true, os: true, arch: true },
    });
    return rows.map((row) => ({ ...row, labels: row.labels as Record<string, string> }));
  }
}
