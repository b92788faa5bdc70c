import { get } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningControlPlane } from '../bootstrap.ts';
import { createTestEnvironment, tlsFile, type TestEnvironment } from '../testing/test-control-plane.ts';

function httpsStatus(url: string, ca: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject);
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
});
