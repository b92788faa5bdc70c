import { describe, expect, it } from 'vitest';
import type { RolloutGuardContext } from '../rollouts/rollout-guard.ts';
import { OrderGuard } from './order.guard.ts';
import type { RolloutFactsPort, RolloutStanding } from './rollout-facts.ts';

function facts(rollouts: RolloutStanding[]): RolloutFactsPort {
  return {
    factsOf: async () => Promise.resolve(undefined),
    standingOf: async (ids) => Promise.resolve(rollouts.filter((rollout) => ids.includes(rollout.id))),
  };
}

const loki = (state: string): RolloutStanding => ({
  id: 'loki-rollout',
  componentName: 'loki',
  environment: 'production',
  targetVersion: '3.0.0',
  state,
});

const now = new Date('2026-11-24T12:00:00Z');

function context(waitsFor: string[]): RolloutGuardContext {
  return {
    rolloutId: 'promtail-rollout',
    componentName: 'promtail',
    environment: 'production',
    targetVersion: '3.0.0',
    phase: 'dispatch',
    waveIndex: 0,
    waveName: 'canary',
    hosts: [],
    expectedDurationMs: 0,
    waitsFor,
    now,
  };
}

describe('OrderGuard', () => {
  it('lets a rollout without waitsFor go', async () => {
    expect(await new OrderGuard(facts([])).check(context([]))).toEqual({ ok: true });
  });

  it('holds promtail until the Loki rollout is completed', async () => {
    expect(await new OrderGuard(facts([loki('running')])).check(context(['loki-rollout']))).toEqual({
      ok: false,
      reason: 'waits for loki 3.0.0 in production (rollout loki-rollout) is running',
      retryAt: new Date(now.getTime() + 30_000),
    });
    expect(await new OrderGuard(facts([loki('completed')])).check(context(['loki-rollout']))).toEqual({
      ok: true,
    });
  });

  it.each(['aborted', 'failed'])('says a %s rollout will not complete by itself', async (state) => {
    const verdict = await new OrderGuard(facts([loki(state)])).check(context(['loki-rollout']));
    expect(verdict).toEqual({
      ok: false,
      reason: `waits for loki 3.0.0 in production (rollout loki-rollout) is ${state}; it will not complete by itself`,
    });
  });

  it('names a rollout that does not exist', async () => {
    const verdict = await new OrderGuard(facts([loki('completed')])).check(context(['loki-rollout', 'gone']));
    expect(verdict.ok).toBe(false);
    if (!verdict.ok)
      expect(verdict.reason).toBe(
        'waits for rollout gone, which does not exist; it will not complete by itself',
      );
  });
});
