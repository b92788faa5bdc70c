import { exitCodeFor } from '@upkeep/cli-kit';
import type { ErrorCode } from '@upkeep/errors';
import type { DecisionAction } from '@upkeep/policy';
import type { RiskLevel } from '@upkeep/versioning';
import { knownError } from '../common/known-error.service.ts';
import type { AgentContext } from '../runtime/agent-context.repository.ts';
import { evaluateUpgrade, type Gate } from './upgrade-evaluation.service.ts';

/** One line of `check`: the seed's check_upgrades entry, with the decision. */
export interface CheckEntry {
  readonly component: string;
  readonly current: string | null;
  readonly target: string | null;
  readonly upgrade_available: boolean;
  /** `proceed`, `up_to_date`, `not_retried`, `held`, `refused`, or `error`. */
  readonly verdict: Gate['verdict'] | 'error';
  readonly action: DecisionAction | null;
  readonly approved: boolean;
  readonly requires_manual: boolean;
  readonly risk_level: RiskLevel | null;
  readonly reason: string;
  readonly failed_before: string | null;
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly hint: string | null } | null;
}

export interface CheckReport {
  readonly components: readonly CheckEntry[];
  readonly exit_code: number;
}

/**
 * `check`: for each component (or one), what its strategy would install and what
 * the decision engine says about it, without changing anything. One
 * component's discovery failure is reported in its entry; the exit code is then
 * that failure's, else 0.
 */
export async function checkUpgrades(ctx: AgentContext, only: string | undefined): Promise<CheckReport> {
  const names = only === undefined ? ctx.componentNames : [only];
  if (only !== undefined) ctx.component(only);
  const components: CheckEntry[] = [];
  for (const name of names) {
    const current = ctx.installed.find(name)?.version ?? null;
    try {
      const evaluation = await evaluateUpgrade(
        ctx,
        { component: name, force: false },
        { skipSafetyChecks: false },
      );
      const decision = evaluation.decision;
      const gate = evaluation.gate;
      if (gate.verdict === 'proceed' || gate.verdict === 'held') {
        ctx.log.event('upgrade_available', {
          component: name,
          from: current,
          to: evaluation.target.version,
          action: decision?.action,
          risk_level: decision?.risk_level,
        });
      }
      components.push({
        component: name,
        current,
        target: evaluation.target.version,
        upgrade_available: gate.verdict === 'proceed' || gate.verdict === 'held',
        verdict: gate.verdict,
        action: decision?.action ?? null,
        approved: decision?.approved ?? false,
        requires_manual: decision?.requires_manual ?? false,
        risk_level: decision?.risk_level ?? null,
        reason:
          gate.verdict === 'proceed'
            ? `${decision?.action === 'auto_approve' ? 'auto-approved' : 'safe when asked for'}: ${decision?.change.reasons.join('; ') ?? ''}`
            : gate.reason,
        failed_before: evaluation.failedBefore?.reason ?? null,
        error: null,
      });
    } catch (error) {
      const known = knownError(error);
      components.push({
        component: name,
        current,
        target: null,
        upgrade_available: false,
        verdict: 'error',
        action: null,
        approved: false,
        requires_manual: false,
        risk_level: null,
        reason: known.message,
        failed_before: null,
        error: { code: known.code, message: known.message, hint: known.hint ?? null },
      });
    }
  }
  const failure = components.find((c) => c.error !== null)?.error ?? null;
  return { components, exit_code: failure === null ? 0 : exitCodeFor(failure.code) };
}
