import type { UpgradeDecision } from './upgrade-decision.ts';

/** The seed's exit codes for `check_upgrade_safety` / `upkeep decide`. */
export const DECISION_EXIT_CODES = { safe: 0, unsafe: 1, manualReview: 2 } as const;
export type DecisionExitCode = (typeof DECISION_EXIT_CODES)[keyof typeof DECISION_EXIT_CODES];

/**
 * Maps a decision to the seed's exit codes: 0 safe, 1 unsafe, 2 manual review
 * required.
 * - `skip` -> 0 (nothing to do is a safe outcome);
 * - `reject` -> 1;
 * - `auto_approve`, `recommend` -> 0 when approved (`recommend` is safe, just
 *   not taken unattended);
 * - `manual_approval` -> 2, or 0 when force stood in for the approval;
 * - anything not approved because it is outside the maintenance window -> 2:
 *   not unsafe, but not to be done now without a person deciding.
 */
export function decisionExitCode(decision: Pick<UpgradeDecision, 'action' | 'approved'>): DecisionExitCode {
  switch (decision.action) {
    case 'skip':
      return DECISION_EXIT_CODES.safe;
    case 'reject':
      return DECISION_EXIT_CODES.unsafe;
    case 'auto_approve':
    case 'recommend':
    case 'manual_approval':
      return decision.approved ? DECISION_EXIT_CODES.safe : DECISION_EXIT_CODES.manualReview;
  }
}
