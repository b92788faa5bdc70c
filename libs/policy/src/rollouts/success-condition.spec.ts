import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CONDITION_OPERATORS, conditionHolds, parseSuccessCondition } from './success-condition.ts';

describe('parseSuccessCondition', () => {
  it.each([
    ['> 0.99', '>', 0.99],
    ['==1', '==', 1],
    ['  < 5 ', '<', 5],
    ['>= -2.5', '>=', -2.5],
    ['!= 0', '!=', 0],
    ['<= 1e3', '<=', 1000],
  ])('reads %j', (text, operator, threshold) => {
    const result = parseSuccessCondition(text);
    expect(result).toEqual({ ok: true, condition: { operator, threshold, text: text.trim() } });
  });

  it.each([
    ['0.99', 'does not start with an operator'],
    ['= 1', 'write "==" to compare'],
    ['> ', 'has no number after ">"'],
    ['> abc', 'has no number after ">"'],
    ['', 'the condition is empty'],
    ['=> 1', 'write "==" to compare'],
  ])('refuses %j saying why', (text, reason) => {
    const result = parseSuccessCondition(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('refuses a number that YAML did not quote', () => {
    const result = parseSuccessCondition(1);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain('as a string');
  });

  it('round-trips any operator and finite number', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CONDITION_OPERATORS),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        (operator, threshold) => {
          const result = parseSuccessCondition(`${operator} ${String(threshold)}`);
          expect(result.ok).toBe(true);
          if (result.ok) {
            expect(result.condition.operator).toBe(operator);
            expect(result.condition.threshold).toBe(threshold === 0 ? 0 : threshold);
          }
        },
      ),
    );
  });
});

describe('conditionHolds', () => {
  const holds = (text: string, sample: number): boolean => {
    const result = parseSuccessCondition(text);
    if (!result.ok) throw new Error(result.reason);
    return conditionHolds(result.condition, sample);
  };

  it('compares a sample with the threshold', () => {
    expect(holds('> 0.99', 1)).toBe(true);
    expect(holds('> 0.99', 0.99)).toBe(false);
    expect(holds('>= 0.99', 0.99)).toBe(true);
    expect(holds('== 1', 1)).toBe(true);
    expect(holds('== 1', 0)).toBe(false);
    expect(holds('< 5', 4.9)).toBe(true);
    expect(holds('<= 5', 5.1)).toBe(false);
    expect(holds('!= 0', 0)).toBe(false);
  });

  it('never holds for NaN except !=', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CONDITION_OPERATORS),
        fc.double({ noNaN: true }),
        (operator, threshold) => {
          expect(conditionHolds({ operator, threshold, text: '' }, Number.NaN)).toBe(operator === '!=');
        },
      ),
    );
  });
});
