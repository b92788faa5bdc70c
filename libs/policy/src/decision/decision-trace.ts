import { compareRisk, type RiskLevel } from '@upkeep/versioning';
import type { SafetyCheck, SafetyCheckName, SafetyCheckStatus } from './upgrade-decision.ts';

/**
 * What the rules have found so far. Each rule appends here, in the order the
 * rules run, so the explanation reads as the decision was made.
 */
export class DecisionTrace {
  readonly explanation: string[] = [];
  readonly warnings: string[] = [];
  readonly checks: SafetyCheck[] = [];
  /** Reasons the move must not happen. */
  readonly rejections: string[] = [];
  /** Reasons a person must approve the move. */
  readonly manualReasons: string[] = [];
  /** Reasons the move may not run unattended (it can still be recommended). */
  readonly autoBlockers: string[] = [];
  risk: RiskLevel = 'low';

  explain(sentence: string): void {
    this.explanation.push(sentence);
  }

  warn(warning: string): void {
    if (!this.warnings.includes(warning)) this.warnings.push(warning);
  }

  check(check: SafetyCheckName, status: SafetyCheckStatus, detail: string): void {
    this.checks.push({ check, passed: status !== 'failed', status, detail });
  }

  /**
   * A check switched off by `safety.<setting>`: `message` goes to the explanation
   * and the warnings, and each of `checks` is reported skipped.
   */
  turnedOff(setting: string, message: string, checks: readonly SafetyCheckName[]): void {
    this.explain(message);
    this.warn(message);
    for (const check of checks) this.check(check, 'skipped', `turned off by safety.${setting}`);
  }

  reject(reason: string): void {
    this.rejections.push(reason);
  }

  requireManual(reason: string): void {
    this.manualReasons.push(reason);
  }

  preventAuto(reason: string): void {
    this.autoBlockers.push(reason);
  }

  /** Raises the risk to `level` when higher, saying why in the explanation. */
  raiseRisk(level: RiskLevel, why: string): void {
    if (compareRisk(level, this.risk) <= 0) return;
    this.risk = level;
    this.explain(`Risk raised to ${level}: ${why}.`);
  }
}
