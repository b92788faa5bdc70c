import { describe, expect, it } from 'vitest';
import { estimateDowntime, median } from './downtime-estimate.service.ts';

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([])).toBeNull();
    expect(median([300, 100, 200])).toBe(200);
    expect(median([400, 100, 300, 200])).toBe(250);
  });
});

describe('estimateDowntime', () => {
  it('uses the median of past upgrades on this host', () => {
    expect(estimateDowntime([180, 900, 200], 12_000, false)).toMatchObject({
      expectedMs: 200,
      basis: 'history',
      samples: 3,
    });
  });

  it('falls back to the health check budget without history, and is zero for a first install', () => {
    expect(estimateDowntime([], 12_000, false)).toMatchObject({ expectedMs: 12_000, basis: 'health_budget' });
    expect(estimateDowntime([500], 12_000, true)).toMatchObject({ expectedMs: 0, basis: 'none' });
  });
});
