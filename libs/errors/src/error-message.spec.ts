import { describe, expect, it } from 'vitest';
import { UpkeepError, errorMessage } from './index.ts';

describe('errorMessage', () => {
  const error = new UpkeepError('DOWNLOAD_FAILED', 'upstream answered 503', { hint: 'try again later' });

  it('gives the message, and the hint after it when asked', () => {
    expect(errorMessage(error)).toBe('upstream answered 503');
    expect(errorMessage(error, { withHint: true })).toBe('upstream answered 503 (try again later)');
  });

  it('reads plain errors and anything else thrown', () => {
    expect(errorMessage(new Error('boom'), { withHint: true })).toBe('boom');
    expect(errorMessage('text')).toBe('text');
    expect(errorMessage(new UpkeepError('INTERNAL', 'no hint'), { withHint: true })).toBe('no hint');
  });
});
