// Staged rollouts end to end: a control-plane process on Postgres and Redis, the
// local upstream publishing demo_exporter, six host folders served by two real
// `upkeep-agent run` processes, and three rollouts in three waves (canary: 1 host,
// then up to half the hosts, then all): a broken version (the canary fails its
// health check, its agent rolls it back, the rollout pauses, nothing else is
// touched), a good one (every wave completes, in order), and a major one (held for
// approval, approved with the `upkeep` command line by approvers, then done).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_COMPONENT, startFleet, type Fleet } from '../support/fleet/fleet.ts';
import {
  createRollout,
  getRollout,
  waitForRollout,
  type RolloutView,
  type WaveSpec,
} from '../support/fleet/rollout-client.ts';

const HOSTS = [
  { name: 'canary-1', groups: ['canary'], labels: { role: 'web' } },
  { name: 'db-1', groups: ['db'], labels: { role: 'db' } },
  { name: 'db-2', groups: ['db'], labels: { role: 'db' } },
  { name: 'web-1', groups: ['web'], labels: { role: 'web' } },
  { name: 'web-2', groups: ['web'], labels: { role: 'web' } },
  { name: 'web-3', groups: ['web'], labels: { role: 'web' } },
];
// Hosts are dispatched in host-name order: canary-1 first, then db-1 and db-2, then the web hosts.
const WAVES: WaveSpec[] = [
  { name: 'canary', size: '1', maxParallel: 1, bakeSeconds: 1, failureThreshold: '1' },
  { name: 'half', size: '50%', maxParallel: 2, bakeSeconds: 1, failureThreshold: '1' },
  { name: 'all', size: '100%', maxParallel: 3, bakeSeconds: 0, failureThreshold: '1' },
];
const ROLLOUT_TIMEOUT = 300_000;

const request = (version: string) => ({
  component: DEMO_COMPONENT,
  environment: 'prod',
  target: { version },
  selector: { groups: ['canary', 'web', 'db'] },
  waves: WAVES,
  onFailure: 'pause' as const,
});

describe('staged rollouts over real agents', () => {
  let fleet: Fleet | undefined;
  const the = (): Fleet => {
    if (fleet === undefined) throw new Error('the fleet did not start');
    return fleet;
  };
  const log: string[] = [];
  const trace = (view: RolloutView): void => {
    log.push(
      `${view.state} wave=${String(view.currentWave)} ${view.waves.map((w) => `${w.name}:${w.state}[${w.hosts.map((h) => `${h.hostname}=${h.state}`).join(',')}]`).join(' ')}`,
    );
  };
  const context = (): string => `${log.join('\n')}\n${the().controlPlane.log().slice(-3000)}`;

  beforeAll(async () => {
    fleet = await startFleet({ hosts: HOSTS, hostsPerAgent: 3 });
  }, 600_000);

  afterAll(async () => {
    await fleet?.stop();
  }, 120_000);

  it('plans three waves in host-name order, the canary first', async () => {
    const plan = await the().api<{ waves: { name: string; hosts: { hostname: string }[] }[] }>(
      'POST',
      '/api/rollouts/plan',
      request('1.0.2'),
      the().tokens.viewer,
    );
    expect(plan.status, JSON.stringify(plan.body)).toBe(200);
    expect(plan.body.waves.map((w) => [w.name, w.hosts.map((h) => h.hostname)])).toEqual([
      ['canary', ['canary-1']],
      ['half', ['db-1', 'db-2']],
      ['all', ['web-1', 'web-2', 'web-3']],
    ]);
  });

  it('a broken version: the canary fails, its agent rolls it back, the rollout pauses, nothing else changes', async () => {
    const fleet = the();
    const before = fleet.binaryHashes();
    expect(Object.values(before).every((hash) => hash !== null)).toBe(true);
    const rollout = await createRollout(fleet, request('1.0.1'));
    const paused = await waitForRollout(fleet, rollout.id, ['paused'], ROLLOUT_TIMEOUT, trace).catch(
      (error: unknown) => {
        throw new Error(`${String(error)}\n${context()}`);
      },
    );
    const [canary, half, all] = paused.waves;
    expect(canary?.hosts.map((h) => [h.hostname, h.state])).toEqual([['canary-1', 'rolled_back']]);
    expect(paused.reason ?? '').not.toBe('');
    for (const wave of [half, all]) {
      for (const host of wave?.hosts ?? []) expect(host.state, host.hostname).toBe('pending');
    }
    // The canary's job failed and says its agent rolled back.
    const jobId = canary?.hosts[0]?.jobId ?? '';
    const job = await fleet.api<{ state: string; result: { details?: { rolled_back?: boolean } } }>(
      'GET',
      `/api/jobs/${jobId}`,
    );
    expect(job.body.state).toBe('failed');
    expect(job.body.result.details?.rolled_back).toBe(true);
    // Byte-identical binaries everywhere, the canary's restored; every exporter still serves 1.0.0.
    expect(fleet.binaryHashes()).toEqual(before);
    expect(Object.values(await fleet.servedVersions())).toEqual(HOSTS.map(() => '1.0.0'));

    const aborted = await fleet.upkeep(['rollout', 'abort', rollout.id, '--json']);
    expect(aborted.stderr).toBe('');
    expect(aborted.code).toBe(0);
    expect((await getRollout(fleet, rollout.id)).state).toBe('aborted');
    expect(fleet.binaryHashes()).toEqual(before);
  });

  it('a good version: every wave completes, one after another', async () => {
    const fleet = the();
    const rollout = await createRollout(fleet, request('1.0.2'));
    const done = await waitForRollout(fleet, rollout.id, ['completed'], ROLLOUT_TIMEOUT, trace).catch(
      (error: unknown) => {
        throw new Error(`${String(error)}\n${context()}`);
      },
    );
    expect(done.waves.map((w) => w.state)).toEqual(['completed', 'completed', 'completed']);
    // Waves in order: a wave's first job was created after the previous wave's last job finished.
    const spans: { first: number; last: number }[] = [];
    for (const wave of done.waves) {
      const times = await Promise.all(
        wave.hosts.map(async (host) => {
          expect(host.state, host.hostname).toBe('succeeded');
          const job = await fleet.api<{ createdAt: string; finishedAt: string }>(
            'GET',
            `/api/jobs/${host.jobId ?? ''}`,
          );
          return { created: Date.parse(job.body.createdAt), finished: Date.parse(job.body.finishedAt) };
        }),
      );
      spans.push({
        first: Math.min(...times.map((t) => t.created)),
        last: Math.max(...times.map((t) => t.finished)),
      });
    }
    for (let i = 1; i < spans.length; i += 1) {
      expect(spans[i]?.first ?? 0).toBeGreaterThanOrEqual(spans[i - 1]?.last ?? Infinity);
    }
    expect(Object.values(await fleet.servedVersions())).toEqual(HOSTS.map(() => '1.0.2'));
    const hashes = new Set(Object.values(fleet.binaryHashes()));
    expect(hashes.size).toBe(1);
    expect(Object.values(await fleet.reportedVersions())).toEqual(HOSTS.map(() => '1.0.2'));
  });

  it('a major version: held for approval, approved with the command line by approvers, then done', async () => {
    const fleet = the();
    const before = fleet.binaryHashes();
    const rollout = await createRollout(fleet, request('2.0.0'));
    const held = await waitForRollout(fleet, rollout.id, ['awaiting_approval'], ROLLOUT_TIMEOUT, trace);
    expect(held.requiredApprovals).toBeGreaterThanOrEqual(1);
    expect(fleet.binaryHashes()).toEqual(before);

    // An operator may not approve; an approver may.
    const refused = await fleet.upkeep(['rollout', 'approve', rollout.id, '--comment', 'looks fine']);
    expect(refused.code).not.toBe(0);
    const approvers = [fleet.tokens.approver, fleet.tokens.approver2];
    for (let i = 0; i < held.requiredApprovals; i += 1) {
      const approved = await fleet.upkeep(
        [
          'rollout',
          'approve',
          rollout.id,
          '--comment',
          `approver ${String(i + 1)}: change reviewed`,
          '--json',
        ],
        approvers[i],
      );
      expect(approved.stderr).toBe('');
      expect(approved.code).toBe(0);
    }
    const done = await waitForRollout(fleet, rollout.id, ['completed'], ROLLOUT_TIMEOUT, trace).catch(
      (error: unknown) => {
        throw new Error(`${String(error)}\n${context()}`);
      },
    );
    expect(done.approvals.filter((a) => a.decision === 'approve')).toHaveLength(held.requiredApprovals);
    expect(done.approvals.map((a) => a.comment)).toContain('approver 1: change reviewed');
    expect(Object.values(await fleet.servedVersions())).toEqual(HOSTS.map(() => '2.0.0'));

    const shown = await fleet.upkeep(['rollout', 'show', rollout.id, '--json'], fleet.tokens.viewer);
    expect(shown.code).toBe(0);
    expect((JSON.parse(shown.stdout) as { state: string }).state).toBe('completed');
  });
});
