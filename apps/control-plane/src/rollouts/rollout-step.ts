import { UpkeepError } from '@upkeep/errors';
import type { NotificationKind } from '../notifications/notification-event.ts';
import { failureLimit, transition, waveApprovalsRequired } from './rollout-planner.ts';
import type { RolloutHostState, RolloutSettings, RolloutState, WaveState } from './rollout.ts';

// The rollout's state machine as pure functions: a snapshot of the rows in, the changes to write out.
// The repository loads the snapshot under the rollout's row lock and writes the changes in that
// transaction, so what is decided here is decided once.

export interface StepRollout {
  readonly id: string;
  readonly component: string;
  readonly environment: string;
  readonly targetVersion: string;
  readonly state: RolloutState;
  readonly currentWave: number;
  readonly reason: string | null;
  readonly settings: RolloutSettings;
  readonly requiredApprovals: number;
  readonly forbidSelfApproval: boolean;
  /** Frozen from the plan: a submitted draft awaits approval (true) or is scheduled (false). */
  readonly approvalBeforeStart: boolean;
  readonly rollbackOnAbort: boolean;
  readonly createdBy: string;
  readonly startedAt: Date | null;
}

export interface StepWave {
  readonly index: number;
  readonly name: string;
  readonly state: WaveState;
  readonly maxParallel: number;
  readonly bakeSeconds: number;
  readonly failureThreshold: string;
  readonly approval: boolean;
  readonly startedAt: Date | null;
  readonly bakeStartedAt: Date | null;
}

export interface StepHost {
  /** The rollout_hosts row. */
  readonly id: string;
  readonly hostId: string;
  readonly hostname: string;
  readonly groups: readonly string[];
  readonly os: string;
  readonly arch: string;
  readonly waveIndex: number;
  readonly position: number;
  readonly state: RolloutHostState;
  readonly revertJobId: string | null;
  readonly waitingSince: Date | null;
  readonly finishedAt: Date | null;
  /** Heard from within UPKEEP_HOST_OFFLINE_AFTER_SECONDS. */
  readonly online: boolean;
}

export interface StepApproval {
  readonly waveIndex: number | null;
  readonly actor: string;
  readonly decision: 'approve' | 'reject';
}

export interface RolloutSnapshot {
  readonly rollout: StepRollout;
  readonly waves: readonly StepWave[];
  readonly hosts: readonly StepHost[];
  readonly approvals: readonly StepApproval[];
}

export interface RolloutChanges {
  rollout: {
    state?: RolloutState;
    currentWave?: number;
    reason?: string | null;
    startedAt?: Date;
    finishedAt?: Date | null;
    rollbackOnAbort?: boolean;
  };
  waves: Map<
    number,
    { state?: WaveState; startedAt?: Date | null; bakeStartedAt?: Date | null; finishedAt?: Date | null }
  >;
  hosts: Map<
    string,
    {
      state?: RolloutHostState;
      message?: string;
      waitingSince?: Date | null;
      finishedAt?: Date | null;
      revertJobId?: null;
    }
  >;
  approvals: { waveIndex: number | null; decision: 'approve' | 'reject'; comment: string }[];
  audits: { action: string; details: Record<string, unknown> }[];
  notifications: { kind: NotificationKind; title: string; text: string; key: string }[];
}

export function noChanges(): RolloutChanges {
  return { rollout: {}, waves: new Map(), hosts: new Map(), approvals: [], audits: [], notifications: [] };
}

export function hasChanges(changes: RolloutChanges): boolean {
  return (
    Object.keys(changes.rollout).length > 0 ||
    changes.waves.size > 0 ||
    changes.hosts.size > 0 ||
    changes.approvals.length > 0 ||
    changes.audits.length > 0
  );
}

function setWave(
  changes: RolloutChanges,
  index: number,
  patch: NonNullable<ReturnType<RolloutChanges['waves']['get']>>,
): void {
  changes.waves.set(index, { ...changes.waves.get(index), ...patch });
}

function setHost(
  changes: RolloutChanges,
  id: string,
  patch: NonNullable<ReturnType<RolloutChanges['hosts']['get']>>,
): void {
  changes.hosts.set(id, { ...changes.hosts.get(id), ...patch });
}

const FAILED_HOST_STATES: readonly RolloutHostState[] = ['failed', 'rolled_back'];
const FINISHED_HOST_STATES: readonly RolloutHostState[] = [
  'succeeded',
  'failed',
  'rolled_back',
  'skipped',
  'reverted',
];

function label(snapshot: RolloutSnapshot): string {
  return `${snapshot.rollout.component} ${snapshot.rollout.targetVersion} (${snapshot.rollout.environment})`;
}

function approvalsFor(snapshot: RolloutSnapshot, waveIndex: number | null): StepApproval[] {
  return snapshot.approvals.filter(
    (approval) => approval.waveIndex === waveIndex && approval.decision === 'approve',
  );
}

/** Hosts the driver must roll back now: upgraded, not yet reverted, in a tripped wave or an aborted rollout. */
export function hostsToRevert(snapshot: RolloutSnapshot, changes: RolloutChanges): StepHost[] {
  const rolloutState = changes.rollout.state ?? snapshot.rollout.state;
  const rollbackAll =
    (rolloutState === 'aborted' || rolloutState === 'failed') &&
    (changes.rollout.rollbackOnAbort ?? snapshot.rollout.rollbackOnAbort);
  const failedWaves = new Set(
    snapshot.waves
      .filter((wave) => (changes.waves.get(wave.index)?.state ?? wave.state) === 'failed')
      .map((wave) => wave.index),
  );
  return snapshot.hosts.filter((host) => {
    const state = changes.hosts.get(host.id)?.state ?? host.state;
    if (state !== 'succeeded' || host.revertJobId !== null) return false;
    return rollbackAll || (snapshot.rollout.settings.revertWaveOnFailure && failedWaves.has(host.waveIndex));
  });
}

export interface DriverContext {
  readonly now: Date;
  /** The rollouts this one waits for, as they are now (absent: no such rollout). */
  readonly waitsFor: readonly { readonly id: string; readonly state: RolloutState }[];
}

/** What the driver decided to do next; dispatch and promotion still need the guards' consent. */
export interface DriverStep {
  readonly changes: RolloutChanges;
  readonly dispatch: {
    readonly wave: StepWave;
    /** The next hosts in order, up to the free maxParallel slots. */
    readonly hosts: readonly StepHost[];
    /**
     * Every host of the wave that could go now (online, pending), in order; `hosts` is its prefix.
     * When guards hold some of `hosts` back, the driver fills the free slots from the rest of these.
     */
    readonly candidates: readonly StepHost[];
  } | null;
  readonly promote: { readonly wave: StepWave; readonly last: boolean } | null;
}

/**
 * One look at a rollout: start it when what it waits for completed, open the current wave (or ask for
 * its approval), trip its failure threshold, let offline hosts wait or give up on them, pick the next
 * hosts up to maxParallel, and once every host is done and the bake time has passed, promote.
 */
export function planDriverStep(snapshot: RolloutSnapshot, context: DriverContext): DriverStep {
  const changes = noChanges();
  const { rollout, waves, hosts } = snapshot;
  const now = context.now;
  const settings = rollout.settings;
  let state = rollout.state;
  if (state === 'scheduled') {
    const waiting = settings.waitsFor
      .map((id) => ({ id, state: context.waitsFor.find((other) => other.id === id)?.state ?? null }))
      .filter((other) => other.state !== 'completed');
    if (waiting.length > 0) {
      const reason = `waits for ${waiting.map((other) => `rollout ${other.id} (${other.state ?? 'not found'})`).join(', ')}`;
      if (rollout.reason !== reason) changes.rollout.reason = reason;
      return { changes, dispatch: null, promote: null };
    }
    state = 'running';
    changes.rollout = { state, startedAt: now, reason: null, currentWave: rollout.currentWave };
    changes.audits.push({ action: 'rollout.started', details: { from: 'scheduled' } });
  }
  if (state !== 'running') return { changes, dispatch: null, promote: null };

  const wave = waves.find((candidate) => candidate.index === rollout.currentWave);
  if (wave === undefined) {
    changes.rollout = { ...changes.rollout, state: 'completed', finishedAt: now, reason: null };
    changes.audits.push({ action: 'rollout.completed', details: {} });
    changes.notifications.push({
      kind: 'rollout_completed',
      title: `Rollout of ${label(snapshot)} completed`,
      text: 'every wave completed',
      key: 'completed',
    });
    return { changes, dispatch: null, promote: null };
  }
  let waveState = wave.state;
  let waveStartedAt = wave.startedAt;
  if (waveState === 'pending' || waveState === 'awaiting_approval') {
    const required = waveApprovalsRequired(rollout.requiredApprovals);
    const given = approvalsFor(snapshot, wave.index).length;
    if (wave.approval && given < required) {
      if (waveState === 'pending') {
        setWave(changes, wave.index, { state: 'awaiting_approval' });
        changes.rollout.reason = `wave ${wave.name} awaits approval (${given}/${required})`;
        changes.audits.push({
          action: 'rollout.approval_requested',
          details: { wave: wave.index, required },
        });
        changes.notifications.push({
          kind: 'approval_required',
          title: `Rollout of ${label(snapshot)}: wave ${wave.name} needs approval`,
          text: `${required} approval(s) needed before wave ${wave.name} starts`,
          key: `approval-wave-${wave.index}`,
        });
      }
      return { changes, dispatch: null, promote: null };
    }
    waveState = 'running';
    waveStartedAt = now;
    setWave(changes, wave.index, { state: 'running', startedAt: now });
    if (rollout.reason !== null) changes.rollout.reason = null;
    changes.audits.push({ action: 'rollout.wave_started', details: { wave: wave.index, name: wave.name } });
  }
  const waveHosts = hosts
    .filter((host) => host.waveIndex === wave.index)
    .sort((a, b) => a.position - b.position);
  if (waveState === 'running') {
    // Failures before the wave (re)started were accepted by whoever resumed it.
    const since = waveStartedAt ?? new Date(0);
    const failures = waveHosts.filter(
      (host) =>
        FAILED_HOST_STATES.includes(host.state) && (host.finishedAt === null || host.finishedAt >= since),
    ).length;
    const limit = failureLimit(wave.failureThreshold, waveHosts.length);
    if (failures >= limit) {
      const reason = `wave ${wave.name}: ${failures} failed host(s) reached the failure threshold ${wave.failureThreshold}`;
      setWave(changes, wave.index, { state: 'failed', finishedAt: now });
      if (settings.onFailure === 'pause') {
        changes.rollout = { ...changes.rollout, state: 'paused', reason };
        changes.audits.push({ action: 'rollout.paused', details: { wave: wave.index, failures, reason } });
        changes.notifications.push({
          kind: 'rollout_paused',
          title: `Rollout of ${label(snapshot)} paused`,
          text: reason,
          key: `paused-${wave.index}-${now.getTime()}`,
        });
      } else {
        changes.rollout = { ...changes.rollout, state: 'failed', reason, finishedAt: now };
        changes.audits.push({
          action: 'rollout.aborted',
          details: { wave: wave.index, failures, reason, automatic: true },
        });
        changes.notifications.push({
          kind: 'rollout_aborted',
          title: `Rollout of ${label(snapshot)} aborted`,
          text: reason,
          key: 'aborted',
        });
      }
      return { changes, dispatch: null, promote: null };
    }
    const inFlight = waveHosts.filter((host) => host.state === 'dispatched').length;
    let slots = wave.maxParallel - inFlight;
    const toDispatch: StepHost[] = [];
    const candidates: StepHost[] = [];
    let waiting = 0;
    const deadlineMs = settings.offline.deadlineSeconds * 1000;
    for (const host of waveHosts) {
      if (host.state !== 'pending' && host.state !== 'waiting_offline') continue;
      if (!host.online) {
        const since = host.waitingSince ?? now;
        if (now.getTime() - since.getTime() >= deadlineMs) {
          setHost(changes, host.id, {
            state: settings.offline.countAs,
            message: `offline for more than ${settings.offline.deadlineSeconds}s at its turn`,
            finishedAt: now,
          });
        } else {
          waiting += 1;
          if (host.state !== 'waiting_offline') {
            setHost(changes, host.id, {
              state: 'waiting_offline',
              waitingSince: now,
              message: `offline; waits up to ${settings.offline.deadlineSeconds}s`,
            });
          }
        }
        continue;
      }
      candidates.push(host);
      if (slots > 0) {
        toDispatch.push(host);
        slots -= 1;
      } else {
        waiting += 1;
      }
    }
    if (toDispatch.length > 0)
      return { changes, dispatch: { wave, hosts: toDispatch, candidates }, promote: null };
    const done = waveHosts.every((host) =>
      FINISHED_HOST_STATES.includes(changes.hosts.get(host.id)?.state ?? host.state),
    );
    if (!done || waiting > 0) return { changes, dispatch: null, promote: null };
    waveState = 'baking';
    setWave(changes, wave.index, { state: 'baking', bakeStartedAt: now });
    if (wave.bakeSeconds > 0) {
      changes.audits.push({
        action: 'rollout.wave_baking',
        details: {
          wave: wave.index,
          name: wave.name,
          bakeSeconds: wave.bakeSeconds,
          until: new Date(now.getTime() + wave.bakeSeconds * 1000).toISOString(),
        },
      });
      return { changes, dispatch: null, promote: null };
    }
  }
  if (waveState === 'baking') {
    // Hosts must stay healthy through the bake: one that stopped reporting counts as failed.
    const gone = waveHosts.filter((host) => host.state === 'succeeded' && !host.online);
    if (gone.length > 0) {
      for (const host of gone) {
        setHost(changes, host.id, {
          state: 'failed',
          message: 'stopped reporting while the wave baked',
          finishedAt: now,
        });
      }
      setWave(changes, wave.index, { state: 'running', bakeStartedAt: null });
      changes.audits.push({
        action: 'rollout.bake_interrupted',
        details: { wave: wave.index, name: wave.name, silentHosts: gone.map((host) => host.hostname) },
      });
      return { changes, dispatch: null, promote: null };
    }
    const bakeStarted = changes.waves.get(wave.index)?.bakeStartedAt ?? wave.bakeStartedAt ?? now;
    if (now.getTime() < bakeStarted.getTime() + wave.bakeSeconds * 1000)
      return { changes, dispatch: null, promote: null };
    return {
      changes,
      dispatch: null,
      promote: { wave, last: wave.index === Math.max(...waves.map((w) => w.index)) },
    };
  }
  return { changes, dispatch: null, promote: null };
}

/** The wave passed its bake and the guards: complete it and move on (or complete the rollout). */
export function promoteChanges(snapshot: RolloutSnapshot, step: DriverStep, now: Date): void {
  if (step.promote === null) return;
  const { wave, last } = step.promote;
  const changes = step.changes;
  setWave(changes, wave.index, { state: 'completed', finishedAt: now });
  changes.audits.push({ action: 'rollout.wave_completed', details: { wave: wave.index, name: wave.name } });
  if (last) {
    changes.rollout = { ...changes.rollout, state: 'completed', finishedAt: now, reason: null };
    changes.audits.push({ action: 'rollout.completed', details: {} });
    const failed = snapshot.hosts.filter((host) => FAILED_HOST_STATES.includes(host.state)).length;
    changes.notifications.push({
      kind: 'rollout_completed',
      title: `Rollout of ${label(snapshot)} completed`,
      text: `${snapshot.hosts.filter((host) => host.state === 'succeeded').length} host(s) upgraded, ${failed} failed`,
      key: 'completed',
    });
  } else {
    changes.rollout = { ...changes.rollout, currentWave: wave.index + 1, reason: null };
  }
}

/** The reason a draft carries until it is submitted. */
export const DRAFT_REASON = 'draft: nothing is dispatched until it is submitted';

/** What a rollout that waits for approvals before its start says, and the notification it sends once. */
export function awaitingApproval(
  rollout: Pick<StepRollout, 'component' | 'targetVersion' | 'environment' | 'requiredApprovals'>,
): { reason: string; notification: RolloutChanges['notifications'][number] } {
  return {
    reason: `awaits approval (0/${rollout.requiredApprovals})`,
    notification: {
      kind: 'approval_required',
      title: `Rollout of ${rollout.component} ${rollout.targetVersion} (${rollout.environment}) needs approval`,
      text: `${rollout.requiredApprovals} approval(s) needed before it starts`,
      key: 'approval',
    },
  };
}

// ---- operator actions ----

/** A draft goes where its frozen plan says: awaiting approval before the start, else scheduled. */
export function submitChanges(snapshot: RolloutSnapshot): RolloutChanges {
  const { rollout } = snapshot;
  transition(rollout.state, 'submit');
  const changes = noChanges();
  if (rollout.approvalBeforeStart) {
    const waiting = awaitingApproval(rollout);
    changes.rollout = { state: 'awaiting_approval', reason: waiting.reason };
    changes.notifications.push(waiting.notification);
  } else {
    changes.rollout = { state: 'scheduled', reason: null };
  }
  changes.audits.push({
    action: 'rollout.submitted',
    details: { from: rollout.state, to: changes.rollout.state, requiredApprovals: rollout.requiredApprovals },
  });
  return changes;
}

export function approveChanges(
  snapshot: RolloutSnapshot,
  actor: string,
  decision: 'approve' | 'reject',
  comment: string,
  waveIndex: number | null,
  now: Date,
): RolloutChanges {
  const { rollout } = snapshot;
  transition(rollout.state, decision);
  const wave = waveIndex === null ? null : snapshot.waves.find((candidate) => candidate.index === waveIndex);
  if (wave === undefined)
    throw new UpkeepError('NOT_FOUND', `rollout ${rollout.id} has no wave ${String(waveIndex)}`);
  if (wave === null && rollout.state !== 'awaiting_approval') {
    throw new UpkeepError('CONFLICT', `cannot ${decision} a rollout that is ${rollout.state}`, {
      details: { state: rollout.state, action: decision },
      hint: 'pass the wave that awaits approval, or approve while the rollout is awaiting_approval',
    });
  }
  if (wave !== null && !wave.approval) {
    throw new UpkeepError('CONFLICT', `wave ${wave.name} of rollout ${rollout.id} does not need approval`);
  }
  if (wave !== null && wave.state !== 'pending' && wave.state !== 'awaiting_approval') {
    throw new UpkeepError('CONFLICT', `cannot ${decision} wave ${wave.name}: it is ${wave.state}`, {
      details: { state: wave.state, action: decision },
    });
  }
  if (rollout.forbidSelfApproval && actor === rollout.createdBy && decision === 'approve') {
    throw new UpkeepError('FORBIDDEN', 'forbid_self_approval: the creator of a rollout may not approve it', {
      details: { rule: 'forbid_self_approval' },
      hint: 'another approver must approve it',
    });
  }
  if (snapshot.approvals.some((approval) => approval.waveIndex === waveIndex && approval.actor === actor)) {
    throw new UpkeepError(
      'CONFLICT',
      `${actor} already decided on this ${wave === null ? 'rollout' : `wave ${wave.name}`}`,
    );
  }
  const changes = noChanges();
  changes.approvals.push({ waveIndex, decision, comment });
  const scope = wave === null ? {} : { wave: wave.index };
  if (decision === 'reject') {
    const reason = `rejected by ${actor}${comment === '' ? '' : `: ${comment}`}`;
    changes.rollout = { state: 'aborted', reason, finishedAt: now };
    changes.audits.push({ action: 'rollout.rejected', details: { ...scope, comment } });
    changes.notifications.push({
      kind: 'rollout_aborted',
      title: `Rollout of ${label(snapshot)} rejected`,
      text: reason,
      key: 'aborted',
    });
    return changes;
  }
  changes.audits.push({ action: 'rollout.approved', details: { ...scope, comment } });
  const given = approvalsFor(snapshot, waveIndex).length + 1;
  if (wave === null) {
    if (given >= rollout.requiredApprovals) changes.rollout = { state: 'scheduled', reason: null };
    else changes.rollout = { reason: `awaits approval (${given}/${rollout.requiredApprovals})` };
  } else if (wave.state === 'awaiting_approval') {
    const required = waveApprovalsRequired(rollout.requiredApprovals);
    changes.rollout = {
      reason: given >= required ? null : `wave ${wave.name} awaits approval (${given}/${required})`,
    };
  }
  return changes;
}

export function pauseChanges(snapshot: RolloutSnapshot, now: Date): RolloutChanges {
  const next = transition(snapshot.rollout.state, 'pause');
  const changes = noChanges();
  changes.rollout = { state: next ?? 'paused', reason: 'paused by an operator' };
  changes.audits.push({
    action: 'rollout.paused',
    details: { from: snapshot.rollout.state, at: now.toISOString() },
  });
  changes.notifications.push({
    kind: 'rollout_paused',
    title: `Rollout of ${label(snapshot)} paused`,
    text: 'paused by an operator',
    key: `paused-${now.getTime()}`,
  });
  return changes;
}

export function resumeChanges(snapshot: RolloutSnapshot, now: Date): RolloutChanges {
  transition(snapshot.rollout.state, 'resume');
  const changes = noChanges();
  changes.rollout = { state: snapshot.rollout.startedAt === null ? 'scheduled' : 'running', reason: null };
  const wave = snapshot.waves.find((candidate) => candidate.index === snapshot.rollout.currentWave);
  // Resuming a tripped wave accepts its failures so far: the threshold counts from now.
  if (
    wave !== undefined &&
    (wave.state === 'failed' || wave.state === 'reverted' || wave.state === 'running')
  ) {
    setWave(changes, wave.index, { state: 'running', startedAt: now, finishedAt: null });
  }
  changes.audits.push({ action: 'rollout.resumed', details: { from: snapshot.rollout.state } });
  return changes;
}

export function abortChanges(
  snapshot: RolloutSnapshot,
  actor: string,
  rollback: boolean | undefined,
  now: Date,
): RolloutChanges {
  transition(snapshot.rollout.state, 'abort');
  const changes = noChanges();
  const rollbackOnAbort = rollback ?? snapshot.rollout.settings.rollbackOnAbort;
  const reason = `aborted by ${actor}${rollbackOnAbort ? '; upgraded hosts are rolled back' : ''}`;
  changes.rollout = { state: 'aborted', reason, finishedAt: now, rollbackOnAbort };
  changes.audits.push({
    action: 'rollout.aborted',
    details: { from: snapshot.rollout.state, rollback: rollbackOnAbort },
  });
  changes.notifications.push({
    kind: 'rollout_aborted',
    title: `Rollout of ${label(snapshot)} aborted`,
    text: reason,
    key: 'aborted',
  });
  return changes;
}

/** Failed, rolled-back and reverted hosts of the waves so far go back to pending; the earliest wave restarts. */
export function retryFailedChanges(snapshot: RolloutSnapshot, now: Date): RolloutChanges {
  transition(snapshot.rollout.state, 'retry-failed');
  const current = snapshot.rollout.currentWave;
  const retried = snapshot.hosts.filter(
    (host) =>
      host.waveIndex <= current && (FAILED_HOST_STATES.includes(host.state) || host.state === 'reverted'),
  );
  if (retried.length === 0) {
    throw new UpkeepError('CONFLICT', `rollout ${snapshot.rollout.id} has no failed hosts to retry`);
  }
  const changes = noChanges();
  for (const host of retried) {
    setHost(changes, host.id, {
      state: 'pending',
      message: 'retry requested',
      waitingSince: null,
      finishedAt: null,
      revertJobId: null,
    });
  }
  const first = Math.min(...retried.map((host) => host.waveIndex));
  for (const wave of snapshot.waves) {
    if (wave.index < first || wave.index > current) continue;
    setWave(changes, wave.index, {
      state: wave.index === first ? 'running' : 'pending',
      startedAt: wave.index === first ? now : null,
      bakeStartedAt: null,
      finishedAt: null,
    });
  }
  changes.rollout = {
    state: 'running',
    currentWave: first,
    reason: null,
    finishedAt: null,
    ...(snapshot.rollout.startedAt === null ? { startedAt: now } : {}),
  };
  changes.audits.push({
    action: 'rollout.retry_failed',
    details: { hosts: retried.map((host) => host.hostId), wave: first },
  });
  return changes;
}
