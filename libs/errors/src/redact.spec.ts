import { describe, expect, it } from 'vitest';
import { redactText, redactUrl, urlSecretParts } from './redact.ts';

describe('redactUrl', () => {
  it('removes credentials and token parameters', () => {
    expect(redactUrl('https://user:pw@api.example.test/x?access_token=abc&page=2&private_token=def')).toBe(
      'https://REDACTED:REDACTED@api.example.test/x?access_token=REDACTED&page=2&private_token=REDACTED',
    );
    expect(redactUrl('https://objects.example.test/a?X-Amz-Signature=deadbeef&X-Amz-Credential=c')).toBe(
      'https://objects.example.test/a?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED',
    );
    expect(redactUrl('redis://user:pw@host:6379/0')).toBe('redis://REDACTED:REDACTED@host:6379/0');
  });

  it('removes tokens carried in the path and keeps ordinary segments', () => {
    expect(redactUrl('https://hooks.slack.test/services/T0001/B0002/aB3dE5fG7hJ9kL1mN3pQ5rS7')).toBe(
      'https://hooks.slack.test/services/T0001/B0002/REDACTED',
    );
    const release =
      'https://github.test/prometheus/node_exporter/releases/download/v1.8.2/node_exporter-1.8.2.linux-amd64.tar.gz';
    expect(redactUrl(release)).toBe(release);
    const digest = `https://registry.test/v2/blobs/${'ab12'.repeat(16)}`;
    expect(redactUrl(digest)).toBe(digest);
    expect(redactUrl(`https://git.test/api/ghp_${'a'.repeat(36)}/x`)).toBe('https://git.test/api/REDACTED/x');
  });

  it('passes text that is not a URL through redactText', () => {
    expect(redactUrl('not a url')).toBe('not a url');
    expect(redactUrl('authorization: Bearer abc')).toBe('authorization: Bearer [REDACTED]');
  });
});

describe('redactText', () => {
  it('removes header values, known token shapes and given secrets', () => {
    const token = `ghp_${'a'.repeat(36)}`;
    const text = `authorization: token s3cr3t-value; PRIVATE-TOKEN: glpat-${'b'.repeat(20)} and ${token} and my-own-secret`;
    const out = redactText(text, ['my-own-secret']);
    expect(out).not.toMatch(/s3cr3t|glpat-b|ghp_a|my-own-secret/);
    expect(out).toContain('authorization: token [REDACTED]');
  });

  it('redacts URLs inside text and leaves harmless ones as written', () => {
    const out = redactText(
      'POST https://hooks.slack.test/services/T1/B2/aB3dE5fG7hJ9kL1mN3pQ5rS7 failed (see http://docs.test/x).',
    );
    expect(out).toBe(
      'POST https://hooks.slack.test/services/T1/B2/REDACTED failed (see http://docs.test/x).',
    );
    expect(redactText('at https://u:p@smtp.test:25')).toBe('at https://REDACTED:REDACTED@smtp.test:25/');
  });
});

describe('urlSecretParts', () => {
  it('lists the URL, its path and query, and its decoded user and password', () => {
    expect(urlSecretParts('https://hook%40ops:p%40ss@hooks.example.com/services/T0/B1?token=abc')).toEqual([
      'https://hook%40ops:p%40ss@hooks.example.com/services/T0/B1?token=abc',
      '/services/T0/B1',
      '?token=abc',
      'hook@ops',
      'p@ss',
    ]);
    expect(urlSecretParts('smtp://mail.example.com:25')).toEqual(['smtp://mail.example.com:25']);
  });
});
