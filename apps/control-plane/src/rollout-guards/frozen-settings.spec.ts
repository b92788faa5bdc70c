import { describe, expect, it } from 'vitest';
import { guardFactsOf } from './frozen-settings.ts';

describe('guardFactsOf', () => {
  it('reads gates in the REST form and in the policy form', () => {
    expect(
      guardFactsOf({
        gates: [
          { query: 'up', successCondition: '== 1', for: 300 },
          { query: 'up', successCondition: '> 0', for: '5m' },
          { query: 'up', success_condition: '< 5', forSeconds: 60 },
          { query: 'up', successCondition: '> 0' },
        ],
        maintenanceWindow: true,
      }),
    ).toEqual({
      gates: [
        { query: 'up', successCondition: '== 1', forSeconds: 300 },
        { query: 'up', successCondition: '> 0', forSeconds: 300 },
        { query: 'up', successCondition: '< 5', forSeconds: 60 },
        { query: 'up', successCondition: '> 0', forSeconds: 0 },
      ],
      maintenanceWindow: true,
    });
  });

  it('keeps an unreadable gate so the guard refuses it by name', () => {
    expect(guardFactsOf({ gates: [{ for: 'soon' }] })).toEqual({
      gates: [{ query: '', successCondition: '', forSeconds: Number.NaN }],
      maintenanceWindow: false,
    });
    expect(guardFactsOf(null)).toEqual({ gates: [], maintenanceWindow: false });
  });
});
