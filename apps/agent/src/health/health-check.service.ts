import { UpkeepError } from '@upkeep/errors';
import type { Sleep } from '../download/http.port.ts';
import type { HealthProbe, HealthTiming } from './health-check.types.ts';

export interface HealthOutcome {
  readonly probes: number;
  readonly failures: number;
  /** From the first success of the final healthy run to its end. */
  readonly healthyForMs: number;
  readonly lastDetail: string;
}

/**
 * Probes until the service is healthy and has stayed healthy for
 * `minHealthyMs`. A failure inside that window starts it over. Gives up with
 * HEALTH_CHECK_FAILED after `retries` failed probes, naming the last one.
 */
export async function waitUntilHealthy(
  component: string,
  probe: HealthProbe,
  timing: HealthTiming,
  ports: { readonly now: () => number; readonly sleep: Sleep },
): Promise<HealthOutcome> {
  let probes = 0;
  let failures = 0;
  let healthySince: number | null = null;
  const details: string[] = [];
  for (;;) {
    probes += 1;
    const result = await probe(timing.timeoutMs);
    details.push(result.detail);
    if (details.length > 5) details.shift();
    if (result.ok) {
      const at = ports.now();
      healthySince ??= at;
      if (at - healthySince >= timing.minHealthyMs) {
        return { probes, failures, healthyForMs: at - healthySince, lastDetail: result.detail };
      }
    } else {
      healthySince = null;
      failures += 1;
      if (failures > timing.retries) {
        throw new UpkeepError(
          'HEALTH_CHECK_FAILED',
          `${component} is not healthy after ${String(probes)} probes: ${result.detail}`,
          {
            details: { component, probes, failures, recent: details },
            hint: `check the service's own log; the health check allows ${String(timing.retries)} failures, ${String(timing.intervalMs)} ms apart`,
          },
        );
      }
    }
    await ports.sleep(timing.intervalMs);
  }
}
