/** The comparison operators a gate's `success_condition` may use. */
export const CONDITION_OPERATORS = ['>=', '<=', '==', '!=', '>', '<'] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/** A parsed `success_condition`: every sample of the query must compare true against `threshold`. */
export interface SuccessCondition {
  readonly operator: ConditionOperator;
  readonly threshold: number;
  /** As written, trimmed (`> 0.99`). */
  readonly text: string;
}

export type SuccessConditionResult =
  | { readonly ok: true; readonly condition: SuccessCondition }
  | { readonly ok: false; readonly reason: string };

const CONDITION = /^(>=|<=|==|!=|>|<)\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)$/;

/**
 * Reads a gate's `success_condition`: an operator (`>`, `>=`, `<`, `<=`, `==`, `!=`)
 * and a finite number, e.g. `> 0.99`, `== 1`, `< 5`. Never throws: a refusal says why.
 */
export function parseSuccessCondition(value: unknown): SuccessConditionResult {
  if (typeof value !== 'string') {
    return {
      ok: false,
      reason: `${typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value} is not a condition; write an operator and a number as a string such as "> 0.99", "== 1" or "< 5"`,
    };
  }
  const text = value.trim();
  if (text === '') {
    return { ok: false, reason: 'the condition is empty; write an operator and a number such as "> 0.99"' };
  }
  const match = CONDITION.exec(text);
  if (match === null) {
    const operator = /^(>=|<=|==|!=|>|<|=)/.exec(text)?.[1];
    if (operator === undefined) {
      return {
        ok: false,
        reason: `${JSON.stringify(text)} does not start with an operator; use one of ${CONDITION_OPERATORS.join(', ')}, e.g. "> 0.99"`,
      };
    }
    if (operator === '=' && !text.startsWith('==')) {
      return { ok: false, reason: `${JSON.stringify(text)} uses "="; write "==" to compare, e.g. "== 1"` };
    }
    return {
      ok: false,
      reason: `${JSON.stringify(text)} has no number after ${JSON.stringify(operator)}; write one such as "${operator} 1"`,
    };
  }
  const threshold = Number(match[2]);
  if (!Number.isFinite(threshold)) {
    return { ok: false, reason: `${JSON.stringify(text)}: ${match[2] ?? ''} is not a finite number` };
  }
  return { ok: true, condition: { operator: match[1] as ConditionOperator, threshold, text } };
}

/** Whether `sample` satisfies the condition; NaN satisfies only `!=`. */
export function conditionHolds(condition: SuccessCondition, sample: number): boolean {
  switch (condition.operator) {
    case '>':
      return sample > condition.threshold;
    case '>=':
      return sample >= condition.threshold;
    case '<':
      return sample < condition.threshold;
    case '<=':
      return sample <= condition.threshold;
    case '==':
      return sample === condition.threshold;
    case '!=':
      return sample !== condition.threshold;
  }
}
