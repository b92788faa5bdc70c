import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redactText, redactUrl } from './redact.ts';
import { SecretValue } from './secret-value.ts';

describe('redaction', () => {
  it('removes credentials and token parameters from URLs', () => {
    expect(redactUrl('https://user:pw@api.example.test/x?access_token=abc&page=2&private_token=def')).toBe(
      'https://REDACTED:REDACTED@api.example.test/x?access_token=REDACTED&page=2&private_token=REDACTED',
    );
    expect(redactUrl('https://objects.example.test/a?X-Amz-Signature=deadbeef&X-Amz-Credential=c')).toBe(
      'https://objects.example.test/a?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED',
    );
  });

  it('removes header values, known token shapes and given secrets from text', () => {
    const token = `ghp_${'a'.repeat(36)}`;
    const text = `authorization: token s3cr3t-value; PRIVATE-TOKEN: glpat-${'b'.repeat(20)} and ${token} and my-own-secret`;
    const out = redactText(text, ['my-own-secret']);
    expect(out).not.toMatch(/s3cr3t|glpat-b|ghp_a|my-own-secret/);
    expect(out).toContain('authorization: token [REDACTED]');
  });

  it('prints a SecretValue as redacted however it is printed', () => {
    const secret = new SecretValue('super-secret-token');
    const settings = { github: { token: secret } };
    for (const printed of [String(secret), JSON.stringify(settings), inspect(settings, { depth: 5 })]) {
      expect(printed).not.toContain('super-secret-token');
    }
    expect(secret.reveal()).toBe('super-secret-token');
  });
});
