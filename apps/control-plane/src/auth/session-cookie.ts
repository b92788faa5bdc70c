import type { Request } from 'express';

/** The console session cookie; its value is the session secret (`upk_session_…`). */
export const SESSION_COOKIE = 'upkeep_session';

/** The header the console sends on every write made with the cookie (the CSRF rule). */
export const CSRF_HEADER = 'x-upkeep-request';
export const CSRF_HEADER_VALUE = 'console';

// A session secret is a prefix and base64url: anything else in the cookie is not ours to look up.
const SECRET_SHAPE = /^upk_session_[A-Za-z0-9_-]{16,128}$/;

/** The session secret in a Cookie header, if there is one of the right shape. */
export function sessionSecretOf(cookieHeader: string | undefined): string | undefined {
  if (cookieHeader === undefined) return undefined;
  for (const pair of cookieHeader.split(';')) {
    const equals = pair.indexOf('=');
    if (equals < 0 || pair.slice(0, equals).trim() !== SESSION_COOKIE) continue;
    const value = pair.slice(equals + 1).trim();
    if (SECRET_SHAPE.test(value)) return value;
  }
  return undefined;
}

/** The Set-Cookie value that stores the session (HttpOnly: page scripts never see it). */
export function sessionCookie(secret: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${secret}; Path=/; Max-Age=${String(maxAgeSeconds)}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** The Set-Cookie value that makes the browser drop the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}

/**
 * Whether the request reached us over HTTPS: served with TLS here, or behind a proxy that the
 * public URL says terminates it (then a cookie without Secure could leak over plain HTTP).
 */
export function cameOverHttps(request: Request, publicUrl: string): boolean {
  return request.secure || publicUrl.startsWith('https:');
}

/**
 * The CSRF rule for cookie-authenticated requests: reads are free; a write must carry
 * `X-Upkeep-Request: console` (a cross-site page cannot set it without a CORS preflight we never
 * grant) or an Origin equal to the server's own.
 */
export function csrfSafe(request: Request, publicUrl: string): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return true;
  if (request.headers[CSRF_HEADER] === CSRF_HEADER_VALUE) return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  const host = request.headers.host;
  const own = host === undefined ? undefined : `${request.protocol}://${host}`;
  return origin === new URL(publicUrl).origin || origin === own;
}
