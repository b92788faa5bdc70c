import { parseDuration } from '@upkeep/policy';
import type { FrozenGate, RolloutGuardFacts } from './rollout-facts.ts';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function secondsOf(value: unknown): number {
  if (value === undefined || value === null) return 0;
  const parsed = parseDuration(value);
  return parsed.ok ? parsed.seconds : Number.NaN;
}

/**
 * Reads the guards' part of a rollout's frozen `settings` JSON: `gates` as the REST contract
 * writes them (`{ query, successCondition, for }`, `for` in seconds or as `"5m"`; `forSeconds`
 * as `rolloutSettings` gives them) and `maintenanceWindow`. A gate it cannot read is kept with
 * what it has, so the gate guard refuses it by name rather than skipping it.
 */
export function guardFactsOf(settings: unknown): RolloutGuardFacts {
  const record = isRecord(settings) ? settings : {};
  const gates: FrozenGate[] = (Array.isArray(record.gates) ? record.gates : []).map((raw: unknown) => {
    const gate = isRecord(raw) ? raw : {};
    return {
      query: typeof gate.query === 'string' ? gate.query : '',
      successCondition:
        typeof gate.successCondition === 'string'
          ? gate.successCondition
          : typeof gate.success_condition === 'string'
            ? gate.success_condition
            : '',
      forSeconds: secondsOf(gate.forSeconds ?? gate.for),
    };
  });
  return { gates, maintenanceWindow: record.maintenanceWindow === true };
}
