// The rollout REST contract as the fleet's tests, demo and bench read it.
import { eventually, type Fleet } from './fleet.ts';

export type RolloutState =
  'draft' | 'awaiting_approval' | 'scheduled' | 'running' | 'paused' | 'completed' | 'aborted' | 'failed';

export interface RolloutHost {
  readonly hostId: string;
  readonly hostname: string;
  readonly state: string;
  readonly jobId: string | null;
  readonly message: string | null;
}

export interface RolloutWave {
  readonly index: number;
  readonly name: string;
  readonly state: string;
  readonly hosts: readonly RolloutHost[];
}

export interface RolloutView {
  readonly id: string;
  readonly component: string;
  readonly environment: string;
  readonly targetVersion: string;
  readonly state: RolloutState;
  readonly currentWave: number | null;
  readonly reason: string | null;
  readonly requiredApprovals: number;
  readonly approvals: readonly {
    readonly actor: string;
    readonly decision: string;
    readonly comment: string;
  }[];
  readonly waves: readonly RolloutWave[];
}

export interface WaveSpec {
  readonly name: string;
  readonly size: string;
  readonly maxParallel: number;
  readonly bakeSeconds: number;
  readonly failureThreshold: string;
  readonly approval?: boolean;
}

export interface RolloutRequest {
  readonly component: string;
  readonly environment: string;
  readonly target: { readonly version: string };
  readonly selector: { readonly groups?: readonly string[]; readonly labels?: string };
  readonly waves?: readonly WaveSpec[];
  readonly onFailure?: 'pause' | 'abort';
  readonly revertWaveOnFailure?: boolean;
  readonly rollbackOnAbort?: boolean;
}

/** POST /api/rollouts as the operator; fails with the answer when it is not 201. */
export async function createRollout(fleet: Fleet, request: RolloutRequest): Promise<RolloutView> {
  const created = await fleet.api<RolloutView>('POST', '/api/rollouts', request);
  if (created.status !== 201) {
    throw new Error(`POST /api/rollouts answered ${String(created.status)}: ${JSON.stringify(created.body)}`);
  }
  return created.body;
}

export async function getRollout(fleet: Fleet, id: string): Promise<RolloutView> {
  const answer = await fleet.api<RolloutView>('GET', `/api/rollouts/${id}`);
  if (answer.status !== 200) {
    throw new Error(
      `GET /api/rollouts/${id} answered ${String(answer.status)}: ${JSON.stringify(answer.body)}`,
    );
  }
  return answer.body;
}

/**
 * Polls the rollout until it is in one of `states`; fails at once when it reaches
 * another state it cannot leave by itself, naming it and the reason.
 */
export async function waitForRollout(
  fleet: Fleet,
  id: string,
  states: readonly RolloutState[],
  timeoutMs: number,
  onChange?: (view: RolloutView) => void,
): Promise<RolloutView> {
  const settled: readonly RolloutState[] = ['completed', 'aborted', 'failed', 'paused', 'awaiting_approval'];
  let last = '';
  return eventually(
    async () => {
      const view = await getRollout(fleet, id);
      const fingerprint = JSON.stringify([
        view.state,
        view.currentWave,
        view.waves.map((w) => [w.state, w.hosts.map((h) => h.state)]),
      ]);
      if (fingerprint !== last) {
        last = fingerprint;
        onChange?.(view);
      }
      if (states.includes(view.state)) return view;
      if (settled.includes(view.state)) {
        throw new Error(
          `rollout ${id} is ${view.state} (${view.reason ?? 'no reason'}), not ${states.join(' or ')}: ${JSON.stringify(view.waves)}`,
        );
      }
      return undefined;
    },
    `rollout ${id} to be ${states.join(' or ')}`,
    timeoutMs,
    300,
  );
}
