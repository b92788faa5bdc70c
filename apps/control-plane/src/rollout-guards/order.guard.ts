import type { RolloutGuard, RolloutGuardContext, RolloutGuardVerdict } from '../rollouts/rollout-guard.ts';
import type { RolloutFactsPort } from './rollout-facts.ts';

/** States after which a rollout never completes. */
const DEAD_ENDS = new Set(['aborted', 'failed']);

/**
 * `order`: a rollout created with `waitsFor` (Loki servers before promtail clients) dispatches
 * only once every rollout it waits for is completed. One aborted or failed, or gone, holds it
 * for good, with the reason, until an operator aborts it or creates the other again.
 */
export class OrderGuard implements RolloutGuard {
  readonly name = 'order';
  private readonly facts: RolloutFactsPort;
  private readonly retryMs: number;

  constructor(facts: RolloutFactsPort, retryMs = 30_000) {
    this.facts = facts;
    this.retryMs = retryMs;
  }

  async check(context: RolloutGuardContext): Promise<RolloutGuardVerdict> {
    const ids = [...new Set(context.waitsFor)];
    if (ids.length === 0) return { ok: true };
    const standing = new Map((await this.facts.standingOf(ids)).map((rollout) => [rollout.id, rollout]));
    const waiting: string[] = [];
    let stuck = false;
    for (const id of ids) {
      const other = standing.get(id);
      if (other === undefined) {
        waiting.push(`rollout ${id}, which does not exist`);
        stuck = true;
        continue;
      }
      if (other.state === 'completed') continue;
      if (DEAD_ENDS.has(other.state)) stuck = true;
      waiting.push(
        `${other.componentName} ${other.targetVersion} in ${other.environment} (rollout ${id}) is ${other.state}`,
      );
    }
    if (waiting.length === 0) return { ok: true };
    return {
      ok: false,
      reason: `waits for ${waiting.join('; ')}${stuck ? '; it will not complete by itself' : ''}`,
      ...(stuck ? {} : { retryAt: new Date(context.now.getTime() + this.retryMs) }),
    };
  }
}
