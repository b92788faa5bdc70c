import { describe, expect, it } from 'vitest';
import { loadPolicyConfig } from '@upkeep/policy';
import type { RolloutGuardContext } from '../rollouts/rollout-guard.ts';
import { MaintenanceWindowGuard } from './maintenance-window.guard.ts';
import type { RolloutFactsPort } from './rollout-facts.ts';

const policy = loadPolicyConfig(`
components:
  app: { github_repo: acme/app }
environments:
  production: {}
  staging: {}
upgrade_policies:
  maintenance_windows:
    enabled: true
    group_timezones: { paris: Europe/Paris }
    windows:
      - { day: sunday, start_time: "02:00", end_time: "04:00", groups: [paris, edge] }
      - { day: sunday, start_time: "01:00", end_time: "09:00", groups: [edge] }
      - { day: tuesday, start_time: "10:00", end_time: "10:30", environments: [production], groups: [db] }
      - { day: sunday, start_time: "00:00", end_time: "02:00", allowed_operations: [rollback], groups: [db] }
`);

function facts(maintenanceWindow = false): RolloutFactsPort {
  return {
    factsOf: async () => Promise.resolve({ gates: [], maintenanceWindow }),
    standingOf: async () => Promise.resolve([]),
  };
}

function context(
  now: string,
  groups: string[][],
  expectedMinutes = 30,
  environment = 'production',
): RolloutGuardContext {
  return {
    rolloutId: 'r1',
    componentName: 'app',
    environment,
    targetVersion: '1.1.0',
    phase: 'dispatch',
    waveIndex: 0,
    waveName: 'canary',
    hosts: groups.map((g, index) => ({ id: String(index), hostname: `h${String(index)}`, groups: g })),
    expectedDurationMs: expectedMinutes * 60_000,
    waitsFor: [],
    now: new Date(now),
  };
}

describe('MaintenanceWindowGuard', () => {
  const guard = new MaintenanceWindowGuard(policy, facts());

  it('lets a wave start inside the window of its group, in the group time zone', async () => {
    // Sunday 2024-06-02 02:30 in Paris is 00:30Z.
    expect(await guard.check(context('2024-06-02T00:30:00Z', [['paris']]))).toEqual({ ok: true });
  });

  it('holds a host outside its windows until the next opening', async () => {
    const verdict = await guard.check(context('2024-06-02T03:30:00Z', [['paris']]));
    expect(verdict).toEqual({
      ok: false,
      reason:
        'maintenance windows are enabled: h0: outside its maintenance windows; the next window long enough opens at 2024-06-09T00:00:00.000Z (sunday 02:00-04:00 Europe/Paris)',
      retryAt: new Date('2024-06-09T00:00:00.000Z'),
    });
  });

  it('holds a wave that cannot finish before the window closes, until one long enough opens', async () => {
    // Tuesday 10:10 UTC: the 30 minute window closes at 10:30, the wave needs 25 minutes.
    const verdict = await guard.check(context('2024-06-04T10:10:00Z', [['db']], 25));
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.reason).toContain(
      'the wave needs about 25 min but tuesday 10:00-10:30 UTC closes at 2024-06-04T10:30:00.000Z',
    );
    expect(verdict.retryAt).toEqual(new Date('2024-06-11T10:00:00.000Z'));
    expect(await guard.check(context('2024-06-04T10:00:00Z', [['db']], 25))).toEqual({ ok: true });
  });

  it('starts in an open window when no window ahead is long enough either', async () => {
    expect(await guard.check(context('2024-06-04T10:00:00Z', [['db']], 120))).toEqual({ ok: true });
  });

  it('ignores windows that do not allow upgrades, of other groups and of other environments', async () => {
    // Sunday 00:30Z: only the rollback window of db is open.
    const held = await guard.check(context('2024-06-02T00:30:00Z', [['db']]));
    expect(held.ok).toBe(false);
    // A staging db host has only the rollback window (the tuesday one is production's): never inside.
    expect(await guard.check(context('2024-06-04T10:00:00Z', [['db']], 30, 'staging'))).toEqual({
      ok: false,
      reason:
        'maintenance windows are enabled: h0: outside its maintenance windows; no window allowing upgrades opens',
    });
    // No window applies to a host of another group: not held.
    expect(await guard.check(context('2024-06-04T12:00:00Z', [['web']]))).toEqual({ ok: true });
  });

  it('lets the hosts inside their window go and holds the others, naming them', async () => {
    // Sunday 06:00Z: edge's long window is open, paris's is not.
    const verdict = await guard.check(context('2024-06-02T06:00:00Z', [['edge'], ['paris']]));
    expect(verdict).toEqual({
      ok: 'partial',
      allowedHostIds: ['0'],
      reason:
        'maintenance windows are enabled: h1: outside its maintenance windows; the next window long enough opens at 2024-06-09T00:00:00.000Z (sunday 02:00-04:00 Europe/Paris)',
      retryAt: new Date('2024-06-09T00:00:00.000Z'),
    });
  });

  describe('two groups whose windows do not overlap (Europe and US)', () => {
    const split = new MaintenanceWindowGuard(
      loadPolicyConfig(`
components:
  app: { github_repo: acme/app }
upgrade_policies:
  maintenance_windows:
    enabled: true
    group_timezones: { eu: Europe/Paris, us: America/New_York }
    windows:
      - { day: sunday, start_time: "02:00", end_time: "04:00", groups: [eu, us] }
`),
      facts(),
    );
    const wave = (now: string): RolloutGuardContext =>
      context(now, [['eu'], ['us'], ['eu'], ['us']], 30, 'staging');

    it("at a time inside Europe's window, Europe's hosts go and the US's wait for their opening", async () => {
      // Sunday 02:30 in Paris (00:30Z) is Saturday 20:30 in New York; New York's 02:00 is 06:00Z.
      const verdict = await split.check(wave('2024-06-02T00:30:00Z'));
      expect(verdict).toMatchObject({
        ok: 'partial',
        allowedHostIds: ['0', '2'],
        retryAt: new Date('2024-06-02T06:00:00.000Z'),
      });
      if (verdict.ok === 'partial') {
        expect(verdict.reason).toContain('h1: outside its maintenance windows');
        expect(verdict.reason).toContain('h3: outside its maintenance windows');
        expect(verdict.reason).not.toContain('h0');
      }
    });

    it("later, inside the US's window, the US's hosts go and Europe's wait for next week", async () => {
      const verdict = await split.check(wave('2024-06-02T06:30:00Z'));
      expect(verdict).toMatchObject({
        ok: 'partial',
        allowedHostIds: ['1', '3'],
        retryAt: new Date('2024-06-09T00:00:00.000Z'),
      });
    });

    it('holds every host, until the first opening among them, when no window is open', async () => {
      const verdict = await split.check(wave('2024-06-02T03:00:00Z'));
      expect(verdict).toMatchObject({ ok: false, retryAt: new Date('2024-06-02T06:00:00.000Z') });
    });

    it('keeps the fit rule per host: a wave that would overrun the window waits', async () => {
      // 07:45Z is 03:45 in New York: 15 minutes left, the wave needs 30.
      const verdict = await split.check(wave('2024-06-02T07:45:00Z'));
      expect(verdict).toMatchObject({ ok: false, retryAt: new Date('2024-06-09T00:00:00.000Z') });
      if (!verdict.ok) expect(verdict.reason).toContain('h1: the wave needs about 30 min');
    });

    it('does not hold a promotion: the next wave is judged host by host at its dispatch', async () => {
      expect(await split.check({ ...wave('2024-06-02T03:00:00Z'), phase: 'promote' })).toEqual({ ok: true });
    });
  });

  it('applies windows to a rollout that policy holds to them even when windows are disabled', async () => {
    const disabled = loadPolicyConfig(`
components:
  app: { github_repo: acme/app }
upgrade_policies:
  maintenance_windows:
    enabled: false
    windows:
      - { day: sunday, start_time: "02:00", end_time: "06:00" }
`);
    const at = context('2024-06-04T12:00:00Z', [[]]);
    expect(await new MaintenanceWindowGuard(disabled, facts(false)).check(at)).toEqual({ ok: true });
    const major = await new MaintenanceWindowGuard(disabled, facts(true)).check(at);
    expect(major).toMatchObject({ ok: false, retryAt: new Date('2024-06-09T02:00:00.000Z') });
    if (!major.ok)
      expect(major.reason).toMatch(/^the approval policy requires a maintenance window: h0: outside/);
  });

  it('holds everything when windows are enabled but none is defined', async () => {
    const none = loadPolicyConfig(`
components:
  app: { github_repo: acme/app }
upgrade_policies:
  maintenance_windows: { enabled: true }
`);
    const verdict = await new MaintenanceWindowGuard(none, facts()).check(
      context('2024-06-04T12:00:00Z', [[]]),
    );
    expect(verdict).toEqual({
      ok: false,
      reason:
        'maintenance windows are enabled but none is defined in versions.yaml, so no time is inside a window',
    });
  });

  it('does not hold anything without a policy file', async () => {
    expect(
      await new MaintenanceWindowGuard(null, facts(true)).check(context('2024-06-04T12:00:00Z', [[]])),
    ).toEqual({
      ok: true,
    });
  });
});
