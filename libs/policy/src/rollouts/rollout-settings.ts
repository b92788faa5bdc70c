import type { PolicyConfig } from '../config/policy-config.schema.ts';
import type { OfflineOutcome, OnFailureAction } from '../config/policy-config.schema.ts';
import { environmentOf, explainMerged, type ExplainedValue } from '../overlay/effective-config.ts';
import { isPlainObject, layerAt, mergeLayers, type Merged } from '../overlay/layered-merge.ts';

/** One wave in the REST form of a rollout (`size` / `failureThreshold`: `"3"` hosts or `"25%"`). */
export interface WaveSettings {
  readonly name: string;
  readonly size: string;
  readonly maxParallel: number;
  readonly bakeSeconds: number;
  readonly failureThreshold: string;
  /** The wave waits for an approval before it starts. */
  readonly approval: boolean;
}

/** A Prometheus gate: every sample of `query` must meet `successCondition`, for `forSeconds` (0: now). */
export interface GateSettings {
  readonly query: string;
  readonly successCondition: string;
  readonly forSeconds: number;
}

/** A rollout's settings as versions.yaml sets them for one environment, in the REST form. */
export interface RolloutSettings {
  readonly waves: readonly WaveSettings[];
  readonly onFailure: OnFailureAction;
  readonly revertWaveOnFailure: boolean;
  readonly rollbackOnAbort: boolean;
  readonly offline: { readonly deadlineSeconds: number; readonly countAs: OfflineOutcome };
  readonly gates: readonly GateSettings[];
}

/** A wave's settings when the wave leaves them out. */
export const WAVE_DEFAULTS = {
  max_parallel: 5,
  bake_time: 300,
  failure_threshold: '1',
  approval: false,
} as const;

/**
 * What a rollout does when versions.yaml says nothing: a one-host canary baking 5 minutes, then
 * a quarter of the hosts, then the rest; pause on the first canary failure (10% later on) and revert
 * the failing wave; offline hosts wait 10 minutes, then count as failed; no gates.
 */
export const ROLLOUT_DEFAULTS = {
  waves: [
    { name: 'canary', size: '1', max_parallel: 1, bake_time: 300, failure_threshold: '1', approval: false },
    {
      name: 'early',
      size: '25%',
      max_parallel: 5,
      bake_time: 300,
      failure_threshold: '10%',
      approval: false,
    },
    { name: 'rest', size: '100%', max_parallel: 10, bake_time: 0, failure_threshold: '10%', approval: false },
  ],
  on_failure: 'pause',
  revert_wave_on_failure: true,
  rollback_on_abort: false,
  offline: { deadline: 600, count_as: 'failed' },
  gates: [],
} as const;

function mergedRollouts(config: PolicyConfig, environment: string | undefined): Merged {
  const overlay = environmentOf(config, environment);
  return mergeLayers([
    layerAt('default', ROLLOUT_DEFAULTS, undefined),
    layerAt('upgrade_policies.rollouts', config.upgrade_policies.rollouts, ['upgrade_policies', 'rollouts']),
    ...(environment === undefined
      ? []
      : [
          layerAt(`environments.${environment}.rollouts`, overlay?.rollouts, [
            'environments',
            environment,
            'rollouts',
          ]),
        ]),
  ]);
}

function asRecord(value: unknown): Record<string, unknown> {
  return isPlainObject(value) ? value : {};
}

function textOf(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function wave(raw: unknown): WaveSettings {
  const w = asRecord(raw);
  return {
    name: textOf(w.name, ''),
    size: textOf(w.size, '100%'),
    maxParallel: Number(w.max_parallel ?? WAVE_DEFAULTS.max_parallel),
    bakeSeconds: Number(w.bake_time ?? WAVE_DEFAULTS.bake_time),
    failureThreshold: textOf(w.failure_threshold, WAVE_DEFAULTS.failure_threshold),
    approval: w.approval === true,
  };
}

/**
 * The rollout defaults for `environment` (undefined: none), in the REST form of a rollout.
 * Precedence, lowest first: built-in defaults (`ROLLOUT_DEFAULTS`) < `upgrade_policies.rollouts`
 * < `environments.<env>.rollouts`; mappings merge key by key, a list (`waves`, `gates`) written
 * in a layer replaces the whole list. A wave leaving out a field takes `WAVE_DEFAULTS`.
 * @throws UpkeepError UNKNOWN_ENVIRONMENT listing the known environments.
 */
export function rolloutSettings(config: PolicyConfig, environment: string | undefined): RolloutSettings {
  const { value } = mergedRollouts(config, environment);
  const offline = asRecord(value.offline);
  const waves = Array.isArray(value.waves) ? value.waves : [];
  const gates = Array.isArray(value.gates) ? value.gates : [];
  return {
    waves: waves.map(wave),
    onFailure: value.on_failure === 'abort' ? 'abort' : 'pause',
    revertWaveOnFailure: value.revert_wave_on_failure === true,
    rollbackOnAbort: value.rollback_on_abort === true,
    offline: {
      deadlineSeconds: Number(offline.deadline ?? ROLLOUT_DEFAULTS.offline.deadline),
      countAs: offline.count_as === 'skipped' ? 'skipped' : 'failed',
    },
    gates: gates.map((raw) => {
      const gate = asRecord(raw);
      return {
        query: textOf(gate.query, ''),
        successCondition: textOf(gate.success_condition, ''),
        forSeconds: Number(gate.for ?? 0),
      };
    }),
  };
}

/**
 * Every rollout setting for `environment` with the layer and key that set it
 * (`layer: "environments.production.rollouts"`, `key: "environments.production.rollouts.waves"`).
 * @throws UpkeepError UNKNOWN_ENVIRONMENT listing the known environments.
 */
export function explainRolloutSettings(
  config: PolicyConfig,
  environment: string | undefined,
): ExplainedValue[] {
  const { value, origins } = mergedRollouts(config, environment);
  return explainMerged(value, origins);
}
