import { describe, expect, it } from 'vitest';
import { FORWARD_STEPS } from '../state/journal.types.ts';
import { rollbackReasonOf } from './fleet-job.service.ts';

describe('rollbackReasonOf', () => {
  it('names why the agent rolled back from the step that failed', () => {
    expect(rollbackReasonOf('health')).toBe('health_check');
    expect(rollbackReasonOf('start')).toBe('start_failed');
    expect(rollbackReasonOf('swap')).toBe('install_failed');
    expect(rollbackReasonOf('stop')).toBe('install_failed');
    expect(rollbackReasonOf(null)).toBe('other');
  });

  it('keeps the label bounded: every step maps to one of four reasons', () => {
    const reasons = new Set([...FORWARD_STEPS, 'not-a-step'].map((step) => rollbackReasonOf(step)));
    expect([...reasons].sort()).toEqual(['health_check', 'install_failed', 'other', 'start_failed']);
  });
});
