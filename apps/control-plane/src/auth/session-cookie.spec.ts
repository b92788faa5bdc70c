import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { csrfSafe, sessionCookie, sessionSecretOf } from './session-cookie.ts';

const SECRET = `upk_session_${'a'.repeat(43)}`;

const request = (method: string, headers: Record<string, string>, protocol = 'http'): Request =>
  ({ method, headers, protocol }) as unknown as Request;

describe('session cookie', () => {
  it('finds the session secret among other cookies and ignores anything not shaped like one', () => {
    expect(sessionSecretOf(`theme=dark; upkeep_session=${SECRET}; other=1`)).toBe(SECRET);
    expect(sessionSecretOf(`upkeep_session=${SECRET}`)).toBe(SECRET);
    expect(sessionSecretOf(undefined)).toBeUndefined();
    expect(sessionSecretOf('upkeep_session=')).toBeUndefined();
    expect(sessionSecretOf('upkeep_session=upk_api_abcdefghijklmnopqrstu')).toBeUndefined();
    expect(sessionSecretOf(`xupkeep_session=${SECRET}`)).toBeUndefined();
    expect(sessionSecretOf(`upkeep_session=${SECRET}%00`)).toBeUndefined();
  });

  it('is HttpOnly and SameSite=Strict, Secure only when asked', () => {
    expect(sessionCookie(SECRET, 60, false)).toBe(
      `upkeep_session=${SECRET}; Path=/; Max-Age=60; HttpOnly; SameSite=Strict`,
    );
    expect(sessionCookie(SECRET, 60, true)).toMatch(/; Secure$/);
  });

  it('lets reads through and asks writes for the console header or our own origin', () => {
    const publicUrl = 'https://upkeep.example.com';
    expect(csrfSafe(request('GET', {}), publicUrl)).toBe(true);
    expect(csrfSafe(request('HEAD', {}), publicUrl)).toBe(true);
    expect(csrfSafe(request('POST', {}), publicUrl)).toBe(false);
    expect(csrfSafe(request('POST', { 'x-upkeep-request': 'something' }), publicUrl)).toBe(false);
    expect(csrfSafe(request('DELETE', { 'x-upkeep-request': 'console' }), publicUrl)).toBe(true);
    expect(csrfSafe(request('POST', { origin: 'https://upkeep.example.com' }), publicUrl)).toBe(true);
    expect(
      csrfSafe(request('POST', { origin: 'http://10.0.0.5:8080', host: '10.0.0.5:8080' }), publicUrl),
    ).toBe(true);
    expect(
      csrfSafe(request('POST', { origin: 'https://evil.example', host: '10.0.0.5:8080' }), publicUrl),
    ).toBe(false);
  });
});
