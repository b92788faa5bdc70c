import { describe, expect, it } from 'vitest';
import { isUpkeepError, type UpkeepError } from '@upkeep/errors';
import { FleetClient, errorCodeForStatus, type FetchPort } from './fleet-client.ts';

/** A fetch port answering like the control plane would, recording what it was asked. */
function answering(status: number, body: unknown, headers: Record<string, string> = {}) {
  const calls: { url: URL; init: RequestInit }[] = [];
  const port: FetchPort = (url, init) => {
    calls.push({ url, init });
    return Promise.resolve(
      new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers }),
    );
  };
  return { port, calls };
}

async function failure(promise: Promise<unknown>): Promise<UpkeepError> {
  try {
    await promise;
  } catch (error) {
    if (isUpkeepError(error)) return error;
    throw error;
  }
  throw new Error('the request did not fail');
}

describe('FleetClient', () => {
  it('sends the token and repeated query values, and returns the JSON', async () => {
    const { port, calls } = answering(200, [{ id: 'a' }]);
    const client = new FleetClient('https://cp.example/', 'secret', port);
    expect(await client.get('/api/check', { label: ['env=prod', 'tier=web'], group: undefined })).toEqual([
      { id: 'a' },
    ]);
    expect(calls[0]?.url.toString()).toBe('https://cp.example/api/check?label=env%3Dprod&label=tier%3Dweb');
    expect(new Headers(calls[0]?.init.headers).get('authorization')).toBe('Bearer secret');
  });

  it.each([
    [401, 'UNAUTHENTICATED'],
    [403, 'FORBIDDEN'],
    [404, 'NOT_FOUND'],
    [400, 'INPUT_INVALID'],
    [409, 'CONFLICT'],
    [503, 'UNAVAILABLE'],
    [500, 'INTERNAL'],
  ] as const)('maps HTTP %i to %s with the server message', async (status, code) => {
    const { port } = answering(
      status,
      { error: { code: 'SERVER_SIDE', message: `the server says ${status}`, details: {} } },
      { 'x-request-id': 'req-1' },
    );
    const error = await failure(new FleetClient('https://cp.example', 't', port).get('/api/hosts'));
    expect(error.code).toBe(code);
    expect(errorCodeForStatus(status)).toBe(code);
    expect(error.message).toBe(`the server says ${status}`);
    expect(error.details).toMatchObject({ status, server_code: 'SERVER_SIDE', request_id: 'req-1' });
  });

  it('names the status when the server sends no error document, and refuses a non-JSON answer', async () => {
    const proxy = await failure(
      new FleetClient('https://cp.example', 't', answering(502, '<html>bad gateway</html>').port).get(
        '/api/jobs',
      ),
    );
    expect(proxy).toMatchObject({ code: 'UNAVAILABLE', message: 'GET /api/jobs answered HTTP 502' });
    const page = await failure(
      new FleetClient('https://cp.example', 't', answering(200, '<html>login</html>').port).get('/api/jobs'),
    );
    expect(page.code).toBe('UPSTREAM_INVALID_RESPONSE');
  });

  it('reports an unreachable server as UNAVAILABLE naming it', async () => {
    const refused: FetchPort = () => Promise.reject(new Error('connect ECONNREFUSED'));
    const error = await failure(new FleetClient('https://cp.example', 't', refused).get('/api/hosts'));
    expect(error).toMatchObject({ code: 'UNAVAILABLE' });
    expect(error.message).toContain('https://cp.example');
  });
});
