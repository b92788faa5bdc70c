import { get, request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningControlPlane } from '../bootstrap.ts';
import { ApiTokenService } from '../auth/api-token.service.ts';
import { createTestEnvironment, tlsFile, type TestEnvironment } from '../testing/test-control-plane.ts';

function httpsStatus(url: string, ca: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject);
  });
}

/** POSTs JSON and answers the status and the Set-Cookie headers. */
function httpsPost(url: string, ca: Buffer, body: unknown): Promise<{ status: number; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { ca, method: 'POST', headers: { 'content-type': 'application/json' } },
      (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0, setCookie: response.headers['set-cookie'] ?? [] });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(JSON.stringify(body));
  });
}

describe('REST API over HTTPS (UPKEEP_HTTP_TLS=on)', () => {
  let environment: TestEnvironment;
  let controlPlane: RunningControlPlane;

  beforeAll(async () => {
    environment = await createTestEnvironment({ extraEnv: { UPKEEP_HTTP_TLS: 'on' } });
    controlPlane = await environment.start();
  });

  afterAll(async () => {
    await environment.cleanup();
  });

  it('serves with the gateway certificate and refuses plain HTTP', async () => {
    expect(controlPlane.httpUrl).toMatch(/^https:\/\//);
    expect(await httpsStatus(`${controlPlane.httpUrl}/healthz`, tlsFile('ca.crt'))).toBe(200);
    await expect(httpsStatus(`${controlPlane.httpUrl}/healthz`, tlsFile('rogue-ca.crt'))).rejects.toThrow();
    await expect(fetch(`${controlPlane.httpUrl.replace('https:', 'http:')}/healthz`)).rejects.toThrow();
  });

  it('marks the console session cookie Secure', async () => {
    const created = await controlPlane.app
      .get(ApiTokenService)
      .create('tls-viewer', 'viewer', null, { type: 'system', id: 'test' });
    const answer = await httpsPost(`${controlPlane.httpUrl}/api/session`, tlsFile('ca.crt'), {
      token: created.token,
    });
    expect(answer.status).toBe(201);
    expect(answer.setCookie[0]).toMatch(
      /^upkeep_session=upk_session_[\w-]+; .*HttpOnly; SameSite=Strict; Secure$/,
    );
  });
});
