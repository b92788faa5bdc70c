import { describe, expect, it } from 'vitest';
import { apiErrorOf } from './api-error.ts';

describe('apiErrorOf', () => {
  it('shows the status, code, message and hint the API sent', () => {
    const error = apiErrorOf(403, {
      error: {
        code: 'FORBIDDEN',
        message: 'this needs the approver role; token vera has viewer',
        hint: 'ask an approver',
      },
    });
    expect(error.describe()).toBe(
      '403 FORBIDDEN: this needs the approver role; token vera has viewer (ask an approver)',
    );
  });

  it('still says something for a body that is not the API’s', () => {
    expect(apiErrorOf(502, undefined).describe()).toBe('502 HTTP_ERROR: HTTP 502');
    expect(apiErrorOf(500, { error: 'boom' }).describe()).toBe('500 HTTP_ERROR: HTTP 500');
  });
});
