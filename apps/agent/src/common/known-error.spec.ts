import { describe, expect, it } from 'vitest';
import { UpkeepError } from '@upkeep/errors';
import { knownError } from './known-error.service.ts';

describe('knownError', () => {
  it('keeps an UpkeepError as it is', () => {
    const error = new UpkeepError('DOWNLOAD_FAILED', 'x failed', { hint: 'retry' });
    expect(knownError(error, 'app')).toBe(error);
  });

  it('makes anything else INTERNAL with its message, after the prefix when given', () => {
    const cause = new Error('boom');
    const wrapped = knownError(cause, 'app');
    expect(wrapped).toMatchObject({ code: 'INTERNAL', message: 'app: boom' });
    expect(wrapped.cause).toBe(cause);
    expect(knownError('plain text')).toMatchObject({ code: 'INTERNAL', message: 'plain text' });
  });
});
