/** A gate as a rollout froze it. */
export interface FrozenGate {
  readonly query: string;
  readonly successCondition: string;
  readonly forSeconds: number;
}

/** What the guards need to know about a rollout beyond the guard context. */
export interface RolloutGuardFacts {
  readonly gates: readonly FrozenGate[];
  /** The approval policy asks this rollout to run inside a maintenance window (a major move). */
  readonly maintenanceWindow: boolean;
}

/** Where another rollout stands, for the order guard. */
export interface RolloutStanding {
  readonly id: string;
  readonly componentName: string;
  readonly environment: string;
  readonly targetVersion: string;
  readonly state: string;
}

/** The guards' read-only view of the rollout tables. */
export interface RolloutFactsPort {
  /** The rollout's frozen settings the guards use; undefined when there is no such rollout. */
  factsOf(rolloutId: string): Promise<RolloutGuardFacts | undefined>;
  /** The rollouts among `ids` that exist. */
  standingOf(ids: readonly string[]): Promise<RolloutStanding[]>;
}

export const ROLLOUT_FACTS = Symbol('RolloutFacts');
export const PROMETHEUS = Symbol('Prometheus');
