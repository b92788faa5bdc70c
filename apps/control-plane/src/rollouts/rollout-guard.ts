/**
 * The contract between the rollout driver and the checks that may hold a wave back (maintenance
 * windows, ordering after another rollout, Prometheus gates). The driver asks every guard before it
 * dispatches a wave's next hosts and before it promotes a baked wave; any guard saying "not yet" holds.
 * A guard may allow part of a dispatch (`ok: 'partial'`): the driver then dispatches only those hosts,
 * and the rest stay pending. The driver asks before it takes the rollout's row lock, so a guard may be
 * slow (a Prometheus query) without making operators wait.
 */
export interface RolloutGuardContext {
  readonly rolloutId: string;
  readonly componentName: string;
  readonly environment: string;
  readonly targetVersion: string;
  /** `dispatch`: about to send jobs to these hosts; `promote`: the wave baked, about to start the next. */
  readonly phase: 'dispatch' | 'promote';
  readonly waveIndex: number;
  readonly waveName: string;
  /** The hosts concerned: to dispatch, or the wave's upgraded hosts when promoting. */
  readonly hosts: readonly {
    readonly id: string;
    readonly hostname: string;
    readonly groups: readonly string[];
  }[];
  /** Expected time for the wave to finish from now, so a window guard can refuse a wave that would overrun. */
  readonly expectedDurationMs: number;
  /** Rollouts this one waits for (by id), as created. */
  readonly waitsFor: readonly string[];
  readonly now: Date;
}

export type RolloutGuardVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** Shown to operators as is: name the condition and the value that failed it. */
      readonly reason: string;
      /** When asking again makes sense (a window opening); the driver may ask sooner. */
      readonly retryAt?: Date;
    }
  | {
      /**
       * Some of the hosts may go now, the others wait (a maintenance window open for one group and
       * not another). Only for `dispatch`: when promoting, the driver treats it as a refusal.
       */
      readonly ok: 'partial';
      /** Ids (`hosts[].id`) of the hosts that may be dispatched now: at least one, not all. */
      readonly allowedHostIds: readonly string[];
      /** Why the others wait, shown to operators as is. */
      readonly reason: string;
      /** When the first of the held hosts may go. */
      readonly retryAt?: Date;
    };

export interface RolloutGuard {
  /** Stable name, recorded with the verdict (`maintenance_window`, `prometheus_gate`, `order`). */
  readonly name: string;
  check(context: RolloutGuardContext): Promise<RolloutGuardVerdict>;
}

/** Multi-provider token: the array of guards the driver consults, in order. */
export const ROLLOUT_GUARDS = Symbol('RolloutGuards');
