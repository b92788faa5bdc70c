// The console's login: POST /api/session trades an API token for an HttpOnly cookie that then
// authenticates like the token (roles included), writes with it obey the CSRF rule, and it dies
// with a logout or with its token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningControlPlane } from '../bootstrap.ts';
import { ApiTokenService } from './api-token.service.ts';
import { createTestEnvironment, type TestEnvironment } from '../testing/test-control-plane.ts';

interface Answer {
  status: number;
  body: Record<string, unknown>;
  setCookie: string[];
}

type Role = 'viewer' | 'operator' | 'admin';

describe('console sessions (POST/DELETE /api/session)', () => {
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;
  const tokens: Record<Role, { id: string; secret: string }> = {
    viewer: { id: '', secret: '' },
    operator: { id: '', secret: '' },
    admin: { id: '', secret: '' },
  };

  const call = async (
    method: string,
    path: string,
    options: { cookie?: string; bearer?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> => {
    const response = await fetch(`${controlPlane.httpUrl}${path}`, {
      method,
      headers: {
        ...(options.cookie === undefined ? {} : { cookie: options.cookie }),
        ...(options.bearer === undefined ? {} : { authorization: `Bearer ${options.bearer}` }),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
      setCookie: response.headers.getSetCookie(),
    };
  };

  /** Logs in and returns the Cookie header the browser would send back. */
  const logIn = async (secret: string): Promise<{ cookie: string; answer: Answer }> => {
    const answer = await call('POST', '/api/session', { body: { token: secret } });
    expect(answer.status).toBe(201);
    const cookie = answer.setCookie[0]?.split(';')[0];
    if (cookie === undefined) throw new Error('no Set-Cookie in the login answer');
    return { cookie, answer };
  };

  beforeAll(async () => {
    environment = await createTestEnvironment();
    controlPlane = await environment.start();
    const service = controlPlane.app.get(ApiTokenService);
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      const created = await service.create(`${role}-token`, role, null, { type: 'system', id: 'test' });
      tokens[role] = { id: created.id, secret: created.token };
    }
  });

  afterAll(async () => {
    await environment.cleanup();
  });

  it('sets an HttpOnly SameSite=Strict cookie that authenticates GET /api/me', async () => {
    const { cookie, answer } = await logIn(tokens.viewer.secret);
    expect(answer.body).toEqual({ name: 'viewer-token', role: 'viewer' });
    expect(answer.setCookie).toHaveLength(1);
    const attributes = (answer.setCookie[0] ?? '').split(';').map((part) => part.trim());
    expect(attributes[0]).toMatch(/^upkeep_session=upk_session_[\w-]{43}$/);
    expect(attributes).toEqual(
      expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/', `Max-Age=${String(12 * 3600)}`]),
    );
    // Served over plain HTTP with an http public URL: no Secure, or the browser would drop it.
    expect(attributes).not.toContain('Secure');
    expect(cookie).not.toContain(tokens.viewer.secret);
    expect(await call('GET', '/api/me', { cookie })).toMatchObject({
      status: 200,
      body: { name: 'viewer-token', role: 'viewer' },
    });
    const audit = await call('GET', '/api/audit?action=session.created', { bearer: tokens.admin.secret });
    expect(audit.body['items']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actorId: tokens.viewer.id,
          targetType: 'api_token',
          targetId: tokens.viewer.id,
        }),
      ]),
    );
  });

  it("keeps the token's role: a viewer session is refused admin reads and operator writes", async () => {
    const { cookie } = await logIn(tokens.viewer.secret);
    const read = await call('GET', '/api/api-tokens', { cookie });
    expect(read.status).toBe(403);
    expect(read.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const write = await call('POST', '/api/enrollment-tokens', {
      cookie,
      body: {},
      headers: { 'x-upkeep-request': 'console' },
    });
    expect(write.status).toBe(403);
    expect(JSON.stringify(write.body)).toContain('needs the operator role');
  });

  it('refuses a cookie write without the CSRF header (403 naming the rule) and accepts it with one', async () => {
    const { cookie } = await logIn(tokens.operator.secret);
    const bare = await call('POST', '/api/enrollment-tokens', { cookie, body: {} });
    expect(bare.status).toBe(403);
    expect(bare.body).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(JSON.stringify(bare.body)).toContain('CSRF rule');
    expect(JSON.stringify(bare.body)).toContain('x-upkeep-request: console');
    const foreign = await call('POST', '/api/enrollment-tokens', {
      cookie,
      body: {},
      headers: { origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    const withHeader = await call('POST', '/api/enrollment-tokens', {
      cookie,
      body: {},
      headers: { 'x-upkeep-request': 'console' },
    });
    expect(withHeader.status).toBe(201);
    const sameOrigin = await call('POST', '/api/enrollment-tokens', {
      cookie,
      body: {},
      headers: { origin: new URL(controlPlane.httpUrl).origin },
    });
    expect(sameOrigin.status).toBe(201);
    // Bearer requests are unaffected by the rule.
    expect(
      (await call('POST', '/api/enrollment-tokens', { bearer: tokens.operator.secret, body: {} })).status,
    ).toBe(201);
  });

  it('logs out with DELETE: the row is gone, the cookie is cleared and then refused with 401', async () => {
    const { cookie } = await logIn(tokens.viewer.secret);
    const bare = await call('DELETE', '/api/session', { cookie });
    expect(bare.status).toBe(403);
    const out = await call('DELETE', '/api/session', { cookie, headers: { 'x-upkeep-request': 'console' } });
    expect(out.status).toBe(204);
    expect(out.setCookie[0]).toMatch(/^upkeep_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/);
    const after = await call('GET', '/api/me', { cookie });
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    const audit = await call('GET', '/api/audit?action=session.ended', { bearer: tokens.admin.secret });
    expect(audit.body['items']).toEqual(
      expect.arrayContaining([expect.objectContaining({ actorId: tokens.viewer.id })]),
    );
    // A bearer request has no session to end.
    expect((await call('DELETE', '/api/session', { bearer: tokens.viewer.secret })).status).toBe(400);
  });

  it("ends a token's sessions when the token is revoked", async () => {
    const service = controlPlane.app.get(ApiTokenService);
    const doomed = await service.create('doomed', 'operator', 1, { type: 'system', id: 'test' });
    const { cookie, answer } = await logIn(doomed.token);
    expect(answer.setCookie[0]).toContain(`Max-Age=${String(12 * 3600)}`);
    expect((await call('GET', '/api/me', { cookie })).status).toBe(200);
    expect(
      (await call('DELETE', `/api/api-tokens/${doomed.id}`, { bearer: tokens.admin.secret })).status,
    ).toBe(204);
    const refused = await call('GET', '/api/me', { cookie });
    expect(refused.status).toBe(401);
    expect(JSON.stringify(refused.body)).toContain('revoked or expired');
  });

  it('answers a wrong token with 401 and sets no cookie', async () => {
    for (const token of [`upk_api_${'x'.repeat(43)}`, 'not-a-token']) {
      const answer = await call('POST', '/api/session', { body: { token } });
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
      expect(answer.setCookie).toEqual([]);
    }
    expect((await call('POST', '/api/session', { body: {} })).status).toBe(400);
    // A made-up session cookie is refused, not looked past.
    expect(
      (await call('GET', '/api/me', { cookie: `upkeep_session=upk_session_${'y'.repeat(43)}` })).status,
    ).toBe(401);
  });
});
