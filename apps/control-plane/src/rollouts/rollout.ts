/** The domain of staged rollouts: settings as frozen on the rollout, and the views the REST API returns. */
import type { WaveSettings } from '@upkeep/policy';

export const ROLLOUT_STATES = [
  'draft',
  'awaiting_approval',
  'scheduled',
  'running',
  'paused',
  'completed',
  'aborted',
  'failed',
] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];

export const WAVE_STATES = [
  'pending',
  'awaiting_approval',
  'running',
  'baking',
  'completed',
  'failed',
  'reverted',
] as const;
export type WaveState = (typeof WAVE_STATES)[number];

export const ROLLOUT_HOST_STATES = [
  'pending',
  'waiting_offline',
  'dispatched',
  'succeeded',
  'failed',
  'rolled_back',
  'skipped',
  'reverted',
] as const;
export type RolloutHostState = (typeof ROLLOUT_HOST_STATES)[number];

/** What an operator or the driver does to a rollout; the state machine says from where. */
export type RolloutAction =
  | 'submit'
  | 'approve'
  | 'reject'
  | 'start'
  | 'pause'
  | 'resume'
  | 'abort'
  | 'retry-failed'
  | 'complete'
  | 'fail';

/** The planner's per-host verdict, from the policy decision engine's action. */
export type HostDecision = 'skip' | 'reject' | 'auto' | 'recommend' | 'manual';

/** One wave: `size` / `failureThreshold` are "3" hosts or "25%" (libs/policy's REST form). */
export type { WaveSettings };

export interface GateSettings {
  readonly query: string;
  readonly successCondition: string;
  /** How long it must hold: seconds, or a duration such as "5m". */
  readonly for: string | number;
}

/** Everything the driver follows, frozen on the rollout at creation. */
export interface RolloutSettings {
  readonly waves: readonly WaveSettings[];
  readonly onFailure: 'pause' | 'abort';
  readonly revertWaveOnFailure: boolean;
  readonly rollbackOnAbort: boolean;
  readonly offline: { readonly deadlineSeconds: number; readonly countAs: 'failed' | 'skipped' };
  readonly waitsFor: readonly string[];
  readonly gates: readonly GateSettings[];
  /** Frozen by the service when the approval policy requires a maintenance window for a host's move. */
  readonly maintenanceWindow?: boolean;
}

export interface HostSelector {
  readonly groups?: readonly string[] | undefined;
  readonly labels?: string | undefined;
}

export type TargetSpec = { readonly version: string } | { readonly strategy: string };

/** The body of `POST /api/rollouts` and `/plan`; omitted settings come from the environment's defaults. */
export interface RolloutRequest {
  readonly component: string;
  readonly environment: string;
  readonly target: TargetSpec;
  readonly selector: HostSelector;
  readonly waves?: readonly (Omit<WaveSettings, 'approval'> & { readonly approval?: boolean | undefined })[];
  readonly onFailure?: 'pause' | 'abort' | undefined;
  readonly revertWaveOnFailure?: boolean | undefined;
  readonly rollbackOnAbort?: boolean | undefined;
  readonly offline?: RolloutSettings['offline'] | undefined;
  readonly waitsFor?: readonly string[] | undefined;
  readonly gates?: readonly GateSettings[] | undefined;
  /** Overrides the policy's approval count (never below it). */
  readonly requiredApprovals?: number | undefined;
}

/** A host as the planner sees it. */
export interface CandidateHost {
  readonly id: string;
  readonly hostname: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly groups: readonly string[];
  readonly os: string;
  readonly arch: string;
}

export interface HostPlan {
  readonly hostId: string;
  readonly hostname: string;
  readonly groups: readonly string[];
  readonly os: string;
  readonly arch: string;
  readonly currentVersion: string | null;
  readonly decision: HostDecision;
  readonly riskLevel: string | null;
  readonly warnings: readonly string[];
  readonly message: string | null;
}

export interface WavePlan extends WaveSettings {
  readonly index: number;
  readonly hosts: readonly HostPlan[];
  readonly expectedDurationSeconds: number;
}

export interface BreakingChange {
  readonly version: string;
  readonly description: string;
}

export interface Advisory {
  readonly id: string;
  readonly severity: string;
  readonly summary: string;
}

export interface RolloutPlan {
  readonly component: string;
  readonly environment: string;
  readonly targetVersion: string;
  readonly settings: RolloutSettings;
  readonly waves: readonly WavePlan[];
  /** The highest risk among the hosts' decisions. */
  readonly risk: string;
  readonly breakingChanges: readonly BreakingChange[];
  readonly advisories: readonly Advisory[];
  readonly expectedDurationSeconds: number;
  readonly requiredApprovals: number;
  /** The approvals are asked for before it starts (else for the second wave, once the first is healthy). */
  readonly approvalBeforeStart: boolean;
  readonly forbidSelfApproval: boolean;
  /** The approval policy holds this rollout to maintenance windows (a major move, by default). */
  readonly maintenanceWindow: boolean;
  /** Rollouts this one would wait for, with their state now. */
  readonly order: readonly {
    readonly rolloutId: string;
    readonly component: string;
    readonly state: string;
  }[];
}

export interface RolloutHostView {
  readonly hostId: string;
  readonly hostname: string;
  readonly state: RolloutHostState;
  readonly jobId: string | null;
  readonly message: string;
  /** Frozen from the plan: skip | reject | auto | recommend | manual. */
  readonly decision: string;
  /** The version installed when the rollout was planned. */
  readonly fromVersion: string | null;
  /** Frozen from the plan: the policy decision's risk and warnings for this host. */
  readonly riskLevel: string | null;
  readonly warnings: readonly string[];
}

export interface RolloutWaveView {
  readonly index: number;
  readonly name: string;
  readonly state: WaveState;
  readonly size: string;
  readonly maxParallel: number;
  readonly bakeSeconds: number;
  readonly failureThreshold: string;
  readonly approval: boolean;
  readonly hosts: readonly RolloutHostView[];
}

export interface RolloutApprovalView {
  readonly actor: string;
  /** The approver's API token name, read now; null when the token is gone or the id names no token. */
  readonly actorName: string | null;
  readonly decision: 'approve' | 'reject';
  readonly comment: string;
  readonly at: string;
  readonly wave: number | null;
}

export interface RolloutView {
  readonly id: string;
  readonly component: string;
  readonly environment: string;
  readonly targetVersion: string;
  readonly state: RolloutState;
  readonly currentWave: number;
  readonly reason: string | null;
  readonly createdBy: string;
  /** The creator's API token name, read now; null when unknown (the system actor, a deleted token). */
  readonly createdByName: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly requiredApprovals: number;
  readonly forbidSelfApproval: boolean;
  readonly approvals: readonly RolloutApprovalView[];
  /**
   * The plan as it was at creation, which is what approvers approve: null on rollouts created
   * before plans were frozen.
   */
  readonly risk: string | null;
  readonly breakingChanges: readonly BreakingChange[] | null;
  readonly advisories: readonly Advisory[] | null;
  readonly expectedDurationSeconds: number | null;
  readonly settings: RolloutSettings;
  readonly waves: readonly RolloutWaveView[];
}

export interface RolloutFilter {
  readonly state?: RolloutState | undefined;
  readonly component?: string | undefined;
  readonly cursor?: string | undefined;
  readonly limit: number;
}
