import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SecretValue } from './secret-value.ts';

describe('SecretValue', () => {
  it('prints a SecretValue as redacted however it is printed', () => {
    const secret = new SecretValue('super-secret-token');
    const settings = { github: { token: secret } };
    for (const printed of [String(secret), JSON.stringify(settings), inspect(settings, { depth: 5 })]) {
      expect(printed).not.toContain('super-secret-token');
    }
    expect(secret.reveal()).toBe('super-secret-token');
  });
});
