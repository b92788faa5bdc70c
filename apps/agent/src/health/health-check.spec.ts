import { describe, expect, it } from 'vitest';
import { isUpkeepError } from '@upkeep/errors';
import { waitUntilHealthy } from './health-check.service.ts';
import type { HealthProbe } from './health-check.types.ts';

/** A probe that answers from a script, on a clock that only moves when the checker sleeps. */
function scripted(answers: boolean[]) {
  let time = 0;
  let index = 0;
  const probe: HealthProbe = () => {
    const ok = answers[Math.min(index, answers.length - 1)] ?? false;
    index += 1;
    return Promise.resolve({ ok, detail: ok ? 'up' : `down #${String(index)}` });
  };
  const ports = {
    now: () => time,
    sleep: (ms: number) => {
      time += ms;
      return Promise.resolve();
    },
  };
  return { probe, ports, calls: () => index };
}

describe('waitUntilHealthy', () => {
  it('passes at the first success when no minimum healthy time is set', async () => {
    const { probe, ports } = scripted([false, false, true]);
    const outcome = await waitUntilHealthy(
      'x',
      probe,
      { timeoutMs: 100, retries: 5, intervalMs: 1000, minHealthyMs: 0 },
      ports,
    );
    expect(outcome).toMatchObject({ probes: 3, failures: 2, healthyForMs: 0 });
  });

  it('requires the service to stay healthy for min_healthy_time, restarting the window on a failure', async () => {
    const { probe, ports, calls } = scripted([true, true, false, true, true, true, true]);
    const outcome = await waitUntilHealthy(
      'x',
      probe,
      { timeoutMs: 100, retries: 5, intervalMs: 1000, minHealthyMs: 3000 },
      ports,
    );
    expect(outcome.healthyForMs).toBe(3000);
    expect(outcome.failures).toBe(1);
    expect(calls()).toBe(7);
  });

  it('gives up after the retries with the last probe in the message', async () => {
    const { probe, ports, calls } = scripted([false]);
    try {
      await waitUntilHealthy(
        'node_exporter',
        probe,
        { timeoutMs: 100, retries: 2, intervalMs: 10, minHealthyMs: 0 },
        ports,
      );
      expect.unreachable();
    } catch (error) {
      expect(isUpkeepError(error) && error.code).toBe('HEALTH_CHECK_FAILED');
      expect((error as Error).message).toContain('down #3');
    }
    expect(calls()).toBe(3);
  });

  it('fails a service that flaps inside the window until the retries run out', async () => {
    const { probe, ports } = scripted([true, false, true, false, true, false]);
    await expect(
      waitUntilHealthy(
        'x',
        probe,
        { timeoutMs: 100, retries: 2, intervalMs: 1000, minHealthyMs: 1500 },
        ports,
      ),
    ).rejects.toMatchObject({ code: 'HEALTH_CHECK_FAILED' });
  });
});
