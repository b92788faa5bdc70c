import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { BUILTIN_ROLLOUT_DEFAULTS } from './rollout-planner.ts';
import {
  abortChanges,
  approveChanges,
  hasChanges,
  hostsToRevert,
  planDriverStep,
  promoteChanges,
  resumeChanges,
  retryFailedChanges,
  submitChanges,
  type RolloutSnapshot,
  type StepHost,
  type StepWave,
} from './rollout-step.ts';
import type { RolloutHostState, RolloutState, WaveState } from './rollout.ts';

const NOW = new Date('2026-11-24T12:00:00Z');
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

function wave(index: number, state: WaveState, extra: Partial<StepWave> = {}): StepWave {
  return {
    index,
    name: `w${index}`,
    state,
    maxParallel: 2,
    bakeSeconds: 0,
    failureThreshold: '1',
    approval: false,
    startedAt: state === 'pending' ? null : at(-60),
    bakeStartedAt: null,
    ...extra,
  };
}

function host(
  n: number,
  waveIndex: number,
  state: RolloutHostState,
  extra: Partial<StepHost> = {},
): StepHost {
  return {
    id: `row-${n}`,
    hostId: `host-${n}`,
    hostname: `h-${n}`,
    groups: [],
    os: 'linux',
    arch: 'amd64',
    waveIndex,
    position: n,
    state,
    revertJobId: null,
    waitingSince: null,
    finishedAt: state === 'pending' || state === 'dispatched' ? null : at(-1),
    online: true,
    ...extra,
  };
}

function snapshot(
  state: RolloutState,
  waves: readonly StepWave[],
  hosts: readonly StepHost[],
  extra: Partial<RolloutSnapshot['rollout']> = {},
): RolloutSnapshot {
  return {
    rollout: {
      id: 'r',
      component: 'node_exporter',
      environment: 'prod',
      targetVersion: '1.8.0',
      state,
      currentWave: 0,
      reason: null,
      settings: { ...BUILTIN_ROLLOUT_DEFAULTS, offline: { deadlineSeconds: 60, countAs: 'failed' } },
      requiredApprovals: 0,
      forbidSelfApproval: true,
      approvalBeforeStart: false,
      rollbackOnAbort: false,
      createdBy: 'alice',
      startedAt: at(-60),
      ...extra,
    },
    waves,
    hosts,
    approvals: [],
  };
}

describe('the driver step', () => {
  it('starts a scheduled rollout only once what it waits for completed', () => {
    const s = snapshot('scheduled', [wave(0, 'pending')], [host(1, 0, 'pending')], {
      settings: { ...BUILTIN_ROLLOUT_DEFAULTS, waitsFor: ['other'] },
      startedAt: null,
    });
    const held = planDriverStep(s, { now: NOW, waitsFor: [{ id: 'other', state: 'running' }] });
    expect(held.changes.rollout.reason).toBe('waits for rollout other (running)');
    expect(held.dispatch).toBeNull();
    const started = planDriverStep(s, { now: NOW, waitsFor: [{ id: 'other', state: 'completed' }] });
    expect(started.changes.rollout.state).toBe('running');
    expect(started.dispatch?.hosts.map((h) => h.hostname)).toEqual(['h-1']);
  });

  it('fills maxParallel slots in position order and waits for offline hosts up to the deadline', () => {
    const s = snapshot(
      'running',
      [wave(0, 'running', { maxParallel: 3 })],
      [
        host(1, 0, 'dispatched'),
        host(2, 0, 'pending', { online: false }),
        host(3, 0, 'pending'),
        host(4, 0, 'pending'),
        host(5, 0, 'pending'),
        host(6, 0, 'waiting_offline', { online: false, waitingSince: at(-61) }),
      ],
    );
    const step = planDriverStep(s, { now: NOW, waitsFor: [] });
    expect(step.dispatch?.hosts.map((h) => h.hostname)).toEqual(['h-3', 'h-4']);
    // Every online pending host is a candidate, so guards holding h-3 back let h-5 take its slot.
    expect(step.dispatch?.candidates.map((h) => h.hostname)).toEqual(['h-3', 'h-4', 'h-5']);
    expect(step.changes.hosts.get('row-2')).toMatchObject({ state: 'waiting_offline', waitingSince: NOW });
    expect(step.changes.hosts.get('row-6')).toMatchObject({ state: 'failed' });
  });

  it('trips the threshold: pauses, fails the wave and reverts its upgraded hosts', () => {
    const s = snapshot(
      'running',
      [wave(0, 'running', { maxParallel: 3 }), wave(1, 'pending')],
      [host(1, 0, 'rolled_back'), host(2, 0, 'succeeded'), host(3, 0, 'dispatched'), host(4, 1, 'pending')],
    );
    const step = planDriverStep(s, { now: NOW, waitsFor: [] });
    expect(step.changes.rollout).toMatchObject({ state: 'paused' });
    expect(step.changes.rollout.reason).toContain('failure threshold 1');
    expect(step.changes.waves.get(0)?.state).toBe('failed');
    expect(step.dispatch).toBeNull();
    expect(step.changes.notifications.map((n) => n.kind)).toEqual(['rollout_paused']);
    expect(hostsToRevert(s, step.changes).map((h) => h.hostname)).toEqual(['h-2']);
  });

  it('fails instead with onFailure abort; failures before a resume do not count', () => {
    const settings = { ...BUILTIN_ROLLOUT_DEFAULTS, onFailure: 'abort' as const };
    const hosts = [host(1, 0, 'failed', { finishedAt: at(-30) }), host(2, 0, 'pending')];
    const tripped = planDriverStep(snapshot('running', [wave(0, 'running')], hosts, { settings }), {
      now: NOW,
      waitsFor: [],
    });
    expect(tripped.changes.rollout.state).toBe('failed');
    const resumed = planDriverStep(
      snapshot('running', [wave(0, 'running', { startedAt: at(-10) })], hosts, { settings }),
      { now: NOW, waitsFor: [] },
    );
    expect(resumed.dispatch?.hosts.map((h) => h.hostname)).toEqual(['h-2']);
  });

  it('bakes, then promotes to the next wave, then completes', () => {
    const s = snapshot(
      'running',
      [wave(0, 'running', { bakeSeconds: 60 }), wave(1, 'pending')],
      [host(1, 0, 'succeeded'), host(2, 0, 'skipped'), host(3, 1, 'pending')],
    );
    const baking = planDriverStep(s, { now: NOW, waitsFor: [] });
    expect(baking.changes.waves.get(0)).toMatchObject({ state: 'baking', bakeStartedAt: NOW });
    expect(baking.changes.audits).toContainEqual({
      action: 'rollout.wave_baking',
      details: expect.objectContaining({
        wave: 0,
        bakeSeconds: 60,
        until: new Date(NOW.getTime() + 60_000).toISOString(),
      }) as unknown,
    });
    expect(baking.promote).toBeNull();
    const baked = snapshot(
      'running',
      [wave(0, 'baking', { bakeSeconds: 60, bakeStartedAt: at(-61) }), wave(1, 'pending')],
      s.hosts,
    );
    const step = planDriverStep(baked, { now: NOW, waitsFor: [] });
    expect(step.promote).toMatchObject({ last: false });
    promoteChanges(baked, step, NOW);
    expect(step.changes.rollout.currentWave).toBe(1);
    expect(step.changes.waves.get(0)?.state).toBe('completed');
    const lastWave = snapshot(
      'running',
      [wave(0, 'completed'), wave(1, 'running')],
      [host(3, 1, 'succeeded')],
      {
        currentWave: 1,
      },
    );
    const last = planDriverStep(lastWave, { now: NOW, waitsFor: [] });
    promoteChanges(lastWave, last, NOW);
    expect(last.changes.rollout.state).toBe('completed');
    expect(last.changes.notifications.map((n) => n.kind)).toEqual(['rollout_completed']);
  });

  it('fails a host that stopped reporting while its wave baked', () => {
    const s = snapshot(
      'running',
      [wave(0, 'baking', { bakeSeconds: 600, bakeStartedAt: at(-10) })],
      [host(1, 0, 'succeeded', { online: false }), host(2, 0, 'succeeded')],
    );
    const step = planDriverStep(s, { now: NOW, waitsFor: [] });
    expect(step.changes.hosts.get('row-1')).toMatchObject({ state: 'failed' });
    expect(step.changes.waves.get(0)).toMatchObject({ state: 'running' });
    expect(step.changes.audits).toContainEqual({
      action: 'rollout.bake_interrupted',
      details: expect.objectContaining({ wave: 0, silentHosts: ['h-1'] }) as unknown,
    });
    expect(step.promote).toBeNull();
  });

  it('holds a wave that needs approval and asks once', () => {
    const s = snapshot('running', [wave(0, 'pending', { approval: true })], [host(1, 0, 'pending')]);
    const step = planDriverStep(s, { now: NOW, waitsFor: [] });
    expect(step.changes.waves.get(0)?.state).toBe('awaiting_approval');
    expect(step.changes.notifications.map((n) => n.kind)).toEqual(['approval_required']);
    const again = planDriverStep(
      snapshot('running', [wave(0, 'awaiting_approval', { approval: true })], [host(1, 0, 'pending')]),
      { now: NOW, waitsFor: [] },
    );
    expect(again.changes.notifications).toEqual([]);
    const approved = {
      ...snapshot('running', [wave(0, 'awaiting_approval', { approval: true })], [host(1, 0, 'pending')]),
      approvals: [{ waveIndex: 0, actor: 'bob', decision: 'approve' as const }],
    };
    expect(planDriverStep(approved, { now: NOW, waitsFor: [] }).dispatch?.hosts).toHaveLength(1);
  });
});

describe('operator actions', () => {
  const waiting = snapshot('awaiting_approval', [wave(0, 'pending')], [host(1, 0, 'pending')], {
    requiredApprovals: 2,
    startedAt: null,
  });

  function refusal(action: () => unknown): { code: string; message: string } {
    try {
      action();
    } catch (error) {
      if (isUpkeepError(error)) return { code: error.code, message: error.message };
    }
    throw new Error('expected a refusal');
  }

  it('counts approvals, refuses self-approval and repeats', () => {
    expect(refusal(() => approveChanges(waiting, 'alice', 'approve', '', null, NOW))).toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('forbid_self_approval') as string,
    });
    expect(approveChanges(waiting, 'bob', 'approve', 'ok', null, NOW).rollout).toEqual({
      reason: 'awaits approval (1/2)',
    });
    const once = { ...waiting, approvals: [{ waveIndex: null, actor: 'bob', decision: 'approve' as const }] };
    expect(refusal(() => approveChanges(once, 'bob', 'approve', '', null, NOW)).code).toBe('CONFLICT');
    expect(approveChanges(once, 'carol', 'approve', '', null, NOW).rollout).toEqual({
      state: 'scheduled',
      reason: null,
    });
    expect(approveChanges(waiting, 'bob', 'reject', 'no', null, NOW).rollout).toMatchObject({
      state: 'aborted',
    });
  });

  it('submits a draft where its plan says, once; the driver leaves a draft alone', () => {
    const draft = snapshot('draft', [wave(0, 'pending')], [host(1, 0, 'pending')], { startedAt: null });
    expect(planDriverStep(draft, { now: NOW, waitsFor: [] })).toMatchObject({
      dispatch: null,
      promote: null,
    });
    expect(hasChanges(planDriverStep(draft, { now: NOW, waitsFor: [] }).changes)).toBe(false);
    const scheduled = submitChanges(draft);
    expect(scheduled.rollout).toEqual({ state: 'scheduled', reason: null });
    expect(scheduled.notifications).toEqual([]);
    expect(scheduled.audits).toEqual([
      {
        action: 'rollout.submitted',
        details: { from: 'draft', to: 'scheduled', requiredApprovals: 0 },
      },
    ]);
    const gated = {
      ...draft,
      rollout: { ...draft.rollout, requiredApprovals: 2, approvalBeforeStart: true },
    };
    const waiting = submitChanges(gated);
    expect(waiting.rollout).toEqual({ state: 'awaiting_approval', reason: 'awaits approval (0/2)' });
    expect(waiting.notifications).toMatchObject([{ kind: 'approval_required', key: 'approval' }]);
    expect(
      refusal(() => submitChanges({ ...draft, rollout: { ...draft.rollout, state: 'scheduled' } })),
    ).toEqual({ code: 'CONFLICT', message: 'cannot submit a rollout that is scheduled' });
    expect(refusal(() => approveChanges(gated, 'bob', 'approve', '', null, NOW))).toMatchObject({
      code: 'CONFLICT',
      message: 'cannot approve a rollout that is draft',
    });
  });

  it('aborts with rollback of every upgraded host, and retries failed hosts from their earliest wave', () => {
    const s = snapshot(
      'paused',
      [wave(0, 'completed'), wave(1, 'failed')],
      [host(1, 0, 'succeeded'), host(2, 0, 'failed'), host(3, 1, 'reverted'), host(4, 1, 'pending')],
      { currentWave: 1 },
    );
    const aborted = abortChanges(s, 'alice', true, NOW);
    expect(aborted.rollout).toMatchObject({ state: 'aborted', rollbackOnAbort: true });
    expect(hostsToRevert(s, aborted).map((h) => h.hostname)).toEqual(['h-1']);
    const retried = retryFailedChanges(s, NOW);
    expect([...retried.hosts.keys()]).toEqual(['row-2', 'row-3']);
    expect(retried.rollout).toMatchObject({ state: 'running', currentWave: 0 });
    expect(retried.waves.get(0)?.state).toBe('running');
    expect(retried.waves.get(1)?.state).toBe('pending');
    expect(resumeChanges(s, NOW).waves.get(1)).toMatchObject({ state: 'running', startedAt: NOW });
    expect(
      refusal(() => resumeChanges({ ...s, rollout: { ...s.rollout, state: 'completed' } }, NOW)),
    ).toMatchObject({
      code: 'CONFLICT',
      message: 'cannot resume a rollout that is completed',
    });
  });
});
